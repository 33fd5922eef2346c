/**
 * `piactl` as a child process (through tsx, which passes SIGINT/SIGTERM on). Every process
 * started here is tracked; `stopAll()` (afterEach) kills what is left.
 */
import { join } from 'node:path';
import { ProcessTracker, REPO_ROOT, TSX, type TrackedProcess } from '../../../common/test-support/index.js';

export const PIACTL = join(REPO_ROOT, 'operator/cli/piactl.ts');
export type PiactlProcess = TrackedProcess;

const tracker = new ProcessTracker();

/**
 * `env` goes over this process's environment, and must name where piactl keeps its
 * known-gateways file (XDG_CONFIG_HOME or PIACTL_KNOWN_GATEWAYS, a temp folder): a test never
 * writes into the real home.
 */
export function startPiactl(args: readonly string[], env: Record<string, string>): PiactlProcess {
  return tracker.start(TSX, [PIACTL, ...args], { name: 'piactl', env: outsideHome(env) });
}

export function runPiactlProcess(args: readonly string[], o: { env: Record<string, string>; ms?: number }): Promise<{ code: number | string; stdout: string; stderr: string }> {
  return tracker.run(TSX, [PIACTL, ...args], o.ms ?? 20_000, { name: 'piactl', env: outsideHome(o.env) });
}

function outsideHome(env: Record<string, string>): Record<string, string> {
  if ((env.XDG_CONFIG_HOME ?? '') === '' && (env.PIACTL_KNOWN_GATEWAYS ?? '') === '') {
    throw new Error("piactl test: set XDG_CONFIG_HOME or PIACTL_KNOWN_GATEWAYS to a temp folder in the child's env: piactl would write its known-gateways file into the real home");
  }
  return env;
}

export function stopAll(): Promise<void> {
  return tracker.stopAll();
}
