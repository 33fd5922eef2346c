/**
 * Ticket renewal (docs/protocol.md §9.6): a requester renews its ticket before it ends, so an
 * association keeps its grants across a short ticket lifetime, and a grant removed at the
 * trusted server is gone from an existing association within one ticket lifetime.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { A, B, payloadOf } from './test-support/index.js';
import { S, trio, type Trio } from './test-support/phase3.js';
import { renewAfterMs } from './ticket-renewal.js';

let t: Trio | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('phase-3 ticket renewal (§9.6)', () => {
  it('renews at 80 % of the lifetime, never sooner than 1 s', () => {
    expect(renewAfterMs(10)).toBe(8000);
    expect(renewAfterMs(600)).toBe(480_000);
    expect(renewAfterMs(1)).toBe(1000);
  });

  it('keeps the grants across many 10 s tickets, and loses a removed grant within one lifetime', async () => {
    t = trio('p3-renew');
    t.trust.ticketLifetimeS = 10;
    const alice = t.trust.register('operator', 'alice');
    const gw = t.trust.register('gateway', 'rack gateway');
    t.trust.grant(alice.text, gw.text, 'rack1-*', ['read', 'control']);
    const a = t.add('a', A, { phase3: { identity: alice.identity, trustServer: S } });
    const b = t.add('b', B, { phase3: { identity: gw.identity, trustServer: S } });
    await t.clock.settle(a.node.connect(B).then(() => a.node.phase3Ready(B)));
    const grantsAtB = async (n: number): Promise<number> => {
      await a.node.send(B, { srcPort: 5000, dstPort: 5683, payload: payloadOf(n) });
      await t!.clock.advance(5);
      const last = b.inbox.at(-1)?.ctx;
      return last?.phase === 3 ? last.grants.length : 0;
    };
    // 60 s: six lifetimes; the grant holds at every second of it
    for (let s = 0; s < 60; s++) {
      expect(await grantsAtB(s), `second ${s}`).toBe(1);
      await t.clock.advance(995);
    }
    const granted = t.trust.audit.filter((r) => !r.direct && r.event === 'phase3-granted').length;
    expect(granted).toBeGreaterThanOrEqual(6); // renewed at least once per lifetime
    expect(granted).toBeLessThanOrEqual(9); // and not much more often
    // removed now: gone within one lifetime (10 s), from then on
    t.trust.ungrant(alice.text, gw.text);
    const seen: number[] = [];
    for (let s = 0; s < 12; s++) {
      seen.push(await grantsAtB(100 + s));
      await t.clock.advance(995);
    }
    const lostAt = seen.indexOf(0);
    expect(lostAt).toBeGreaterThanOrEqual(0);
    expect(lostAt).toBeLessThanOrEqual(10);
    expect(seen.slice(lostAt).every((g) => g === 0)).toBe(true);
    expect(t.trust.audit.some((r) => !r.direct && r.event === 'phase3-denied')).toBe(true);
  });
});
