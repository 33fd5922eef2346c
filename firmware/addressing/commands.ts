/**
 * The seam between addressing and the host: every `ip` and `sysctl` call goes through a
 * `CommandRunner`, so unit tests check the exact commands and the namespace test runs them
 * inside a network namespace (`ip netns exec NS …`).
 *
 * Must hold: a runner never throws for a command that ran and failed: it returns the exit code
 * and output; a missing program is exit code 127 with "not found" on stderr. Output is read in
 * the C locale, so the error texts matched in setup.ts ("File exists") do not vary.
 */
import { execFile } from 'node:child_process';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type CommandRunner = (command: string, args: readonly string[]) => Promise<CommandResult>;

const TIMEOUT_MS = 10_000;

/** Runs programs with node:child_process (C locale, 10 s limit). */
export function systemCommandRunner(env: NodeJS.ProcessEnv = process.env): CommandRunner {
  return (command, args) =>
    new Promise((resolve) => {
      execFile(command, [...args], { env: { ...env, LC_ALL: 'C' }, timeout: TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
        if (error === null) return resolve({ code: 0, stdout, stderr });
        const e = error as NodeJS.ErrnoException & { code?: string | number };
        if (e.code === 'ENOENT') return resolve({ code: 127, stdout: '', stderr: `${command}: not found` });
        resolve({ code: typeof e.code === 'number' ? e.code : 1, stdout, stderr: stderr === '' ? e.message : stderr });
      });
    });
}

/** "ip -6 addr add …" as a person would type it (for messages and logs). */
export function commandText(command: string, args: readonly string[]): string {
  return [command, ...args].join(' ');
}
