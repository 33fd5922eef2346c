/**
 * Ctrl-C (SIGINT) or SIGTERM during a run that owns a lab: the programs run in process groups
 * of their own and would outlive this process, so the cleanup runs first, then the process
 * exits 130 (128 + SIGINT, as a shell reports an interrupted command).
 */
export function cleanUpOnInterrupt(cleanup: () => Promise<void>, say: (signal: NodeJS.Signals) => void = () => undefined): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      say(signal);
      void cleanup().finally(() => process.exit(130));
    });
  }
}
