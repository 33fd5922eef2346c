/**
 * `piactl` as a child process (through tsx, which passes SIGINT/SIGTERM on). Every process
 * started here is tracked; `stopAll()` (afterEach) kills what is left.
 */
import { join } from 'node:path';
import { ProcessTracker, REPO_ROOT, TSX, type TrackedProcess } from '../../../common/test-support/child-processes.js';

export const PIACTL = join(REPO_ROOT, 'operator/cli/piactl.ts');
export type PiactlProcess = TrackedProcess;

const tracker = new ProcessTracker();

export function startPiactl(args: readonly string[], env: Record<string, string> = {}): PiactlProcess {
  return tracker.start(TSX, [PIACTL, ...args], { name: 'piactl', env });
}

export function runPiactlProcess(args: readonly string[], o: { env?: Record<string, string>; ms?: number } = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
  return tracker.run(TSX, [PIACTL, ...args], o.ms ?? 20_000, { name: 'piactl', ...(o.env === undefined ? {} : { env: o.env }) });
}

export function stopAll(): Promise<void> {
  return tracker.stopAll();
}
