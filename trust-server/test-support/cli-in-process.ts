/** `pia-trust ARGS…` run in-process (runPiaTrust), its output captured. */
import { runPiaTrust } from '../cli/run-pia-trust.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runPiaTrust(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    signal: new AbortController().signal,
    env,
  });
  return { code, stdout, stderr };
}
