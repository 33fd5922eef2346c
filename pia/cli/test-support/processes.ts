/**
 * Test helpers: `pia` as a child process, optionally inside a network namespace. Every
 * process started here is tracked; `stopAll()` (afterEach) kills what is left.
 *
 * `pia` is started through node_modules/.bin/tsx, not `npx tsx`: npm exec does not pass
 * SIGINT/SIGTERM on to its child, tsx does (and returns the child's exit code). tsx runs the
 * program in a child node, so every process gets its own process group and `stopAll` kills
 * the whole group. `ip netns exec` execs the command in place, so the same holds inside a
 * namespace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const TSX = join(REPO_ROOT, 'node_modules/.bin/tsx');
export const PIA_CLI = join(REPO_ROOT, 'pia/cli/pia-cli.ts');

const running = new Set<ChildProcess>();
const groups = new Set<number>();

export interface PiaProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout matches `pattern` (with the match); rejects if the process exits first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** The exit code, or the signal name when killed. */
  readonly exited: Promise<number | string>;
}

/** Starts `pia ARGS…`, inside network namespace `netns` when given (`ip netns exec`). */
export function startPia(args: readonly string[], options: { netns?: string; env?: Record<string, string> } = {}): PiaProcess {
  const [command, argv] = options.netns === undefined ? [TSX, [PIA_CLI, ...args]] : ['ip', ['netns', 'exec', options.netns, TSX, PIA_CLI, ...args]];
  const child = track(spawn(command, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...options.env } }));
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
      for (;;) {
        const m = pattern.exec(out);
        if (m !== null) return m;
        if (child.exitCode !== null) throw new Error(`pia exited (${child.exitCode}) before printing ${pattern}: ${err}${out}`);
        if (Date.now() > deadline) throw new Error(`pia did not print ${pattern} within ${ms} ms: ${err}${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** Runs `pia ARGS…` to completion (killed after `ms`). */
export async function runPiaProcess(args: readonly string[], options: { netns?: string; ms?: number } = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const p = startPia(args, options.netns === undefined ? {} : { netns: options.netns });
  const timer = setTimeout(() => killGroup(p.child), options.ms ?? 20_000);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Kills every process started here that still runs (its whole process group). */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(
      (c) =>
        new Promise<void>((res) => {
          if (c.exitCode !== null || c.signalCode !== null) return res();
          c.once('exit', () => res());
          killGroup(c);
        }),
    ),
  );
  running.clear();
  for (const g of groups) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  groups.clear();
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
