/**
 * §9.4 timers on a ManualClock: A's P3_REQ and B's P3_VOUCH after 1, 2, 4, 8, 16 s (× [0.8, 1.2)),
 * then failure; "pending" keeps A waiting; B's provisional pair expires unconfirmed after 40 s.
 */
import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { constantRandom } from '../handshake/test-support/index.js';
import { authorize } from './authority.js';
import { decodeP3 } from './messages.js';
import { Phase3Requester } from './requester.js';
import { P3Reason, type P3Action } from './types.js';
import { TestRegistry, exchange, kinds, only, phase2Pair } from './test-support/index.js';

interface Timed {
  tick(): P3Action[];
  nextDeadline(): number | undefined;
}

/** Advances to each deadline in turn until none is left; returns (time, action kind) pairs. */
async function drain(clock: ManualClock, m: Timed, onSend?: (a: P3Action) => Promise<void>): Promise<[number, string][]> {
  const seen: [number, string][] = [];
  for (let guard = 0; guard < 50; guard++) {
    const due = m.nextDeadline();
    if (due === undefined) break;
    await clock.advance(Math.max(0, due - clock.now()));
    for (const a of m.tick()) {
      seen.push([clock.now(), a.kind]);
      await onSend?.(a);
    }
  }
  return seen;
}

describe('A retransmits P3_REQ', () => {
  it('sends the identical P3_REQ 5 times, then fails "trusted server unreachable" after the last wait', async () => {
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const clock = new ManualClock();
    const p2 = await phase2Pair('retransmit');
    // jitter factor pinned to its low end (0.8): every draw is 0x00…
    const a = new Phase3Requester({ identity: alice, transcript: p2.a.transcript, dhSecret: p2.a.dhSecret, spiIn: 0x1234, clock, random: constantRandom(0) });
    const first = only(await a.start(), 'send-peer');
    const sends: Uint8Array[] = [first];
    const seen = await drain(clock, a, (x) => {
      if (x.kind === 'send-peer') sends.push(x.payload);
      return Promise.resolve();
    });
    expect(seen).toEqual([[800, 'send-peer'], [2400, 'send-peer'], [5600, 'send-peer'], [12000, 'send-peer'], [24800, 'failed']]);
    expect(sends.every((s) => Buffer.compare(s, first) === 0)).toBe(true);
    expect(a.state).toBe('failed');
    expect(a.nextDeadline()).toBeUndefined();
  });

  it('at the high end of the jitter the last wait ends just under 1.2 × 31 s', async () => {
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const clock = new ManualClock();
    const p2 = await phase2Pair('retransmit-high');
    const a = new Phase3Requester({ identity: alice, transcript: p2.a.transcript, dhSecret: p2.a.dhSecret, spiIn: 0x1234, clock, random: constantRandom(0xff) });
    await a.start();
    const seen = await drain(clock, a);
    const failedAt = seen.at(-1);
    expect(failedAt?.[1]).toBe('failed');
    expect(failedAt?.[0]).toBeGreaterThan(37_000);
    expect(failedAt?.[0]).toBeLessThan(31_000 * 1.2);
  });

  it('"pending" does not count the resend that drew it: A outlasts B\'s own waits, then hears B give up', async () => {
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const gw = reg.add('gateway', 'gw');
    const clock = new ManualClock();
    const x = await exchange('pending', alice, gw, { clock });
    const req = only(await x.requester.start(), 'send-peer');
    only(await x.voucher.receiveRequest(req), 'send-server'); // S never answers
    const events: string[] = [];
    for (let guard = 0; guard < 40 && x.requester.state === 'waiting'; guard++) {
      const due = Math.min(x.requester.nextDeadline() ?? Infinity, x.voucher.nextDeadline() ?? Infinity);
      await clock.advance(Math.max(0, due - clock.now()));
      for (const a of x.voucher.tick()) {
        events.push(`B:${a.kind}`);
        if (a.kind === 'send-peer') for (const r of await x.requester.receive(a.payload)) events.push(`A:${r.kind}:${r.kind === 'denied' ? r.reason : ''}`);
      }
      for (const a of x.requester.tick()) {
        events.push(`A:${a.kind}`);
        if (a.kind === 'send-peer') for (const b of await x.voucher.receiveRequest(a.payload)) if (b.kind === 'send-peer') await x.requester.receive(b.payload);
      }
    }
    expect(x.requester.counters.pending).toBeGreaterThanOrEqual(4);
    expect(events.filter((e) => e === 'A:failed')).toEqual([]); // A never gave up on its own
    expect(events.slice(-3)).toEqual(['B:send-peer', 'A:denied:8', 'B:failed']);
    expect(x.requester.state).toBe('denied');
    expect(x.voucher.state).toBe('failed');
  });
});

describe('B retransmits P3_VOUCH and holds the provisional pair', () => {
  it('5 P3_VOUCHes, then P3_RESP denied 8 (unauthenticated) to A and failed', async () => {
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const gw = reg.add('gateway', 'gw');
    const clock = new ManualClock();
    const x = await exchange('vouch-retransmit', alice, gw, { clock });
    const vouch = only(await x.voucher.receiveRequest(only(await x.requester.start(), 'send-peer')), 'send-server');
    const sent: Uint8Array[] = [];
    let toA: Uint8Array | undefined;
    const seen = await drain(clock, x.voucher, (a) => {
      if (a.kind === 'send-server') sent.push(a.payload);
      if (a.kind === 'send-peer') toA = a.payload;
      return Promise.resolve();
    });
    expect(seen.map(([, k]) => k)).toEqual(['send-server', 'send-server', 'send-server', 'send-server', 'send-peer', 'failed']);
    expect(sent.every((s) => Buffer.compare(s, vouch) === 0)).toBe(true);
    expect(decodeP3(toA!)).toMatchObject({ status: 1, reason: P3Reason.ServerUnreachable, ticketA: new Uint8Array(0) });
    const last = seen.at(-1)![0];
    expect(last).toBeGreaterThanOrEqual(31_000 * 0.8);
    expect(last).toBeLessThan(31_000 * 1.2);
  });

  it('a provisional pair neither P3_FIN nor ESP confirms is given up after 40 s', async () => {
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const gw = reg.add('gateway', 'gw');
    reg.grant(alice, gw);
    const clock = new ManualClock();
    const x = await exchange('unconfirmed', alice, gw, { clock });
    const req = only(await x.requester.start(), 'send-peer');
    const vouch = only(await x.voucher.receiveRequest(req), 'send-server');
    expect(kinds(await x.voucher.receiveVerdict((await authorize(vouch, { key: 'B' }, reg.deps())).reply!))).toEqual(['send-peer', 'provisional']);
    expect(x.voucher.nextDeadline()).toBe(40_000);
    await clock.advance(39_999);
    expect(x.voucher.tick()).toEqual([]);
    await clock.advance(1);
    expect(kinds(x.voucher.tick())).toEqual(['failed']);
    expect(x.voucher.confirmedByEsp()).toEqual([]);
    expect(await x.voucher.receiveRequest(req)).toEqual([]); // the dropped pair is not offered again
  });
});
