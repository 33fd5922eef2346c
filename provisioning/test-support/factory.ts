/**
 * Test helper: a factory floor in one process on a ManualClock. A real trusted server
 * (startTrustServer: SQLite store, audit log, admin API) whose PIA socket is on an in-memory
 * network, a station credential made with `pia-trust node add --kind station`, and PIA nodes
 * for the station on the same network. Everything is closed by `close()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../common/index.js';
import { MemoryLatchStore } from '../../pia/discovery/index.js';
import { loadIdentity, type LoadedIdentity } from '../../pia/credential/index.js';
import { seededRandom } from '../../pia/handshake/test-support/index.js';
import { createMemoryNetwork, PiaNode, type Endpoint, type MemoryNetwork } from '../../pia/node/index.js';
import { startTrustServer, type TrustServer } from '../../trust-server/index.js';
import { cli, type CliResult } from '../../trust-server/test-support/index.js';

export const SERVER: Endpoint = { address: '2001:db8:f::1', port: 4500 };
export const STATION_ADDRESS = '2001:db8:f::20';

export interface Factory {
  readonly clock: ManualClock;
  readonly net: MemoryNetwork;
  readonly dir: string;
  readonly stateDir: string;
  /** The station's credential file and what it holds. */
  readonly stationFile: string;
  readonly station: LoadedIdentity;
  trust(): TrustServer | undefined;
  /** `pia-trust ARGS… --state <the server's state>`. */
  admin(args: readonly string[]): Promise<CliResult>;
  /** A PIA node for the station on its own port (no phase-3 identity). */
  stationNode(port?: number): PiaNode;
  /** Stops the trusted server (its state stays); `startServer()` brings it back. */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  close(): Promise<void>;
}

export async function factory(seed: string): Promise<Factory> {
  const clock = new ManualClock(1_000_000);
  const net = createMemoryNetwork({ clock });
  const dir = mkdtempSync(join(tmpdir(), 'pia-factory-'));
  const stateDir = join(dir, 'trust');
  const nodes: PiaNode[] = [];
  let server: TrustServer | undefined;
  let ports = 40_000;
  const startServer = async (): Promise<void> => {
    server = await startTrustServer({
      stateDir,
      pia: SERVER,
      admin: { address: '127.0.0.1', port: 0 },
      env: {},
      log: () => undefined,
      clock,
      openTransport: () => Promise.resolve(net.attach(SERVER.address, SERVER.port)),
    });
  };
  await startServer();
  const admin = (args: readonly string[]): Promise<CliResult> => cli([...args, '--state', stateDir]);
  const stationFile = join(dir, 'station.json');
  const added = await admin(['node', 'add', '--kind', 'station', '--label', 'line-1', '--out', stationFile]);
  if (added.code !== 0) throw new Error(`factory: pia-trust node add --kind station failed: ${added.stderr}`);
  return {
    clock,
    net,
    dir,
    stateDir,
    stationFile,
    station: loadIdentity(stationFile),
    trust: () => server,
    admin,
    stationNode: (port = ports++) => {
      const node = new PiaNode({ transport: net.attach(STATION_ADDRESS, port), clock, random: seededRandom(`${seed}/station/${port}`), latches: new MemoryLatchStore() });
      nodes.push(node);
      return node;
    },
    stopServer: async () => {
      await server?.close();
      server = undefined;
    },
    startServer,
    close: async () => {
      for (const n of nodes) await n.close().catch(() => undefined);
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
