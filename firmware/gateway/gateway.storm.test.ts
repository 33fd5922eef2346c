/**
 * A storm of unauthenticated traffic against the whole gateway (in memory, ManualClock, the
 * audit log a real file): 50,000 datagrams nobody authenticated — plain requests to protected
 * devices, plain requests with bad options, malformed CoAP, garbage, ESP with unknown SPIs,
 * key-exchange junk and phase-2 requests from a PIA node without an identity.
 *
 * Must hold: the audit log grows by a bounded summary (one "refused-unauthenticated" record per
 * minute at most), not by a record per datagram, and the gateway log by no line per datagram;
 * the counters say what was refused; the chain verifies; an operator at phase 3 is served
 * during and after the storm, each command audited on its own.
 */
import { readFileSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyAuditFile } from '../../common/audit/index.js';
import { piaTransport } from '../../coap/index.js';
import { MemoryLatchStore } from '../../pia/discovery/index.js';
import { seededRandom } from '../../pia/handshake/test-support/index.js';
import { PiaNode } from '../../pia/node/index.js';
import { memoryGateway, type MemoryGateway } from './test-support/index.js';
import { badOption, espUnknownSpi, garbage, garbageCoap, kxJunk, malformedCoap, prng, request } from './test-support/storm.js';

let t: MemoryGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** How many of each kind; 50,000 in all. */
const PLAN = { plainRefused: 18_000, badOption: 5_000, malformed: 5_000, garbageCoap: 5_000, esp: 5_000, kx: 5_000, garbagePia: 5_000, phase2: 2_000 } as const;
type Kind = keyof typeof PLAN;
const BATCH = 500;
/** Simulated time between batches: the storm lasts 100 × 2 s. */
const BATCH_MS = 2_000;
const HEAVY = '2001:db8:66::bad';

/** The value of one sample of `name` with exactly these labels, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
  const line = text.split('\n').find((l) => l.startsWith(want === '' ? `${name} ` : `${name}{${want}} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** What a PIA node makes of a datagram (docs/protocol.md §2). */
function piaClass(b: Uint8Array): 'keepalive' | 'short' | 'kx' | 'esp' {
  if (b.length === 1 && b[0] === 0xff) return 'keepalive';
  if (b.length < 8) return 'short';
  return b[0] === 0 && b[1] === 0 && b[2] === 0 && b[3] === 0 ? 'kx' : 'esp';
}

