/**
 * Test helpers for real-time serial tests: a socat pty pair and `pia-sim` as a child process.
 * Every process started here is tracked; `stopAll()` (in afterEach) kills what is left.
 *
 * `pia-sim` is started through node_modules/.bin/tsx, not `npx tsx`: npm exec does not pass
 * SIGINT/SIGTERM on to its child, tsx does (and returns the child's exit code). tsx runs the
 * program in a child node, so every process is started in its own process group and
 * `stopAll` kills the whole group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startPtyPair, type PtyPair as StartedPtyPair } from '../../../drivers/serial/test-support/index.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
const TSX = join(REPO_ROOT, 'node_modules/.bin/tsx');
const PIA_SIM = join(REPO_ROOT, 'simulator/cli/pia-sim.ts');

const running = new Set<ChildProcess>();
/** Process-group ids of everything started, alive or not (a group may outlive its leader). */
const groups = new Set<number>();

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

export interface SimProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout matches `pattern`; rejects if the process exits first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  /** Resolves with the exit code (or the signal name when killed). */
  readonly exited: Promise<number | string>;
}

export function startPiaSim(args: readonly string[]): SimProcess {
  const child = track(spawn(TSX, [PIA_SIM, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | string>((res) => child.once('exit', (code, signal) => res(code ?? signal ?? -1)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(pattern, ms = 15_000) {
      const deadline = Date.now() + ms;
      while (!pattern.test(out)) {
        if (child.exitCode !== null) throw new Error(`pia-sim exited (${child.exitCode}) before printing ${pattern}: ${err}${out}`);
        if (Date.now() > deadline) throw new Error(`pia-sim did not print ${pattern} within ${ms} ms: ${err}${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** Runs a command to completion (e.g. mbpoll), with a time limit. */
export function run(command: string, args: readonly string[], ms = 10_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const timer = setTimeout(() => killGroup(child), ms);
  return new Promise((res) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    }),
  );
}

/** Kills every process started here that is still running, and stops the pty pairs. */
export async function stopAll(): Promise<void> {
  const waits = [...running].map(
    (c) =>
      new Promise<void>((res) => {
        if (c.exitCode !== null || c.signalCode !== null) return res();
        c.once('exit', () => res());
        killGroup(c);
      }),
  );
  await Promise.all(waits);
  running.clear();
  for (const g of groups) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  groups.clear();
  await Promise.all([...pairs].map((p) => p.stop()));
  pairs.clear();
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

function track(child: ChildProcess): ChildProcess {
  running.add(child);
  if (child.pid !== undefined) groups.add(child.pid);
  child.once('exit', () => running.delete(child));
  return child;
}
