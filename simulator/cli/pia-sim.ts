#!/usr/bin/env node
/**
 * `pia-sim`: virtual hardware on a real serial port. All the work is in `runSim` (run-sim.ts);
 * this file owns the process: arguments, SIGINT/SIGTERM → a clean stop, the exit code.
 */
import { runSim } from './run-sim.js';

async function main(): Promise<void> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // A reader that goes away (`pia-sim … | head`) must not stop the part: drop the log instead.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  const code = await runSim(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
  process.exitCode = code;
  // The port is closed and timers cleared, so the process ends by itself; should a
  // library keep a handle open, do not hang on it.
  setTimeout(() => process.exit(code), 2000).unref();
}

void main();
