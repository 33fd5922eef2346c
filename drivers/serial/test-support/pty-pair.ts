/**
 * A linked pair of pseudo-terminals from socat, standing in for two ends of a serial cable
 * in tests (docs/hardware.md#serial). What goes into one end comes out of the other,
 * untimed (a pty has no baud rate: bytes arrive as fast as socat copies them, in batches).
 *
 *   const pair = await startPtyPair();          // links in a fresh temp folder
 *   ... open pair.a and pair.b ...
 *   await pair.stop();                          // kills socat: both ends "unplug"
 *   const again = await startPtyPair({ a: pair.a, b: pair.b });  // "replug" on the same names
 *
 * Must hold: `startPtyPair` resolves only when both links exist and socat has started its
 * transfer loop; `stop` resolves only when socat has exited (it removes the links itself)
 * and the folders this pair created (the temp folder, or missing parents of given links)
 * are gone.
 * Callers stop every pair they start (afterEach), so no socat outlives a test run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface PtyPair {
  /** Link to the first pty (a symlink to /dev/pts/N). */
  readonly a: string;
  /** Link to the second pty. */
  readonly b: string;
  /** socat's process id. */
  readonly pid: number;
  /** True until socat has exited. */
  readonly running: boolean;
  /** Kills socat (SIGTERM, then SIGKILL after 2 s) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

export interface PtyPairOptions {
  /** Link paths; default: `a` and `b` in a fresh folder under the OS temp dir. */
  readonly a?: string;
  readonly b?: string;
  /** How long to wait for socat to come up; default 5000 ms. */
  readonly startTimeoutMs?: number;
}

export async function startPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const ownedDirs: string[] = [];
  let a: string;
  let b: string;
  if (options.a === undefined || options.b === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'pia-pty-'));
    ownedDirs.push(dir);
    a = options.a ?? join(dir, 'a');
    b = options.b ?? join(dir, 'b');
  } else {
    a = options.a;
    b = options.b;
  }
  for (const parent of new Set([dirname(a), dirname(b)])) {
    if (existsSync(parent)) continue;
    mkdirSync(parent, { recursive: true });
    ownedDirs.push(parent);
  }
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let loopStarted = false;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderr += text;
    if (stderr.includes('starting data transfer loop')) loopStarted = true;
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', () => {
      exited = true;
      resolve();
    });
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 5000);
  while (!(loopStarted && existsSync(a) && existsSync(b))) {
    if (exited || Date.now() > deadline) {
      await stopChild(child, exit, () => exited, ownedDirs);
      throw new Error(
        `socat pty pair ${a} <-> ${b} did not start (${exited ? 'socat exited' : 'timed out'}): ${stderr.trim() || 'no output'}; ` +
          `check that socat is installed (apt-get install -y socat) and the folder is writable`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }

  return {
    a,
    b,
    pid: child.pid ?? -1,
    get running() {
      return !exited;
    },
    stop: () => stopChild(child, exit, () => exited, ownedDirs),
  };
}

async function stopChild(child: ChildProcess, exit: Promise<void>, hasExited: () => boolean, ownedDirs: string[]): Promise<void> {
  if (!hasExited()) {
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exit;
    clearTimeout(force);
  }
  for (const dir of ownedDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
