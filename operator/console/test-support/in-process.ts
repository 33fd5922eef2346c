/**
 * `piactl console ARGS…` run in this process (runPiactl), for the Chromium tests: resolves
 * once it serves, or rejects with its exit code and what it wrote to stderr.
 */
import { runPiactl } from '../../cli/index.js';
import type { ConsoleServer } from '../server.js';

export interface InProcessConsole {
  readonly server: ConsoleServer;
  /** What it printed on stdout (the URL line). */
  stdout(): string;
  /** Stops it (as Ctrl-C does); its exit code. */
  stop(): Promise<number>;
}

export async function startConsoleInProcess(args: readonly string[], o: { readonly env: Readonly<Record<string, string>>; readonly logs: string[] }): Promise<InProcessConsole> {
  const abort = new AbortController();
  let ready!: (s: ConsoleServer) => void;
  const serving = new Promise<ConsoleServer>((resolve) => (ready = resolve));
  let out = '';
  const done = runPiactl(['console', ...args], {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => o.logs.push(s) },
    signal: abort.signal,
    env: o.env,
    onReady: (s) => ready(s),
  });
  void done.then((code) => o.logs.push(`console exited ${code}`));
  const server = await Promise.race([serving, done.then((code) => Promise.reject(new Error(`piactl console exited ${code}: ${o.logs.join('')}`)))]);
  return {
    server,
    stdout: () => out,
    stop: () => {
      abort.abort();
      return done;
    },
  };
}
