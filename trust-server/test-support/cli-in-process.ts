/** `pia-trust ARGS…` run in-process (runPiaTrust), its output captured. */
import type { PasswordHasher } from '../accounts/index.js';
import { runPiaTrust } from '../cli/run-pia-trust.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** What --password-stdin reads. */
  readonly stdin?: string;
  readonly hasher?: PasswordHasher;
}

export async function cli(args: readonly string[], env: Record<string, string> = {}, options: CliOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runPiaTrust(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    signal: new AbortController().signal,
    env,
    ...(options.stdin === undefined ? {} : { stdin: chunks(options.stdin) }),
    ...(options.hasher === undefined ? {} : { hasher: options.hasher }),
  });
  return { code, stdout, stderr };
}

function chunks(text: string): AsyncIterable<string> {
  return (async function* () {
    yield await Promise.resolve(text);
  })();
}
