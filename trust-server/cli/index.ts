/** The `pia-trust` program as a library: argument parsing, `runPiaTrust`, exit codes. */
export { runPiaTrust } from './run-pia-trust.js';
export { parseTrustArgs, USAGE, UsageError, DEFAULT_ADMIN_BIND, DEFAULT_PIA_BIND, type ApiTarget, type ServeCommand, type TrustCommand } from './args.js';
export { ExitCode } from './exit-codes.js';
export { callApi, CliError } from './admin-client.js';
export type { TrustIo } from './io.js';
