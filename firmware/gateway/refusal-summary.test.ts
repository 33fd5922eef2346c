/**
 * The summary of unauthenticated refusals on a ManualClock: which exchanges it counts, one
 * record per window at most (written when the window ends, by a timer), bounded whatever the
 * traffic, flushed and cancelled at stop.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import type { JsonValue } from '../../common/audit/index.js';
import { CoapCode, type CoapRequest, type ExchangeRecord } from '../../coap/index.js';
import type { SecurityContext } from '../../pia/discovery/index.js';
import { MAX_COUNTS, RefusalSummary, SOURCE_SLOTS, TopSources, WINDOW_MS, unauthenticatedRefusal } from './refusal-summary.js';

interface Written {
  readonly atMs: number;
  readonly event: string;
  readonly fields: Readonly<Record<string, JsonValue>>;
}

function setup(): { clock: ManualClock; written: Written[]; summary: RefusalSummary } {
  const clock = new ManualClock(5_000);
  const written: Written[] = [];
  const summary = new RefusalSummary({ clock, wall: () => new Date(Date.UTC(2030, 0, 1) + clock.now()), append: (event, fields) => void written.push({ atMs: clock.now(), event, fields }) });
  return { clock, written, summary };
}

const peer = { address: '2001:db8::1', port: 4500 };
const sa = { spiIn: 0x1000, spiOut: 0x2000, suite: 1 } as const;
const contexts: Record<1 | 2 | 3, SecurityContext> = {
  1: { phase: 1, peer },
  2: { phase: 2, peer, sa },
  3: { phase: 3, peer, sa, peerIdentity: { nodeId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', kind: 'operator', label: 'alice' }, grants: [] },
};

function exchange(phase: 1 | 2 | 3, method: 'GET' | 'PUT', code: number, refused = false): ExchangeRecord {
  const request: CoapRequest = {
    method, code: method === 'GET' ? 1 : 3, type: 'CON', messageId: 1, token: new Uint8Array(0), from: { address: peer.address, port: 40_000 }, local: '::1',
    path: ['rack-fan', 'speed'], query: [], options: [], payload: new Uint8Array(0), contentFormat: undefined, accept: undefined, observe: undefined, block2: undefined,
    discovery: undefined, size: 20, target: undefined, right: undefined,
  };
  return { request, ctx: contexts[phase], code, diagnostic: undefined, refused, observing: undefined, durationMs: 1 };
}

describe('which exchanges are counted instead of audited', () => {
  it('refusals and failed commands at phase 1–2, and requests with a refused option; never phase 3, never a command that succeeded', () => {
    expect(unauthenticatedRefusal(exchange(1, 'GET', CoapCode.Unauthorized, true))).toEqual({ phase: 1, code: '4.01' });
    expect(unauthenticatedRefusal(exchange(2, 'PUT', CoapCode.Unauthorized, true))).toEqual({ phase: 2, code: '4.01' });
    expect(unauthenticatedRefusal(exchange(1, 'PUT', CoapCode.NotFound))).toEqual({ phase: 1, code: '4.04' });
    expect(unauthenticatedRefusal(exchange(1, 'GET', CoapCode.BadOption))).toEqual({ phase: 1, code: '4.02' });
    expect(unauthenticatedRefusal(exchange(1, 'GET', CoapCode.Content))).toBeUndefined(); // a plain read allowed: neither
    expect(unauthenticatedRefusal(exchange(1, 'GET', CoapCode.NotFound))).toBeUndefined();
    expect(unauthenticatedRefusal(exchange(2, 'PUT', CoapCode.Changed))).toBeUndefined(); // it changed something: audited
    expect(unauthenticatedRefusal(exchange(3, 'PUT', CoapCode.Forbidden, true))).toBeUndefined(); // an operator: audited
    expect(unauthenticatedRefusal(exchange(3, 'GET', CoapCode.BadOption))).toBeUndefined();
  });
});

describe('the summary window', () => {
  it('no timer while nothing is pending; the first refusal opens a window whose record is written when it ends, with nothing arriving after', async () => {
    const { clock, written, summary } = setup();
    expect(clock.pendingTimers).toBe(0);
    summary.refused({ phase: 1, code: '4.01' }, '2001:db8::1');
    await clock.advance(1_000);
    summary.refused({ phase: 1, code: '4.01' }, '2001:db8::2');
    summary.refused({ phase: 2, code: '4.01' }, '2001:db8::1');
    summary.refused({ phase: 1, code: 'malformed' }, '2001:db8::1');
    summary.dropped('unknown-spi', '2001:db8::3');
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(WINDOW_MS - 1_001);
    expect(written).toEqual([]);
    await clock.advance(1);
    expect(written).toEqual([
      {
        atMs: 5_000 + WINDOW_MS,
        event: 'refused-unauthenticated',
        fields: {
          from: new Date(Date.UTC(2030, 0, 1) + 5_000).toISOString(),
          seconds: 60,
          total: 5,
          counts: [
            { phase: 1, code: '4.01', n: 2 },
            { phase: 2, code: '4.01', n: 1 },
            { phase: 1, code: 'malformed', n: 1 },
          ],
          pia: { 'unknown-spi': 1 },
          topSources: [
            { address: '2001:db8::1', n: 3 },
            { address: '2001:db8::2', n: 1 },
            { address: '2001:db8::3', n: 1 },
          ],
        },
      },
    ]);
    expect(clock.pendingTimers).toBe(0);
    expect(summary.health()).toEqual({ total: 4, counts: { phase1: { '4.01': 2, malformed: 1 }, phase2: { '4.01': 1 } }, summaries: 1, windowOpen: false });
  });

  it('a steady storm for 5 minutes writes one record per minute, records at least a window apart, counts adding up', async () => {
    const { clock, written, summary } = setup();
    let sent = 0;
    for (let t = 0; t < 5 * WINDOW_MS; t += 50) {
      summary.refused({ phase: 1, code: '4.01' }, `2001:db8::${sent % 7}`);
      sent++;
      await clock.advance(50);
    }
    expect(written).toHaveLength(5);
    for (let i = 1; i < written.length; i++) expect((written[i]?.atMs ?? 0) - (written[i - 1]?.atMs ?? 0)).toBeGreaterThanOrEqual(WINDOW_MS);
    expect(written.reduce((n, w) => n + Number(w.fields.total), 0)).toBe(sent);
    expect(summary.totals()).toEqual([{ phase: 1, code: '4.01', n: sent }]);
  });

  it('bounded whatever the traffic: many codes fold into "other", many sources into a top five marked approximate', async () => {
    const { clock, written, summary } = setup();
    for (let i = 0; i < 5_000; i++) summary.refused({ phase: 1, code: `4.${i % 100}` }, i % 3 === 0 ? '2001:db8::bad' : `2001:db8:1::${i.toString(16)}`);
    await clock.advance(WINDOW_MS);
    const fields = written[0]?.fields ?? {};
    const counts = fields.counts as readonly { phase: number; code: string; n: number }[];
    expect(counts.length).toBeLessThanOrEqual(MAX_COUNTS + 2);
    expect(counts.find((c) => c.code === 'other')?.n).toBe(5_000 - MAX_COUNTS * 50);
    expect(fields.topSources).toHaveLength(5);
    expect((fields.topSources as { address: string }[])[0]?.address).toBe('2001:db8::bad');
    expect(fields.approximate).toBe(true);
    expect(JSON.stringify(fields).length).toBeLessThan(2_048);
  });

  it('flush() writes the open window at once and cancels its timer; after close() nothing is written, refusals are still counted', async () => {
    const { clock, written, summary } = setup();
    summary.flush(); // nothing pending: nothing written
    expect(written).toEqual([]);
    summary.refused({ phase: 2, code: '4.01' }, '2001:db8::1');
    await clock.advance(10_000);
    summary.close();
    expect(written.map((w) => [w.atMs, w.fields.seconds, w.fields.total])).toEqual([[15_000, 10, 1]]);
    expect(clock.pendingTimers).toBe(0);
    summary.refused({ phase: 2, code: '4.01' }, '2001:db8::1');
    summary.dropped('replay', '2001:db8::1');
    await clock.advance(2 * WINDOW_MS);
    expect(written).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
    expect(summary.totals()).toEqual([{ phase: 2, code: '4.01', n: 2 }]);
  });
});

describe('top sources (Space-Saving)', () => {
  it('exact while the table has room; a heavy source stays on top when it overflows', () => {
    const exact = new TopSources(4);
    for (const a of ['a', 'b', 'a', 'c', 'a', 'b']) exact.add(a);
    expect(exact.top(2)).toEqual([
      { address: 'a', n: 3 },
      { address: 'b', n: 2 },
    ]);
    expect(exact.approximate).toBe(false);

    const busy = new TopSources(SOURCE_SLOTS);
    for (let i = 0; i < 20_000; i++) busy.add(i % 4 === 0 ? 'heavy' : `s${i}`);
    expect(busy.top(1)[0]).toMatchObject({ address: 'heavy' });
    expect(busy.top(1)[0]?.n).toBeGreaterThanOrEqual(5_000);
    expect(busy.approximate).toBe(true);
  });
});