describe('a storm of unauthenticated traffic', () => {
  it('grows the audit log by a bounded summary, is counted, and does not stop an operator', async () => {
    t = await memoryGateway();
    const g = t;
    await g.clock.advance(3_000);
    const bob = g.operator('bob', '2001:db8:99::2', { devices: 'rack-*', rights: ['control'] });
    await g.settle(bob.node.connect(g.pia));
    await g.settle(bob.node.phase3Ready(g.pia));
    // A PIA node without an identity: an SA (phase 2), never phase 3.
    const anon = new PiaNode({ transport: g.net.attach('2001:db8:99::9', 4500), clock: g.clock, random: seededRandom('storm/anon'), latches: new MemoryLatchStore() });
    await g.settle(anon.connect(g.pia));
    expect(g.gateway.pia.node.phase({ address: '2001:db8:99::9', port: 4500 })).toBe(2);
    const anonCoap = piaTransport(anon, { port: 5683, route: () => g.pia });

    const path = g.gateway.audit.path;
    const sizeBefore = statSync(path).size;
    const recordsBefore = readFileSync(path, 'utf8').trim().split('\n').length;
    const metricsBefore = await g.gateway.metrics();
    const logsBefore = g.logs.length;
    const protectedDevices = g.gateway.devices.filter((d) => d.config.plain !== 'read-only');
    expect(protectedDevices.length).toBeGreaterThan(5);

    const r = prng(12);
    const kinds: Kind[] = Object.entries(PLAN).flatMap(([k, n]) => Array<Kind>(n).fill(k as Kind));
    for (let i = kinds.length - 1; i > 0; i--) {
      const j = r.below(i + 1);
      [kinds[i], kinds[j]] = [kinds[j] as Kind, kinds[i] as Kind];
    }
    const pick = <T>(list: readonly T[]): T => list[r.below(list.length)] as T;
    const plainFrom = (): { address: string; port: number } => ({ address: r.below(5) === 0 ? HEAVY : `2001:db8:66::${(1 + r.below(600)).toString(16)}`, port: 1024 + r.below(60_000) });
    const piaClasses = { keepalive: 0, short: 0, kx: 0, esp: 0 };
    const sends: Promise<void>[] = [];
    let phase2Ids = 0;
    const send = (kind: Kind): void => {
      const target = pick(protectedDevices);
      const anyDevice = pick(g.gateway.devices);
      switch (kind) {
        case 'plainRefused':
          return g.net.inject(plainFrom(), target.endpoint, request(r, [target.name, pick(['', 'x', 'speed', 'unlock', 'locked'])].filter((s) => s !== '')));
        case 'badOption':
          return g.net.inject(plainFrom(), anyDevice.endpoint, badOption(r, [anyDevice.name]));
        case 'malformed':
          return g.net.inject(plainFrom(), anyDevice.endpoint, malformedCoap(r));
        case 'garbageCoap':
          return g.net.inject(plainFrom(), anyDevice.endpoint, garbageCoap(r));
        case 'esp':
          return g.net.inject(plainFrom(), g.pia, espUnknownSpi(r));
        case 'kx':
          return g.net.inject(plainFrom(), g.pia, kxJunk(r));
        case 'garbagePia': {
          const bytes = garbage(r);
          piaClasses[piaClass(bytes)]++;
          return g.net.inject(plainFrom(), g.pia, bytes);
        }
        case 'phase2':
          sends.push(anonCoap.send(request(r, [target.name, 'locked'], [], (phase2Ids += 1)), target.endpoint)); // one source: IDs must not repeat (deduplication)
          return;
      }
    };

    const commands: string[] = [];
    for (let at = 0; at < kinds.length; at += BATCH) {
      // half way, an authenticated command in the middle of a batch
      const during = at === kinds.length / 2 ? bob.client.put(g.uri('rack-fan', 'speed'), 40) : undefined;
      for (const kind of kinds.slice(at, at + BATCH)) send(kind);
      await Promise.all(sends.splice(0));
      await g.clock.advance(BATCH_MS);
      if (during !== undefined) commands.push((await g.settle(during)).codeText);
    }
    const after = await g.settle(bob.client.put(g.uri('rack-fan', 'speed'), 60));
    commands.push(after.codeText);
    expect(commands).toEqual(['2.04', '2.04']);
    expect(g.building.parts.fan.dutyFraction).toBeCloseTo(0.6, 5);
    await g.clock.advance(61_000); // the last window ends: its summary is written without more traffic

    const grown = statSync(path).size - sizeBefore;
    expect(grown, 'audit bytes the storm added').toBeLessThan(64 * 1024);
    expect(verifyAuditFile(path)).toMatchObject({ ok: true });
    expect(g.logs.length - logsBefore).toBeLessThan(200); // nor a log line per datagram (rekeys and phase-3 attempts log a few)

    const lines = readFileSync(path, 'utf8').trim().split('\n');
    const added = lines.slice(recordsBefore).map((l) => JSON.parse(l) as Record<string, unknown>);
    // the operator's commands, each on its own, at phase 3
    expect(added.filter((x) => x.event === 'command').map((x) => [x.request, x.result, x.phase, x.nodeId])).toEqual([
      ['PUT /rack-fan/speed', 'ok', 3, bob.id],
      ['PUT /rack-fan/speed', 'ok', 3, bob.id],
    ]);
    expect(added.filter((x) => x.event === 'refused')).toEqual([]);

    // the summaries: at most one per minute of the storm, bounded, adding up to the counters
    const summaries = added.filter((x) => x.event === 'refused-unauthenticated') as unknown as Summary[];
    const stormMs = (kinds.length / BATCH) * BATCH_MS + 61_000;
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    expect(summaries.length).toBeLessThanOrEqual(Math.floor(stormMs / 60_000) + 1);
    for (const line of lines.slice(recordsBefore).filter((l) => l.includes('"refused-unauthenticated"'))) expect(line.length).toBeLessThan(2_048);
    for (const s of summaries) {
      expect(s.seconds).toBe(60);
      expect(s.topSources.length).toBeLessThanOrEqual(5);
      expect(s.topSources[0]?.address).toBe(HEAVY);
    }
    const summed = (phase: number, code: string): number => summaries.reduce((n, s) => n + (s.counts.find((c) => c.phase === phase && c.code === code)?.n ?? 0), 0);
    const piaSummed = (what: string): number => summaries.reduce((n, s) => n + (s.pia[what] ?? 0), 0);

    const metrics = await g.gateway.metrics();
    const refusals = (phase: string, code: string): number => sample(metrics, 'pia_gateway_unauthenticated_refusals_total', { phase, code });
    const node = (counter: string): number => sample(metrics, 'pia_gateway_pia_node_total', { counter }) - sample(metricsBefore, 'pia_gateway_pia_node_total', { counter });
    expect(refusals('1', '4.01')).toBe(PLAN.plainRefused);
    expect(refusals('1', '4.02')).toBe(PLAN.badOption);
    expect(refusals('1', 'malformed')).toBe(PLAN.malformed + PLAN.garbageCoap);
    expect(refusals('2', '4.01')).toBe(PLAN.phase2);
    expect(summed(1, '4.01')).toBe(PLAN.plainRefused);
    expect(summed(1, '4.02')).toBe(PLAN.badOption);
    expect(summed(1, 'malformed')).toBe(PLAN.malformed + PLAN.garbageCoap);
    expect(summed(2, '4.01')).toBe(PLAN.phase2);
    expect(node('short')).toBe(piaClasses.short);
    expect(node('nat_keepalives')).toBe(piaClasses.keepalive);
    expect(node('kx_in')).toBeGreaterThanOrEqual(PLAN.kx + piaClasses.kx); // + the operators' rekeys
    expect(node('unknown_spi')).toBeGreaterThanOrEqual(PLAN.esp);
    expect(node('unknown_spi') + node('decode_errors')).toBe(PLAN.esp + piaClasses.esp + PLAN.kx + piaClasses.kx);
    expect(piaSummed('unknown-spi')).toBe(node('unknown_spi'));
    expect(piaSummed('decode-error')).toBe(node('decode_errors'));
    expect(sample(metrics, 'pia_gateway_audit_records_total', { event: 'refused-unauthenticated' })).toBe(summaries.length);

    const health = g.gateway.health() as { unauthenticated: { total: number } };
    expect(health.unauthenticated.total).toBe(PLAN.plainRefused + PLAN.badOption + PLAN.malformed + PLAN.garbageCoap + PLAN.phase2);
    await anonCoap.close();
    await anon.close();
  }, 120_000);
});

interface Summary {
  readonly seconds: number;
  readonly total: number;
  readonly counts: readonly { readonly phase: number; readonly code: string; readonly n: number }[];
  readonly pia: Readonly<Record<string, number>>;
  readonly topSources: readonly { readonly address: string; readonly n: number }[];
}
