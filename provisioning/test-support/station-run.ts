/**
 * Test helper: `pia-provision ARGS…` in-process on the factory floor (factory.ts): the station's
 * UDP sockets on the in-memory network, the board's buses from a simulated board, all on the
 * floor's ManualClock; output captured.
 */
import { join } from 'node:path';
import type { I2cBus } from '../../drivers/i2c/index.js';
import { seededRandom } from '../../pia/handshake/test-support/index.js';
import { runPiaProvision } from '../cli/run-pia-provision.js';
import type { ProvisionDeps } from '../cli/station.js';
import { STATION_ADDRESS, type Factory } from './factory.js';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let port = 50_000;

/** Deps for a run: `openI2c` from a simulated board; a fresh port for every socket. */
export function stationDeps(f: Factory, openI2c: (bus: number) => Promise<I2cBus>, extra: Partial<ProvisionDeps> = {}): ProvisionDeps {
  return {
    clock: f.clock,
    openI2c,
    openTransport: () => Promise.resolve(f.net.attach(STATION_ADDRESS, port++)),
    node: { random: seededRandom(`station-run/${port}`) },
    ...extra,
  };
}

/** Runs the command with `--station`, `--state` and `--labels` of the floor filled in for burn and batch. */
export async function provision(f: Factory, args: readonly string[], deps: ProvisionDeps, signal: AbortSignal = new AbortController().signal): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const withStation = args[0] === 'burn' || args[0] === 'batch' ? [...args, '--station', f.stationFile, '--state', join(f.dir, 'station-state'), '--labels', join(f.dir, 'labels')] : [...args];
  const code = await f.clock.settle(
    runPiaProvision(withStation, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, signal }, deps),
    1,
  );
  return { code, stdout, stderr };
}
