/**
 * What the console benchmarks run against: the trusted server (startTrustServer, real UDP on
 * ::1), N small gateways, each a PIA node on its own UDP port serving M fake devices at ::1
 * through the gateway's own device server (policy, access hook: firmware/gateway
 * createDeviceServer), and an operator "alice" granted read and control on each; the
 * known-gateways file pins every gateway (piactl console reads it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../common/index.js';
import { piaTransport, type CoapServer, type CoapTransport } from '../coap/index.js';
import { FakeDevice } from '../coap/test-support/index.js';
import { createDeviceServer } from '../firmware/gateway/index.js';
import { piaOnlyAccess } from '../operator/cli/test-support/index.js';
import { loadIdentity } from '../pia/credential/index.js';
import { MemoryLatchStore } from '../pia/discovery/index.js';
import { PiaNode, openUdpTransport } from '../pia/node/index.js';
import { startTrustServer } from '../trust-server/index.js';
import { cli } from '../trust-server/test-support/index.js';

export interface BenchGateway {
  readonly id: string;
  /** [::1]:PORT */
  readonly endpoint: string;
  readonly devices: FakeDevice[];
}

export interface ConsoleFixture {
  readonly root: string;
  readonly alice: string;
  /** The known-gateways file listing every gateway (mode 0600). */
  readonly knownGateways: string;
  readonly gateways: BenchGateway[];
  close(): Promise<void>;
}

export async function consoleFixture(gatewayCount: number, devicesPerGateway: number): Promise<ConsoleFixture> {
  const root = mkdtempSync(join(tmpdir(), 'bench-console-'));
  const state = join(root, 'state');
  const trust = await startTrustServer({ stateDir: state, pia: { address: '::1', port: 0 }, admin: { address: '127.0.0.1', port: 0 }, env: {}, log: () => undefined });
  const closers: (() => Promise<unknown>)[] = [() => trust.close()];
  const addNode = async (kind: string, label: string): Promise<{ file: string; id: string }> => {
    const file = join(root, `${label}.json`);
    const r = await cli(['node', 'add', '--kind', kind, '--label', label, '--out', file, '--state', state]);
    if (r.code !== 0) throw new Error(`bench: pia-trust node add ${label}: ${r.stderr}`);
    return { file, id: /node (\S+) \(/.exec(r.stdout)?.[1] ?? '' };
  };
  const alice = await addNode('operator', 'alice');
  const gateways: BenchGateway[] = [];
  const clock = systemClock();
  for (let g = 0; g < gatewayCount; g++) {
    const gw = await addNode('gateway', `bench-gw-${g}`);
    const grant = await cli(['grant', 'add', '--subject', alice.id, '--gateway', gw.id, '--devices', '*', '--rights', 'read,control', '--state', state]);
    if (grant.code !== 0) throw new Error(`bench: pia-trust grant add: ${grant.stderr}`);
    const { identity, trustServer, serverId } = loadIdentity(gw.file);
    const node = new PiaNode({ transport: await openUdpTransport({ address: '::1', port: 0 }), clock, latches: new MemoryLatchStore(), phase3: { identity, trustServer, trustServerId: serverId } });
    const transport: CoapTransport = piaTransport(node);
    const served = createDeviceServer({ transports: [transport], clock, access: piaOnlyAccess(clock, node.local.port) });
    const devices = Array.from({ length: devicesPerGateway }, (_, i) => new FakeDevice({ name: `dev-${g}-${i}`, clock }));
    for (const d of devices) served.mount('::1', d, { plainReads: false });
    const coap: CoapServer = served.coap;
    closers.push(async () => {
      await coap.close();
      await transport.close();
      await node.close();
    });
    gateways.push({ id: gw.id, endpoint: `[::1]:${node.local.port}`, devices });
  }
  const knownGateways = join(root, 'known_gateways');
  writeFileSync(knownGateways, gateways.map((g, i) => `${g.endpoint} ${g.id} bench-gw-${i}\n`).join(''), { mode: 0o600 });
  return {
    root,
    alice: alice.file,
    knownGateways,
    gateways,
    async close() {
      for (const c of closers.reverse()) await c().catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
