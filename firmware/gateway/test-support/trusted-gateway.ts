/**
 * A gateway and the real trusted server (startTrustServer: SQLite store, audit log, admin API
 * on loopback) on pia/node's in-memory network with one ManualClock: the gateway's credential
 * comes from `pia-trust node add --kind gateway --out`, so phase 3 and the gateway's reports
 * (docs/protocol.md §9.9) run against the server's own code. Operators and bare phase-2 nodes
 * are PIA nodes on the same network; grants go through `pia-trust grant add`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ManualClock } from '../../../common/index.js';
import { CoapClient, piaTransport, type CoapTransport } from '../../../coap/index.js';
import { loadIdentity } from '../../../pia/credential/index.js';
import { MemoryLatchStore } from '../../../pia/discovery/index.js';
import { seededRandom } from '../../../pia/handshake/test-support/index.js';
import { PiaNode, createMemoryNetwork, type Endpoint, type MemoryNetwork } from '../../../pia/node/index.js';
import { createVirtualBuilding, type VirtualBuilding } from '../../../simulator/index.js';
import { startTrustServer, type TrustServer } from '../../../trust-server/index.js';
import { LatestReports, type GatewayReport } from '../../../trust-server/reports/index.js';
import { cli, type CliResult } from '../../../trust-server/test-support/index.js';
import { loadGatewayConfig, type GatewayConfig } from '../../config/index.js';
import { startGateway } from '../gateway.js';
import { memoryGatewayNetwork } from '../pia-endpoint.js';
import type { Gateway } from '../types.js';
import { DEMO_CONFIG } from './memory-gateway.js';

export const TRUST_SERVER: Endpoint = { address: '2001:db8:f::1', port: 4500 };
export const FIRMWARE = '0.1.0-test';

export interface PeerNode {
  readonly node: PiaNode;
  /** CoAP over PIA from this node, routed through its SA with `via`. */
  client(via: Endpoint): CoapClient;
}

export interface TrustedGateway {
  readonly clock: ManualClock;
  readonly net: MemoryNetwork;
  readonly server: TrustServer;
  /** The gateway's newest report as the server stored it (the store; with `sinkFails`, the sink in its place). */
  report(gatewayId: string): Promise<GatewayReport | undefined>;
  readonly serverLog: string[];
  readonly building: VirtualBuilding;
  readonly gateway: Gateway;
  readonly gatewayId: string;
  readonly pia: Endpoint;
  readonly logs: Record<string, unknown>[];
  /** `pia-trust ARGS… --state <the server's state>`. */
  admin(args: readonly string[]): Promise<CliResult>;
  /** A node registered with the server (kind operator) at `address`; its ID. */
  operator(label: string, address: string): Promise<PeerNode & { readonly id: string }>;
  /** An operator registered with the server: its credential file (for piactl) and ID. */
  operatorCredential(label: string): Promise<{ readonly file: string; readonly id: string }>;
  /** The uplink's subject's node ID (TrustedGatewayOptions.uplink.subject), else undefined. */
  readonly subjectId: string | undefined;
  /** A folder of the test's own, removed at close (piactl's XDG_CONFIG_HOME, …). */
  readonly dir: string;
  /** A PIA node with no phase-3 identity: it reaches phase 2 only. */
  anonymous(address: string): PeerNode;
  /** Advances the clock in steps until `p` settles. */
  settle<T>(p: Promise<T>, stepMs?: number): Promise<T>;
  close(): Promise<void>;
}

export interface TrustedGatewayOptions {
  readonly ticketLifetimeS?: number;
  /** Reports go to an in-memory sink in place of the store, which asks this first: true → it throws (the server answers 5.00). */
  readonly sinkFails?: () => boolean;
  /**
   * An MQTT uplink to `url` with Home Assistant discovery; with `subject`, a node of that label is
   * registered (kind operator) and named as mqtt.subject, with these grants (`pia-trust grant add`)
   * on the gateway, before it starts.
   */
  readonly uplink?: { readonly url: string; readonly subject?: { readonly label: string; readonly grants: readonly { readonly devices: string; readonly rights: readonly string[] }[] } };
}

