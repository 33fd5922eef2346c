/**
 * Test helpers: `pia` as a child process, optionally inside a network namespace
 * (`ip netns exec` execs the command in place, so its process group is still ours).
 * Every process started here is tracked; `stopAll()` (afterEach) kills what is left.
 */
import { join } from 'node:path';
import { ProcessTracker, REPO_ROOT, TSX, type TrackedProcess } from '../../../common/test-support/index.js';

export { REPO_ROOT, TSX };
export const PIA_CLI = join(REPO_ROOT, 'pia/cli/pia-cli.ts');
export type PiaProcess = TrackedProcess;

const tracker = new ProcessTracker();

/** Starts `pia ARGS…`, inside network namespace `netns` when given. */
export function startPia(args: readonly string[], options: { netns?: string; env?: Record<string, string> } = {}): PiaProcess {
  const [command, argv] = options.netns === undefined ? [TSX, [PIA_CLI, ...args]] : ['ip', ['netns', 'exec', options.netns, TSX, PIA_CLI, ...args]];
  return tracker.start(command, argv, { name: 'pia', ...(options.env === undefined ? {} : { env: options.env }) });
}

/** Runs `pia ARGS…` to completion (killed after `ms`). */
export function runPiaProcess(args: readonly string[], options: { netns?: string; ms?: number } = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const [command, argv] = options.netns === undefined ? [TSX, [PIA_CLI, ...args]] : ['ip', ['netns', 'exec', options.netns, TSX, PIA_CLI, ...args]];
  return tracker.run(command, argv, options.ms ?? 20_000, { name: 'pia' });
}

/** Kills every process started here that still runs (its whole process group). */
export function stopAll(): Promise<void> {
  return tracker.stopAll();
}
