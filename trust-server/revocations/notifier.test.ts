/**
 * The revocation notifier (docs/protocol.md §9.11) with a ManualClock and a scripted delivery:
 * who is told, retries until acknowledged (1 s doubling to 16 s), give-up after the ticket
 * lifetime with one warning, a refusal ending it, splitting, and nothing sent for a node the
 * tracker never saw vouched.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import type { RevocationNotice } from '../../pia/phase3/index.js';
import { RevocationNotifier, type DeliveryOutcome } from './notifier.js';
import { VouchTracker } from './vouch-tracker.js';

const OP = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const GW1 = '00000000-0000-4000-8000-0000000000b1';
const GW2 = '00000000-0000-4000-8000-0000000000b2';

function setup(script: (gateway: string, n: RevocationNotice, attempt: number) => DeliveryOutcome, giveUpMs = 60_000) {
  const clock = new ManualClock();
  const tracker = new VouchTracker();
  const calls: { gateway: string; notice: RevocationNotice; atMs: number }[] = [];
  const logs: string[] = [];
  const notifier = new RevocationNotifier({
    clock,
    tracker,
    giveUpMs,
    wallNow: () => 1_000,
    log: (level, m) => void logs.push(`${level}: ${m}`),
    deliver: (gateway, notice) => {
      calls.push({ gateway, notice, atMs: clock.now() });
      return Promise.resolve(script(gateway, notice, calls.filter((c) => c.gateway === gateway && c.notice.seq === notice.seq).length));
    },
  });
  return { clock, tracker, notifier, calls, logs };
}

describe('RevocationNotifier', () => {
  it('tells the gateways the node was vouched to, and the grant’s gateway, each with its own seq', async () => {
    const s = setup(() => ({ kind: 'ok' }));
    s.tracker.record(OP, GW1, 600, 0);
    s.tracker.record(OP, GW2, 600, 0);
    expect(s.notifier.withdraw({ nodes: [OP], grants: [{ id: 'g7', gateway: GW1 }] }).sort()).toEqual([GW1, GW2]);
    await s.clock.advance(0);
    expect(s.calls.map((c) => [c.gateway, c.notice])).toEqual([
      [GW1, { seq: 1_000, nodes: [OP], grants: ['g7'] }],
      [GW2, { seq: 1_001, nodes: [OP], grants: [] }],
    ]);
    expect(s.notifier.counters).toMatchObject({ made: 2, acknowledged: 2, retries: 0 });
    expect(s.notifier.pending).toBe(0);
    expect(s.logs).toEqual([]);
  });

  it('a node never vouched (or whose tickets ran out) is nobody’s business: nothing sent', async () => {
    const s = setup(() => ({ kind: 'ok' }));
    s.tracker.record(OP, GW1, 5, 0);
    await s.clock.advance(5_000);
    expect(s.notifier.withdraw({ nodes: [OP, GW2] })).toEqual([]);
    await s.clock.advance(0);
    expect(s.calls).toEqual([]);
  });

  it('retries after 1, 2, 4, 8, 16, 16 s until acknowledged', async () => {
    const s = setup((_, __, attempt) => (attempt < 7 ? { kind: 'retry', detail: 'no phase-3 association with the gateway now' } : { kind: 'ok' }));
    s.notifier.withdraw({ grants: [{ id: 'g1', gateway: GW1 }] });
    await s.clock.advance(60_000);
    expect(s.calls.map((c) => c.atMs)).toEqual([0, 1_000, 3_000, 7_000, 15_000, 31_000, 47_000]);
    expect(s.notifier.counters).toMatchObject({ acknowledged: 1, retries: 6, gaveUp: 0 });
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('gives up once no association can be left (the give-up time), with one warning', async () => {
    const s = setup(() => ({ kind: 'retry', detail: 'no answer' }), 30_000);
    s.notifier.withdraw({ grants: [{ id: 'g1', gateway: GW1 }] });
    await s.clock.advance(120_000);
    expect(s.calls.map((c) => c.atMs)).toEqual([0, 1_000, 3_000, 7_000, 15_000, 30_000]); // the last at the give-up time, not 31 s
    expect(s.notifier.counters).toMatchObject({ gaveUp: 1, acknowledged: 0 });
    expect(s.logs).toEqual([expect.stringMatching(/^warn: revocation notice 1000 to gateway .* not acknowledged within 30 s \(last: no answer\); given up/)]);
    expect(s.notifier.pending).toBe(0);
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('a refusal ends it at once with one warning', async () => {
    const s = setup(() => ({ kind: 'refused', detail: '4.03 only this gateway’s trusted server sends revocation notices' }));
    s.notifier.withdraw({ grants: [{ id: 'g1', gateway: GW1 }] });
    await s.clock.advance(60_000);
    expect(s.calls).toHaveLength(1);
    expect(s.notifier.counters).toMatchObject({ refused: 1 });
    expect(s.logs).toEqual([expect.stringMatching(/^warn: revocation notice 1000 .* refused \(4\.03/)]);
  });

  it('many removed grants on one gateway go out as several notices, each acknowledged; close() stops the retries', async () => {
    const s = setup(() => ({ kind: 'retry', detail: 'no answer' }));
    s.notifier.withdraw({ grants: Array.from({ length: 20 }, (_, i) => ({ id: `g${i}`, gateway: GW1 })) });
    await s.clock.advance(0);
    expect(s.calls.map((c) => c.notice.grants.length)).toEqual([16, 4]);
    expect(s.calls.map((c) => c.notice.seq)).toEqual([1_000, 1_001]);
    s.notifier.close();
    expect(s.clock.pendingTimers).toBe(0);
    expect(s.notifier.withdraw({ grants: [{ id: 'g', gateway: GW1 }] })).toEqual([]);
  });
});