export async function trustedGateway(o: TrustedGatewayOptions = {}): Promise<TrustedGateway> {
  const clock = new ManualClock(1_000_000);
  const net = createMemoryNetwork({ clock });
  const dir = mkdtempSync(join(tmpdir(), 'pia-trusted-gw-'));
  const stateDir = join(dir, 'trust');
  const stored = new LatestReports();
  const serverLog: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.reverse()) await c();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const server = await startTrustServer({
      stateDir,
      pia: TRUST_SERVER,
      admin: { address: '127.0.0.1', port: 0 },
      env: {},
      log: (level, m) => void serverLog.push(`${level}: ${m}`),
      clock,
      ...(o.sinkFails === undefined
        ? {}
        : {
            reportSink: {
              recordGatewayReport: (r: GatewayReport) => {
                if (o.sinkFails?.() === true) throw new Error('database is locked (test)');
                stored.recordGatewayReport(r);
              },
            },
          }),
      ...(o.ticketLifetimeS === undefined ? {} : { ticketLifetimeS: o.ticketLifetimeS }),
      openTransport: () => Promise.resolve(net.attach(TRUST_SERVER.address, TRUST_SERVER.port)),
    });
    closers.push(() => server.close());
    const admin = (args: readonly string[]): Promise<CliResult> => cli([...args, '--state', stateDir]);
    const register = async (kind: 'gateway' | 'operator', label: string): Promise<{ file: string; id: string }> => {
      const file = join(dir, `${label}.json`);
      const added = await admin(['node', 'add', '--kind', kind, '--label', label, '--out', file]);
      if (added.code !== 0) throw new Error(`trustedGateway: pia-trust node add failed: ${added.stderr}`);
      return { file, id: /node (\S+) \(/.exec(added.stdout)?.[1] ?? '' };
    };
    const gw = await register('gateway', 'rack1-gw');
    const demo = loadGatewayConfig(DEMO_CONFIG);
    let subjectId: string | undefined;
    if (o.uplink?.subject !== undefined) {
      subjectId = (await register('operator', o.uplink.subject.label)).id;
      for (const g of o.uplink.subject.grants) {
        const added = await admin(['grant', 'add', '--subject', subjectId, '--gateway', gw.id, '--devices', g.devices, '--rights', g.rights.join(',')]);
        if (added.code !== 0) throw new Error(`trustedGateway: pia-trust grant add failed: ${added.stderr}`);
      }
    }
    const mqtt = o.uplink === undefined ? {} : { mqtt: { url: o.uplink.url, files: {}, homeAssistant: { enabled: true }, ...(subjectId === undefined ? {} : { subject: subjectId }) } };
    const config: GatewayConfig = { ...demo, gateway: { ...demo.gateway, addressing: 'loopback', stateDir: dir, auditLog: join(dir, 'audit.log'), credential: gw.file }, ...mqtt };
    const building = createVirtualBuilding({ clock });
    closers.push(() => building.close());
    const logs: Record<string, unknown>[] = [];
    const gateway = await startGateway({
      config,
      hardware: building.host,
      clock,
      logger: pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) }),
      network: memoryGatewayNetwork(net),
      exec: () => Promise.resolve({ code: 0, stdout: '', stderr: '' }),
      canAdminNetwork: () => true,
      random: () => 0.5,
      adminListen: null,
      pia: { random: seededRandom('trusted-gw/gateway') },
      firmwareVersion: FIRMWARE,
    });
    closers.push(() => clock.settle(gateway.close(), 10));
    let tokens = 0;
    const randomBytes = (k: number): Uint8Array => Uint8Array.from({ length: k }, (_, i) => (++tokens * 31 + i) & 0xff);
    let port = 50_000;
    const peer = (node: PiaNode): PeerNode => ({
      node,
      client(via) {
        const transport: CoapTransport = piaTransport(node, { port: port++, route: () => via });
        const client = new CoapClient({ transport, clock, random: () => 0, randomBytes });
        closers.push(async () => (await client.close(), await transport.close()));
        return client;
      },
    });
    const attach = (address: string, seed: string, identity?: ReturnType<typeof loadIdentity>): PiaNode => {
      const node = new PiaNode({ transport: net.attach(address, 4500), clock, random: seededRandom(`trusted-gw/${seed}`), latches: new MemoryLatchStore(), ...(identity === undefined ? {} : { phase3: { identity: identity.identity, trustServer: identity.trustServer } }) });
      closers.push(() => node.close());
      return node;
    };
    return {
      clock,
      net,
      server,
      report: (id) => (o.sinkFails === undefined ? server.reports.latest(id) : Promise.resolve(stored.get(id))),
      serverLog,
      building,
      gateway,
      gatewayId: gateway.id,
      pia: { address: gateway.pia.address, port: gateway.pia.port },
      logs,
      admin,
      async operator(label, address) {
        const op = await register('operator', label);
        return { ...peer(attach(address, label, loadIdentity(op.file))), id: op.id };
      },
      operatorCredential: (label) => register('operator', label),
      subjectId,
      dir,
      anonymous: (address) => peer(attach(address, `anonymous-${address}`)),
      settle: (p, stepMs = 10) => clock.settle(p, stepMs),
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
