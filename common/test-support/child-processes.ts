/**
 * Child processes for tests that run real programs (pia-sim, pia, mbpoll, socat), each in its
 * own process group so a test can kill the program and everything it started. A tracker
 * remembers every process it started; `stopAll()` (in afterEach) kills what is left.
 *
 * Programs written in TypeScript (`start(TSX, [file, …])`) run as `node --import <tsx loader>
 * file …`: one process, so a signal reaches the program itself. Not `npx tsx` (npm exec does not
 * pass signals on) and not the tsx CLI either: it relays SIGTERM to its child node and, when the
 * child's acknowledgement takes over 30 ms (a loaded CI machine), SIGKILLs it (exit 143).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const TSX = join(REPO_ROOT, 'node_modules/.bin/tsx');
/** tsx's loader (its package export "."), for `node --import`. */
const TSX_LOADER = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

export interface TrackedProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the match when stdout matches `pattern`; rejects if the process exits first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** The exit code, or the signal name when killed. */
  readonly exited: Promise<number | string>;
}

export interface StartOptions {
  /** A name for error messages; default the command. */
  readonly name?: string;
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  /** 'pipe' to write to the program's standard input (`child.stdin`); default 'ignore'. */
  readonly stdin?: 'ignore' | 'pipe';
}

export class ProcessTracker {
  private readonly running = new Set<ChildProcess>();
  /** Process-group ids of everything started, alive or not (a group may outlive its leader). */
  private readonly groups = new Set<number>();

  /** Starts `command args…` in its own process group, capturing stdout and stderr. */
  start(command: string, args: readonly string[], o: StartOptions = {}): TrackedProcess {
    const [program, programArgs] = command === TSX ? [process.execPath, ['--import', TSX_LOADER, ...args]] : [command, args];
    const child = this.track(spawn(program, programArgs, { cwd: o.cwd ?? REPO_ROOT, stdio: [o.stdin ?? 'ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...o.env } }));
    const name = o.name ?? command;
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
          if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}) before printing ${pattern}: ${err}${out}`);
          if (Date.now() > deadline) throw new Error(`${name} did not print ${pattern} within ${ms} ms: ${err}${out}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      },
    };
  }

  /** Runs `command args…` to completion; its process group is killed after `ms`. */
  async run(command: string, args: readonly string[], ms = 10_000, o: StartOptions = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
    const p = this.start(command, args, o);
    const timer = setTimeout(() => killGroup(p.child), ms);
    const code = await p.exited;
    clearTimeout(timer);
    return { code, stdout: p.stdout(), stderr: p.stderr() };
  }

  /** Kills every process started here that still runs (its whole process group). */
  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.running].map(
        (c) =>
          new Promise<void>((res) => {
            if (c.exitCode !== null || c.signalCode !== null) return res();
            c.once('exit', () => res());
            killGroup(c);
          }),
      ),
    );
    this.running.clear();
    for (const g of this.groups) {
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.groups.clear();
  }

  private track(child: ChildProcess): ChildProcess {
    this.running.add(child);
    if (child.pid !== undefined) this.groups.add(child.pid);
    child.once('exit', () => this.running.delete(child));
    return child;
  }
}

export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** True while process `pid` exists (signal 0; EPERM: it exists, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
