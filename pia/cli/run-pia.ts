/**
 * `pia` as a function, so tests can run it in-process: parse (a refusal → message on stderr,
 * exit 2), then `listen` (listen.ts) or `ping` (ping.ts). Exit codes: exit-codes.ts.
 */
import { parsePiaArgs, USAGE, UsageError } from './args.js';
import { ExitCode } from './exit-codes.js';
import { runListen } from './listen.js';
import type { PiaIo } from './node-setup.js';
import { runPing } from './ping.js';

export async function runPia(args: readonly string[], io: PiaIo): Promise<number> {
  let command;
  try {
    command = parsePiaArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`pia: ${e.message}\n`);
    return ExitCode.Usage;
  }
  switch (command.command) {
    case 'help':
      io.stdout.write(USAGE);
      return ExitCode.Ok;
    case 'listen':
      return runListen(command, io);
    case 'ping':
      return runPing(command, io);
  }
}
