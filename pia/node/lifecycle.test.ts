/**
 * SA lifecycle (docs/protocol.md §3) on a ManualClock: rekey by packet count and by time,
 * simultaneous rekeys, the old SA's grace period, hard limits.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { A, B, indexOf, isEsp, pair, payloadOf, spiOf, type Pair } from './test-support/index.js';

let p: Pair | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

const noJitter = { rekeyJitterMs: 0 };

describe('SA lifecycle (docs/protocol.md §3)', () => {
  it('rekeys by packet count with traffic both ways in flight, and loses no packet', async () => {
    p = pair('rekey-count', { both: { limits: { rekeyAfterPackets: 25 } }, echo: 'b' });
    const { a, b } = p;
    await a.node.connect(B);
    const first = a.node.sa(B)!;
    for (let round = 0; round < 20; round++) {
      // ten requests in flight at once: some cross the exchange and the switch of SAs
      const sends: Promise<void>[] = [];
      for (let k = 0; k < 10; k++) sends.push(a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(round * 10 + k) }));
      await Promise.all(sends);
      await p.settle();
    }
    const want = Array.from({ length: 200 }, (_, i) => i);
    expect(b.inbox.map((r) => indexOf(r.payload))).toEqual(want);
    expect(a.inbox.map((r) => indexOf(r.payload))).toEqual(want);
    expect(a.node.counters.rekeys).toBeGreaterThanOrEqual(6);
    expect(b.node.counters.rekeys).toBe(a.node.counters.rekeys);
    expect(a.node.sa(B)!.spiIn).not.toBe(first.spiIn);
    expect(a.node.sa(B)).toEqual({ spiIn: b.node.sa(A)!.spiOut, spiOut: b.node.sa(A)!.spiIn, suite: first.suite });
    for (const t of [a, b]) {
      const c = t.node.counters;
      expect([c.icvFailures, c.unknownSpi, c.replays, c.tooOld, c.exchangesFailed]).toEqual([0, 0, 0, 0, 0]);
    }
    expect(a.of('exchange-started').filter((e) => e.reason === 'rekey-packets').length).toBeGreaterThan(0);
  });

  it('rekeys by packet count while the network reorders and delays datagrams (0–3 ms), and loses no packet', async () => {
    p = pair('rekey-jumble', { both: { limits: { rekeyAfterPackets: 16 } }, echo: 'b' });
    const { a, b } = p;
    await a.node.connect(B);
    let n = 0;
    p.net.intercept(() => [{ delayMs: (n++ * 7) % 4 }]);
    for (let round = 0; round < 15; round++) {
      await Promise.all(Array.from({ length: 8 }, (_, k) => a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(round * 8 + k) })));
      await p.clock.advance(2);
    }
    await p.clock.advance(50);
    const want = Array.from({ length: 120 }, (_, i) => i);
    expect(b.inbox.map((r) => indexOf(r.payload)).sort((x, y) => x - y)).toEqual(want);
    expect(a.inbox.map((r) => indexOf(r.payload)).sort((x, y) => x - y)).toEqual(want);
    expect(a.node.counters.rekeys).toBeGreaterThanOrEqual(4);
    expect(a.node.counters.icvFailures + b.node.counters.icvFailures + a.node.counters.unknownSpi + b.node.counters.unknownSpi).toBe(0);
  });

  it('the initiator rekeys by time (120 s ± 10 s), and the old inbound SA stays for its 30 s grace only', async () => {
    p = pair('rekey-time');
    const { a, b } = p;
    await a.node.connect(B);
    const old = a.node.sa(B)!;
    await p.clock.advance(109_000);
    expect(a.node.sa(B)).toEqual(old);
    await p.clock.advance(21_001);
    await p.settle();
    expect(a.of('exchange-started').filter((e) => e.reason === 'rekey-time')).toHaveLength(1);
    expect(b.of('exchange-started')).toEqual([]); // §3: the responder never starts one toward its initiator
    const fresh = a.node.sa(B)!;
    expect(fresh.spiIn).not.toBe(old.spiIn);
    expect(b.node.sa(A)).toEqual({ spiIn: fresh.spiOut, spiOut: fresh.spiIn, suite: fresh.suite });
    expect(a.node.inboundSpis.sort()).toEqual([old.spiIn, fresh.spiIn].sort());
    await p.clock.advance(30_500);
    expect(a.node.inboundSpis).toEqual([fresh.spiIn]);
    expect(a.of('sa-closed')).toMatchObject([{ reason: 'grace-over', sa: old }]);
  });

  it('a packet sealed on the old SA and delayed across the rekey is still delivered within the grace period, not after', async () => {
    p = pair('grace', { both: { limits: { ...noJitter, rekeyAfterPackets: 1_000_000 } } });
    const { a, b } = p;
    await a.node.connect(B);
    const held: Uint8Array[] = [];
    const stop = p.net.intercept((d) => {
      if (d.to.address !== B.address || !isEsp(d.bytes)) return undefined;
      held.push(d.bytes);
      return 'drop';
    });
    await a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(1) });
    await a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(2) });
    stop();
    await b.node.send(A, { srcPort: 2, dstPort: 1, payload: payloadOf(99) }); // b answers: a does not take it for dead (§3)
    const oldSpi = b.node.sa(A)!.spiIn;
    expect(held.map(spiOf)).toEqual([oldSpi, oldSpi]);
    await p.clock.advance(120_001); // a, the initiator, rekeys by time
    await p.settle();
    expect(b.node.sa(A)!.spiIn).not.toBe(oldSpi);
    p.net.inject(A, B, held[0]!);
    await p.settle();
    expect(b.inbox.map((r) => indexOf(r.payload))).toEqual([1]);
    await p.clock.advance(30_000);
    p.net.inject(A, B, held[1]!);
    await p.settle();
    expect(b.inbox).toHaveLength(1);
    expect(b.node.counters.unknownSpi).toBe(1);
  });

  it('simultaneous rekeys (same instant, no jitter) between two nodes that both initiated converge to one SA pair by the lower nonce', async () => {
    p = pair('simul-rekey', { both: { limits: noJitter }, echo: 'b' });
    const { a, b } = p;
    const both = Promise.all([a.node.connect(B), b.node.connect(A)]); // each initiated: each rekeys (§3)
    await p.settle();
    await both;
    p.net.intercept(() => [{ delayMs: 5 }]); // 5 ms of latency: both INITs are on the wire at once
    await p.clock.advance(120_100);
    expect(a.of('exchange-started').filter((e) => e.reason === 'rekey-time')).toHaveLength(1);
    expect(b.of('exchange-started').filter((e) => e.reason === 'rekey-time')).toHaveLength(1);
    expect(a.of('sa-up').filter((e) => e.rekey)).toHaveLength(1);
    expect(b.of('sa-up').filter((e) => e.rekey)).toHaveLength(1);
    expect(a.node.sa(B)).toEqual({ spiIn: b.node.sa(A)!.spiOut, spiOut: b.node.sa(A)!.spiIn, suite: a.node.sa(B)!.suite });
    await p.clock.advance(31_000); // grace over, any half-open exchange expired
    expect(a.node.inboundSpis).toEqual([a.node.sa(B)!.spiIn]);
    expect(b.node.inboundSpis).toEqual([b.node.sa(A)!.spiIn]);
    await a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(42) });
    await p.clock.advance(20);
    expect(a.inbox.map((r) => indexOf(r.payload))).toEqual([42]);
  });

  it('hard limits: an SA that could not rekey is refused after 180 s (send throws, inbound dropped) and torn down', async () => {
    p = pair('hard', { both: { limits: noJitter } });
    const { a, b } = p;
    await a.node.connect(B);
    const kept: Uint8Array[] = [];
    p.net.intercept((d) => (isEsp(d.bytes) ? undefined : 'drop')); // every rekey fails
    p.net.observe((d, outcome) => {
      if (outcome === 'delivered' && isEsp(d.bytes) && d.to.address === B.address) kept.push(d.bytes);
    });
    await p.clock.advance(179_000);
    expect(a.node.sa(B)).toBeDefined();
    await a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(1) });
    await p.settle();
    expect(b.inbox).toHaveLength(1);
    expect(a.of('exchange-failed').length).toBeGreaterThan(0);
    await p.clock.advance(1_000);
    expect(a.node.sa(B)).toBeUndefined();
    expect(b.node.sa(A)).toBeUndefined();
    expect(a.of('sa-closed')).toMatchObject([{ reason: 'hard-limit' }]);
    await expect(a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(2) })).rejects.toThrow(/no SA with this peer/);
    p.net.inject(A, B, kept[0]!); // a replay after the SA is gone
    await p.settle();
    expect(b.inbox).toHaveLength(1);
  });

  it('hard packet limit: sending past it throws and inbound past it is dropped', async () => {
    p = pair('hard-count', { both: { limits: { rejectAfterPackets: 3, rekeyAfterPackets: 1_000 } } });
    const { a, b } = p;
    await a.node.connect(B);
    await a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(1) }); // seq 2 (the dummy was 1)
    await a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(2) }); // seq 3
    await expect(a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(3) })).rejects.toThrow(/reached its hard limit/);
    await p.settle();
    expect(b.inbox.map((r) => indexOf(r.payload))).toEqual([1, 2]);
  });
});
