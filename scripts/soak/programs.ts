/**
 * The soak's long-running programs: each started at its role's place (hosts.ts), restarted on
 * the soak's schedule, its memory sampled, its output kept to be judged at the end.
 *
 * Must hold:
 * 1. an exit the soak did not ask for (a kill, a stop) is a crash, named in the report with
 *    the program and its exit code or signal;
 * 2. the output of every incarnation is kept: a restart does not hide what the first one said;
 * 3. memory is read from /proc/PID/status (VmRSS, kB) of the running incarnation: the
 *    resident set the kernel charges, the same for a Node program and for Mosquitto; a 0 (a
 *    process still being made or already a zombie) is not a sample.
 */
import { readFileSync } from 'node:fs';
import type { TrackedProcess } from '../../common/test-support/index.js';
import type { SoakHosts, SoakRole } from './hosts.js';
import type { MemorySample } from './slope.js';

export interface ProgramCrash {
  readonly program: string;
  readonly exit: number | string;
  readonly output: string;
}

export class SoakProgram {
  readonly samples: MemorySample[] = [];
  readonly crashes: ProgramCrash[] = [];
  #proc: TrackedProcess | undefined;
  #expectingExit = false;
  #outputs: { stdout: () => string; stderr: () => string }[] = [];

  constructor(
    readonly name: string,
    readonly role: SoakRole,
    private readonly hosts: SoakHosts,
    private readonly argv: readonly string[],
    private readonly now: () => number,
  ) {}

  get process(): TrackedProcess {
    if (this.#proc === undefined) throw new Error(`soak: ${this.name} is not running`);
    return this.#proc;
  }

  get running(): boolean {
    return this.#proc !== undefined && this.#proc.child.exitCode === null && this.#proc.child.signalCode === null;
  }

  start(): TrackedProcess {
    const p = this.hosts.start(this.role, this.argv, this.name);
    this.#proc = p;
    this.#expectingExit = false;
    this.#outputs.push({ stdout: () => p.stdout(), stderr: () => p.stderr() });
    void p.exited.then((exit) => {
      if (!this.#expectingExit && this.#proc === p) this.crashes.push({ program: this.name, exit, output: `${p.stderr()}${p.stdout()}`.slice(-2_000) });
    });
    return p;
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs`); returns the exit code or signal name. */
  async stop(signal: NodeJS.Signals, graceMs = 10_000): Promise<number | string> {
    const p = this.#proc;
    if (p === undefined) return 'not running';
    this.#expectingExit = true;
    if (!this.running) return p.exited;
    p.child.kill(signal);
    const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
    const exit = await p.exited;
    clearTimeout(timer);
    return exit;
  }

  /** One memory sample of the running incarnation (rule 3); nothing while it is down. */
  sample(): void {
    const pid = this.#proc?.child.pid;
    if (pid === undefined || !this.running) return;
    try {
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m !== null && Number(m[1]) > 0) this.samples.push({ atMs: this.now(), rssBytes: Number(m[1]) * 1024 });
    } catch {
      // exited between the check and the read
    }
  }

  /** Everything every incarnation wrote (rule 2). */
  stdout(): string {
    return this.#outputs.map((o) => o.stdout()).join('');
  }

  stderr(): string {
    return this.#outputs.map((o) => o.stderr()).join('');
  }
}

/** Lines of a program's output that say an error escaped it: an unhandled rejection, an uncaught exception, a stack trace, a fatal log record. */
export function unhandledErrors(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => /unhandled|uncaught|\bfatal\b|"level":60|^\s+at .+:\d+:\d+\)?$|^\w*Error: /i.test(l))
    .slice(0, 10);
}
