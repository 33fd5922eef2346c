#!/usr/bin/env node
/**
 * `pia`: the PIA protocol tool. All the work is in `runPia` (run-pia.ts); this file owns the
 * process: arguments, environment (PIA_KEYLOG), SIGINT/SIGTERM → a clean stop, the exit code.
 */
import { runPia } from './run-pia.js';

async function main(): Promise<void> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // A reader that goes away (`pia listen | head`) must not stop the listener: drop the output instead.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  const code = await runPia(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal, env: process.env });
  process.exitCode = code;
  // The socket is closed and timers cleared, so the process ends by itself; should a handle
  // stay open, do not hang on it.
  setTimeout(() => process.exit(code), 2000).unref();
}

void main();
