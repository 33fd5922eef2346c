/**
 * Phase 3 between nodes (docs/protocol.md §9.4): an operator (A), a gateway (B) and the trusted
 * server (S) as PiaNodes on an in-memory network, with ../phase3's authority behind S.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { A, B, payloadOf } from './test-support/index.js';
import { S, trio, type P3Node, type Trio } from './test-support/phase3.js';

let t: Trio | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function echo(n: P3Node): void {
  n.node.onData((payload, ctx, inner) => void n.node.send(ctx.peer, { srcPort: inner.dstPort, dstPort: inner.srcPort, payload }).catch(() => undefined));
}

function setup(seed: string, grant = true): { t: Trio; a: P3Node; b: P3Node; alice: string; gw: string } {
  t = trio(seed);
  const alice = t.trust.register('operator', 'alice');
  const gw = t.trust.register('gateway', 'rack gateway');
  if (grant) t.trust.grant(alice.text, gw.text, 'rack1-*', ['read', 'control']);
  const a = t.add('a', A, { phase3: { identity: alice.identity, trustServer: S } });
  const b = t.add('b', B, { phase3: { identity: gw.identity, trustServer: S } });
  echo(b);
  return { t, a, b, alice: alice.text, gw: gw.text };
}

describe('phase 3 between nodes (§9.4)', () => {
  it('completes without being asked: both sides see phase 3, the peer identity and the grants', async () => {
    const { t, a, b, alice, gw } = setup('p3-granted');
    await t.clock.settle(a.node.connect(B).then(() => a.node.phase3Ready(B)));
    expect(a.node.phase(B)).toBe(3);
    await a.node.send(B, { srcPort: 5000, dstPort: 5683, payload: payloadOf(1) });
    await t.settle();
    expect(b.inbox[0]?.ctx).toMatchObject({
      phase: 3,
      peerIdentity: { nodeId: alice, kind: 'operator', label: 'alice' },
      grants: [{ devices: 'rack1-*', rights: ['read', 'control'] }],
    });
    expect(a.inbox[0]?.ctx).toMatchObject({ phase: 3, peerIdentity: { nodeId: gw, kind: 'gateway', label: 'rack gateway' } });
    const decisions = t.trust.audit.filter((r) => !r.direct);
    expect(decisions).toMatchObject([{ event: 'phase3-granted', requester: alice, responder: gw }]);
    expect(a.of('phase3-up')).toHaveLength(1);
    expect(b.of('phase3-up').filter((e) => e.peer.address === A.address)).toHaveLength(1);
  });

  it('an ungranted pair stays at phase 2 and both sides are told why; traffic goes on', async () => {
    const { t, a, b } = setup('p3-ungranted', false);
    await t.clock.settle(a.node.connect(B));
    await expect(t.clock.settle(a.node.phase3Ready(B))).rejects.toThrow(/denied \(reason 5/);
    expect(b.of('phase3-denied')).toMatchObject([{ reason: 5, authentic: true }]);
    await a.node.send(B, { srcPort: 5000, dstPort: 5683, payload: payloadOf(2) });
    await t.settle();
    expect(b.inbox.map((r) => r.ctx.phase)).toEqual([2]);
    expect(t.trust.audit.filter((r) => !r.direct)).toMatchObject([{ event: 'phase3-denied', reason: 5 }]);
  });

  it('a revoked node stays at phase 2 (reason 2)', async () => {
    const { t, a, alice } = setup('p3-revoked');
    t.trust.revoke(alice);
    await t.clock.settle(a.node.connect(B));
    await expect(t.clock.settle(a.node.phase3Ready(B))).rejects.toThrow(/reason 2/);
    expect(a.node.phase(B)).toBe(2);
  });

  it('keeps phase 3 across rekeys, and a revocation takes effect by the next one', async () => {
    const { t: tt, a, b, alice } = setup('p3-rekey');
    await tt.clock.settle(a.node.connect(B).then(() => a.node.phase3Ready(B)));
    // traffic every second for 130 s: across the first rekey every datagram arrives at phase 3
    for (let s = 0; s < 130; s++) {
      await a.node.send(B, { srcPort: 5000, dstPort: 5683, payload: payloadOf(s) });
      await tt.clock.advance(1000);
    }
    expect(b.inbox.length).toBeGreaterThanOrEqual(129);
    expect(b.inbox.every((r) => r.ctx.phase === 3)).toBe(true);
    expect(b.of('sa-up').filter((e) => e.rekey).length).toBeGreaterThanOrEqual(1);
    expect(tt.trust.audit.filter((r) => !r.direct && r.event === 'phase3-granted').length).toBeGreaterThanOrEqual(2);
    // revoked now: within 160 s (§9.4) nothing more arrives at phase 3
    tt.trust.revoke(alice);
    for (let s = 0; s < 160; s++) {
      await a.node.send(B, { srcPort: 5000, dstPort: 5683, payload: payloadOf(1000 + s) }).catch(() => undefined);
      await tt.clock.advance(1000);
    }
    const before = b.inbox.length;
    await a.node.send(B, { srcPort: 5000, dstPort: 5683, payload: payloadOf(9999) });
    await tt.clock.advance(10);
    expect(b.inbox.length).toBe(before + 1);
    expect(b.inbox.at(-1)?.ctx.phase).toBe(2);
    expect(b.of('phase3-denied').some((e) => e.reason === 2)).toBe(true);
  });

  it('an unreachable trusted server: a clear error, retries with backoff, phase-2 traffic goes on meanwhile', async () => {
    t = trio('p3-unreachable');
    const alice = t.trust.register('operator', 'alice');
    const gw = t.trust.register('gateway', 'gw');
    t.trust.grant(alice.text, gw.text);
    const warnings: string[] = [];
    const nowhere = { address: '2001:db8:dead::1', port: 4500 };
    const a = t.add('a', A, { phase3: { identity: alice.identity, trustServer: S } });
    const b = t.add('b', B, { phase3: { identity: gw.identity, trustServer: nowhere }, logger: { info: () => undefined, warn: (m) => warnings.push(m) } });
    echo(b);
    await t.clock.settle(a.node.connect(B));
    const ready = a.node.phase3Ready(B, 120_000);
    ready.catch(() => undefined);
    for (let s = 0; s < 20; s++) {
      await a.node.send(B, { srcPort: 5000, dstPort: 5683, payload: payloadOf(s) });
      await t.clock.advance(1000);
    }
    expect(b.inbox.map((r) => r.ctx.phase)).toEqual(Array.from({ length: 20 }, () => 2));
    expect(a.inbox).toHaveLength(20); // echoes came back
    await expect(t.clock.settle(ready)).rejects.toThrow(/reason 8|unreachable/);
    await t.clock.advance(60_000); // B's own connect to the server gives up too (§3: 5 INITs, about 31 s)
    expect(t.net.stats.unreachable).toBeGreaterThan(1); // B kept trying the server
    expect(warnings.some((w) => w.includes('[2001:db8:dead::1]:4500') && /unreachable/.test(w))).toBe(true);
    expect(a.node.phase(B)).toBe(2);
  });

  it('catches an active man in the middle: separate phase-2 exchanges give two T, S refuses, nothing is authenticated', async () => {
    const { t: tt, a, b, alice, gw } = setup('p3-mitm');
    const M = { address: '2001:db8:e::1', port: 4500 };
    // M has completed a phase-2 exchange with A (A believes M's address is B's) and one with B,
    // and relays every phase-3 message between them unchanged.
    const relayed: number[] = [];
    const m = tt.add('m', M, {
      phase3: {
        authority: {
          handle: async (message) => {
            relayed.push(message[1] ?? 0);
            await m.node.connect(B);
            const answer = new Promise<Uint8Array>((resolve) => {
              const off = m.node.onControl((payload) => {
                off();
                resolve(payload);
              });
            });
            await m.node.sendControl(B, message);
            return { reply: await answer };
          },
        },
      },
    });
    await tt.clock.settle(a.node.connect(M));
    const ready = a.node.phase3Ready(M, 60_000);
    ready.catch(() => undefined);
    await tt.clock.advance(60_000);
    await expect(ready).rejects.toThrow();
    expect(relayed.length).toBeGreaterThan(0);
    expect(b.of('phase3-denied')).toMatchObject([{ reason: 4, authentic: true }]);
    expect(tt.trust.audit.filter((r) => !r.direct)).toMatchObject([{ event: 'phase3-denied', reason: 4, requester: alice, responder: gw }]);
    expect(a.of('phase3-up')).toHaveLength(0);
    expect(b.of('phase3-up').filter((e) => e.peer.address === M.address)).toHaveLength(0);
    expect(a.node.phase(M)).toBe(2);
    expect(b.node.phase(M)).toBe(2);
  });
});
