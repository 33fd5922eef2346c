/** The `pia-gateway` program as a library: the dispatcher, its subcommand table, exit codes. */
export { runGatewayCli, gatewayUsage } from './run-gateway-cli.js';
export { SUBCOMMANDS, DEFAULT_SUBCOMMAND } from './subcommands.js';
export { checkSubcommand } from './check-command.js';
export { discoverSubcommand } from './discover-command.js';
export { parseSubcommandArgs, UsageError, type Parsed } from './args.js';
export { ExitCode } from './exit-codes.js';
export type { GatewayCliIo, Subcommand } from './io.js';
export { firmwareVersion } from './firmware-version.js';
