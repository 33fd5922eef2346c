/**
 * `pia-trust` as child processes (real signals, real ports, real files). Every process started
 * here is tracked; `stopAll()` (afterEach) kills what is left.
 */
import { join } from 'node:path';
import { ProcessTracker, REPO_ROOT, TSX, type TrackedProcess } from '../../common/test-support/index.js';

export const PIA_TRUST_CLI = join(REPO_ROOT, 'trust-server/cli/pia-trust.ts');
export type TrustProcess = TrackedProcess;

const tracker = new ProcessTracker();

export function startTrust(args: readonly string[], env: Record<string, string> = {}): TrustProcess {
  return tracker.start(TSX, [PIA_TRUST_CLI, ...args], { name: 'pia-trust', env });
}

export function runTrustProcess(args: readonly string[], env: Record<string, string> = {}, ms = 20_000): Promise<{ code: number | string; stdout: string; stderr: string }> {
  return tracker.run(TSX, [PIA_TRUST_CLI, ...args], ms, { name: 'pia-trust', env });
}

export function stopAll(): Promise<void> {
  return tracker.stopAll();
}
