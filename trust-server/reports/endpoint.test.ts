/**
 * /pia/report on a real trusted server (startTrustServer, its PIA socket on the in-memory
 * network, ManualClock) from a registered gateway at phase 3 (docs/protocol.md §9.9): a report
 * in parts is stored whole; bad input gets the code and a diagnostic naming the field; the
 * per-gateway rate limit answers 4.29 with Max-Age; a revoked gateway gets 4.01.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { CoapClient, CoapOptionNumber, ContentFormat, piaTransport, readUintOption, type CoapResponse } from '../../coap/index.js';
import { loadIdentity } from '../../pia/credential/index.js';
import { MemoryLatchStore } from '../../pia/discovery/index.js';
import { seededRandom } from '../../pia/handshake/test-support/index.js';
import { PiaNode, createMemoryNetwork, type Endpoint } from '../../pia/node/index.js';
import { startTrustServer, type TrustServer } from '../server.js';
import { cli } from '../test-support/index.js';
import { StoreError } from '../store/index.js';
import { REPORTS_PER_MINUTE, ReportEndpoint } from './endpoint.js';
import { LatestReports } from './latest.js';

const SERVER: Endpoint = { address: '2001:db8:f::1', port: 4500 };
const REPORT = `coap://[${SERVER.address}]/pia/report`;

interface Fixture {
  readonly clock: ManualClock;
  readonly server: TrustServer;
  readonly stored: LatestReports;
  readonly log: string[];
  readonly gatewayId: string;
  post(body: unknown, o?: { format?: number; uri?: string; method?: 'POST' | 'PUT' }): Promise<CoapResponse>;
  revoke(): Promise<void>;
  close(): Promise<void>;
}

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

async function fixture(): Promise<Fixture> {
  const clock = new ManualClock(1_000_000);
  const net = createMemoryNetwork({ clock });
  const dir = mkdtempSync(join(tmpdir(), 'pia-reports-'));
  const stateDir = join(dir, 'state');
  const stored = new LatestReports();
  const log: string[] = [];
  const server = await startTrustServer({ stateDir, pia: SERVER, admin: { address: '127.0.0.1', port: 0 }, env: {}, log: (l, m) => void log.push(`${l}: ${m}`), clock, reportSink: stored, openTransport: () => Promise.resolve(net.attach(SERVER.address, SERVER.port)) });
  const file = join(dir, 'gw.json');
  const added = await cli(['node', 'add', '--kind', 'gateway', '--label', 'gw', '--out', file, '--state', stateDir]);
  const gatewayId = /node (\S+) \(/.exec(added.stdout)?.[1] ?? '';
  const { identity, trustServer } = loadIdentity(file);
  const node = new PiaNode({ transport: net.attach('2001:db8:1::1', 4500), clock, random: seededRandom('reports/gw'), latches: new MemoryLatchStore(), phase3: { identity, trustServer } });
  await clock.settle(node.connect(SERVER), 10);
  await clock.settle(node.phase3Ready(SERVER), 10);
  const transport = piaTransport(node, { port: 50_000, route: () => SERVER });
  let n = 0;
  const client = new CoapClient({ transport, clock, random: () => 0, randomBytes: (k) => Uint8Array.from({ length: k }, (_, i) => (++n * 7 + i) & 0xff) });
  return {
    clock,
    server,
    stored,
    log,
    gatewayId,
    post: (body, o = {}) => clock.settle(client.request(o.method ?? 'POST', o.uri ?? REPORT, { payload: typeof body === 'string' ? body : JSON.stringify(body), contentFormat: o.format ?? ContentFormat.Json }), 10),
    revoke: async () => void (await cli(['node', 'revoke', gatewayId, '--state', stateDir])),
    close: async () => {
      await client.close();
      await transport.close();
      await node.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const report = (seq: number, part: number, parts: number, devices: unknown[][]): Record<string, unknown> => ({ v: 1, seq, fw: '0.1.0', part, parts, devices });

describe('/pia/report on the trusted server', () => {
  it('a report in two parts, out of order, is stored whole once both arrived, under the gateway of the association', async () => {
    f = await fixture();
    expect((await f.post(report(100, 1, 2, [['office-temp', 'thermometer', 'degraded', 'CRC mismatch']]))).codeText).toBe('2.04');
    expect(f.stored.get(f.gatewayId)).toBeUndefined();
    expect((await f.post(report(100, 0, 2, [['rack-fan', 'fan', 'ok']]))).codeText).toBe('2.04');
    expect(f.stored.get(f.gatewayId)).toMatchObject({
      gateway: f.gatewayId,
      firmware: '0.1.0',
      devices: [{ name: 'rack-fan', kind: 'fan', status: 'ok' }, { name: 'office-temp', kind: 'thermometer', status: 'degraded', detail: 'CRC mismatch' }],
    });
    expect(f.log).toContainEqual(`info: gateway ${f.gatewayId} (firmware 0.1.0) reports 2 device(s): added rack-fan, office-temp`);
    expect((await f.post(report(101, 0, 1, [['rack-fan', 'fan', 'failed']]))).codeText).toBe('2.04');
    expect(f.log).toContainEqual(`info: gateway ${f.gatewayId} (firmware 0.1.0) reports 1 device(s): removed office-temp`);
  });

  it('bad input: 4.00 naming the field, 4.13 with Size1, 4.15, 4.04, 4.05, a stale seq 4.00; the stored report is untouched', async () => {
    f = await fixture();
    expect((await f.post(report(5, 0, 1, [['a', 'fan', 'ok']]))).codeText).toBe('2.04');
    const stored = f.stored.get(f.gatewayId);
    const bad = await f.post(report(6, 0, 1, [['bad name!', 'fan', 'ok']]));
    expect([bad.codeText, bad.diagnostic]).toEqual(['4.00', `devices[0] name: "bad name!" is not a device name: 1–64 of A–Z, a–z, 0–9, '.', '_', '-'`]);
    expect((await f.post('{"v":1')).diagnostic).toMatch(/^payload: not UTF-8 JSON/);
    const big = await f.post({ ...report(7, 0, 1, []), devices: Array.from({ length: 40 }, (_, i) => [`device-${i}`, 'thermometer', 'ok']) });
    expect(big.codeText).toBe('4.13');
    expect(readUintOption(big.options, CoapOptionNumber.Size1, 4, 'Size1')).toBe(1024);
    expect((await f.post(report(8, 0, 1, []), { format: ContentFormat.TextPlain })).codeText).toBe('4.15');
    expect((await f.post(report(8, 0, 1, []), { uri: `coap://[${SERVER.address}]/pia/other` })).codeText).toBe('4.04');
    expect((await f.post(report(8, 0, 1, []), { method: 'PUT' })).codeText).toBe('4.05');
    const stale = await f.post(report(4, 0, 1, []));
    expect([stale.codeText, stale.diagnostic]).toEqual(['4.00', "seq: 4 is older than this gateway's newest report (seq 5): number reports with an increasing seq"]);
    expect(f.stored.get(f.gatewayId)).toBe(stored);
    expect(f.server.reports.endpoint.counters).toMatchObject({ stored: 1, rejected: 5, stale: 1 });
    // refusals of one gateway are logged once a minute at most
    expect(f.log.filter((l) => l.startsWith('warn: report of gateway'))).toHaveLength(1);
  });

  it(`more than ${REPORTS_PER_MINUTE} reports a minute from one gateway: 4.29 with Max-Age; a minute later it reports again`, async () => {
    f = await fixture();
    for (let seq = 1; seq <= REPORTS_PER_MINUTE; seq++) expect((await f.post(report(seq, 0, 1, [['a', 'fan', 'ok']]))).codeText).toBe('2.04');
    const limited = await f.post(report(99, 0, 1, [['a', 'fan', 'failed']]));
    expect(limited.codeText).toBe('4.29');
    expect(limited.maxAge).toBe(60);
    expect(f.stored.get(f.gatewayId)?.devices[0]?.status).toBe('ok');
    await f.clock.advance(6_000);
    expect((await f.post(report(100, 0, 1, [['a', 'fan', 'failed']]))).codeText).toBe('2.04');
    expect(f.stored.get(f.gatewayId)?.devices[0]?.status).toBe('failed');
  });

  it('a registry the server cannot read (its store out of reach) answers 5.03 and logs once, never a crash', async () => {
    f = await fixture();
    const fx = f;
    const unreachable = new ReportEndpoint({
      node: fx.server.node,
      clock: fx.clock,
      now: () => new Date(),
      sink: fx.stored,
      log: (l, m) => void fx.log.push(`${l}: ${m}`),
      port: 5684,
      isActiveGateway: () => Promise.reject(new StoreError('unavailable', 'trust database postgres://db.example/pia cannot be reached (connection refused)')),
    });
    try {
      const uri = `coap://[${SERVER.address}]:5684/pia/report`;
      for (const seq of [1, 2]) {
        const r = await fx.post(report(seq, 0, 1, [['a', 'fan', 'ok']]), { uri });
        expect([r.codeText, r.diagnostic]).toEqual(['5.03', 'the trusted server cannot read its registry now; retry later']);
      }
      expect(fx.stored.size).toBe(0);
      expect(fx.log.filter((l) => l.includes('the store could not be read'))).toEqual(['warn: /pia/report, /pia/grants: the store could not be read: trust database postgres://db.example/pia cannot be reached (connection refused)']);
    } finally {
      await unreachable.close();
    }
  });

  it('a gateway revoked since its phase 3 gets 4.01 and nothing is stored', async () => {
    f = await fixture();
    await f.revoke();
    const r = await f.post(report(1, 0, 1, [['a', 'fan', 'ok']]));
    expect([r.codeText, r.diagnostic]).toEqual(['4.01', 'this gateway is not an active gateway in the registry']);
    expect(f.stored.size).toBe(0);
  });
});
