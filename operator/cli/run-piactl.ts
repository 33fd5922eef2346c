/**
 * `piactl` as a function, so tests can run it in-process: parse (a refusal → message on
 * stderr, exit 2), open a session with the gateway at phase 3 (session.ts), run the command,
 * close the session on every path. Exit codes: exit-codes.ts.
 */
// The console sits above the commands (it uses them): loaded when asked for, so this module
// does not import it while the console's own modules are importing this folder.
import type { ConsoleIo } from '../console/index.js';
import { parsePiactlArgs } from './args.js';
import { runCall, runGet, runLs, runSet } from './commands.js';
import { CommandError, ExitCode, UsageError } from './exit-codes.js';
import type { PiactlIo } from './io.js';
import { checkOutputPath } from './jpeg-file.js';
import { Output } from './output.js';
import { runPing } from './ping.js';
import { openSession } from './session.js';
import { runSnapshot } from './snapshot.js';
import { USAGE } from './usage.js';
import { runWatch } from './watch.js';

export async function runPiactl(args: readonly string[], io: PiactlIo & ConsoleIo): Promise<number> {
  let cmd;
  try {
    cmd = parsePiactlArgs(args, io.env ?? {});
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return new Output(io, args.includes('--json'), commandWord(args)).failure(new CommandError(ExitCode.Usage, e.message));
  }
  if (cmd.command === 'help') {
    io.stdout.write(USAGE);
    return ExitCode.Ok;
  }
  const out = new Output(io, cmd.json, cmd.command);
  try {
    if (cmd.command === 'ping') return await runPing(cmd, io, out);
    if (cmd.command === 'console') return await (await import('../console/index.js')).runConsole(cmd, io);
    if (cmd.command === 'snapshot') checkOutputPath(cmd.output);
    const s = await openSession(cmd, io);
    try {
      switch (cmd.command) {
        case 'ls':
          return await runLs(cmd, s, out);
        case 'get':
          return await runGet(cmd, s, out);
        case 'set':
          return await runSet(cmd, s, out);
        case 'call':
          return await runCall(cmd, s, out);
        case 'watch':
          return await runWatch(cmd, s, out, io.signal);
        case 'snapshot':
          return await runSnapshot(cmd, s, out);
      }
    } finally {
      await s.close();
    }
  } catch (e) {
    if (e instanceof CommandError) return out.failure(e);
    throw e;
  }
}

/** The command word of arguments that did not parse (for the JSON failure): the first positional. */
function commandWord(args: readonly string[]): string {
  const takesValue = ['--credential', '--gateway', '--gateway-id', '--known-gateways', '--timeout', '--count', '-c', '--output', '-o'];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (takesValue.includes(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return 'none';
}
