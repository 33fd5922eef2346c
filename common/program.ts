/**
 * Process ownership for the programs (`pia`, `pia-sim`, later `pia-gateway`): the program's
 * work is a testable `run(signal)` returning an exit code; this wires the rest.
 *
 * Must hold:
 * - SIGINT and SIGTERM abort `signal`, and `run` stops cleanly (sockets and ports closed);
 * - a reader that goes away (`pia listen | head`) does not stop the program: output is dropped;
 * - the exit code is `run`'s; the process ends by itself once its handles are closed, and at
 *   most `graceMs` after `run` returns should a library keep a handle open.
 */
export function runProgram(run: (signal: AbortSignal) => Promise<number>, graceMs = 2000): void {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  void run(controller.signal).then((code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), graceMs).unref();
  });
}
