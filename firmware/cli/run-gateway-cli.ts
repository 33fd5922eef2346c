/**
 * `pia-gateway` as a function, so tests run it in-process:
 *  1. the first argument names a subcommand of the table (subcommands.ts); arguments that
 *     start with an option go to the default subcommand ('run') when the table has it;
 *  2. --help (alone) prints every subcommand's usage and the exit codes;
 *  3. a UsageError from parsing → "pia-gateway CMD: message" on stderr, exit 2.
 */
import { UsageError } from './args.js';
import { ExitCode } from './exit-codes.js';
import type { GatewayCliIo, Subcommand } from './io.js';
import { DEFAULT_SUBCOMMAND, SUBCOMMANDS } from './subcommands.js';

const EXIT_CODES = `exit codes:
  0  ok
  1  check: the configuration cannot be used (every problem printed as FILE:LINE: …; fix);
     discover: no bus could be scanned
  2  bad arguments
  3  check --hardware: the file is valid but this host lacks something it names
  4  run: the gateway could not start (a port, an address, the credential, the state
     directory): the message says which and the fix`;

export function gatewayUsage(subcommands: readonly Subcommand[] = SUBCOMMANDS): string {
  const list = subcommands.map((s) => `  ${s.usage}`).join('\n');
  return `pia-gateway: the PIA gateway (firmware/config/README.md)\n\nusage:\n${list}\n  pia-gateway --help\n\n${EXIT_CODES}\n`;
}

export async function runGatewayCli(args: readonly string[], io: GatewayCliIo, subcommands: readonly Subcommand[] = SUBCOMMANDS): Promise<number> {
  const first = args[0];
  const names = subcommands.map((s) => s.name);
  if (first === undefined || ((first === '--help' || first === '-h') && args.length === 1)) {
    (first === undefined ? io.stderr : io.stdout).write(gatewayUsage(subcommands));
    return first === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  const byName = first.startsWith('-') ? subcommands.find((s) => s.name === DEFAULT_SUBCOMMAND) : subcommands.find((s) => s.name === first);
  const rest = first.startsWith('-') ? args : args.slice(1);
  if (byName === undefined) {
    const problem = first.startsWith('-') ? `no command given before ${first}` : `unknown command '${first}'`;
    io.stderr.write(`pia-gateway: ${problem}; write one of: ${names.join(', ')} (see 'pia-gateway --help')\n`);
    return ExitCode.Usage;
  }
  try {
    return await byName.run(rest, io);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`pia-gateway ${byName.name}: ${e.message}\n`);
    return ExitCode.Usage;
  }
}
