/**
 * Test helpers for real-time serial tests: a socat pty pair and `pia-sim` as a child process
 * (common/test-support/child-processes.ts: own process group, started through tsx so signals
 * reach it). Every process and pair started here is tracked; `stopAll()` (in afterEach)
 * kills what is left.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessTracker, REPO_ROOT, TSX, type TrackedProcess } from '../../../common/test-support/index.js';
import { startPtyPair, type PtyPair as StartedPtyPair } from '../../../drivers/serial/test-support/index.js';

export { REPO_ROOT };
const PIA_SIM = join(REPO_ROOT, 'simulator/cli/pia-sim.ts');
const tracker = new ProcessTracker();

export interface PtyPair {
  /** The end the simulator opens. */
  readonly sim: string;
  /** The end the host program opens. */
  readonly host: string;
}

const pairs = new Set<StartedPtyPair>();

/** A socat pty pair (drivers/serial/test-support), stopped by `stopAll()`. */
export async function ptyPair(): Promise<PtyPair> {
  // Link names say which end is which; the folder is created and removed by the pair.
  const dir = join(tmpdir(), `pia-sim-pty-${randomUUID()}`);
  const pair = await startPtyPair({ a: join(dir, 'sim'), b: join(dir, 'host') });
  pairs.add(pair);
  return { sim: pair.a, host: pair.b };
}

export type SimProcess = TrackedProcess;

export function startPiaSim(args: readonly string[]): SimProcess {
  return tracker.start(TSX, [PIA_SIM, ...args], { name: 'pia-sim' });
}

/** Runs a command to completion (e.g. mbpoll), with a time limit. */
export function run(command: string, args: readonly string[], ms = 10_000): Promise<{ code: number | string; stdout: string; stderr: string }> {
  return tracker.run(command, args, ms);
}

/** Kills every process started here that is still running, and stops the pty pairs. */
export async function stopAll(): Promise<void> {
  await tracker.stopAll();
  await Promise.all([...pairs].map((p) => p.stop()));
  pairs.clear();
}
