import { describe, it, expect, afterEach } from 'vitest';
import { cpuSuiteChoice } from '../suite-order.js';
import { SuiteId } from '../suites-ids.js';
import { A, B, indexOf, pair, payloadOf, type Pair } from './test-support/index.js';

let p: Pair | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

describe('PiaNode: connect, echo, security context (docs/protocol.md §5–§7)', () => {
  it('connects over the memory network and echoes both ways with payloads intact', async () => {
    p = pair('echo');
    const { a, b } = p;
    for (const t of [a, b]) {
      // echo, but never an echo of an echo (payload byte 0 marks a reply)
      t.node.onData((payload, ctx, inner) => {
        if (payload[0] === 0) void t.node.send(ctx.peer, { srcPort: inner.dstPort, dstPort: inner.srcPort, payload: Uint8Array.of(1, ...payload) });
      });
    }
    await a.node.connect(B);
    const saA = a.node.sa(B);
    expect(saA).toBeDefined();
    expect(b.node.sa(A)).toEqual({ spiIn: saA!.spiOut, spiOut: saA!.spiIn, suite: cpuSuiteChoice().suites[0] }); // the CPU's first (suite-order.ts)
    for (let i = 0; i < 5; i++) await a.node.send(B, { srcPort: 5683, dstPort: 7, payload: Uint8Array.of(0, ...payloadOf(i, 100 + i)) });
    for (let i = 5; i < 10; i++) await b.node.send(A, { srcPort: 5683, dstPort: 7, payload: Uint8Array.of(0, ...payloadOf(i, 3 * i)) });
    await p.settle();
    const requests = (t: typeof a): number[] => t.inbox.filter((r) => r.payload[0] === 0).map((r) => indexOf(r.payload.subarray(1)));
    const replies = (t: typeof a): Uint8Array[] => t.inbox.filter((r) => r.payload[0] === 1).map((r) => r.payload.subarray(2));
    expect(requests(b)).toEqual([0, 1, 2, 3, 4]);
    expect(requests(a)).toEqual([5, 6, 7, 8, 9]);
    expect(replies(a)).toEqual([0, 1, 2, 3, 4].map((i) => payloadOf(i, 100 + i)));
    expect(replies(b)).toEqual([5, 6, 7, 8, 9].map((i) => payloadOf(i, 3 * i)));
    expect(a.node.counters.icvFailures + b.node.counters.icvFailures).toBe(0);
  });

  it('delivers with phase 2, the peer, the SA and the inner addresses and ports', async () => {
    p = pair('ctx', { echo: 'b' });
    const { a, b } = p;
    await a.node.connect(B);
    await a.node.send(B, { srcPort: 40000, dstPort: 5683, payload: Uint8Array.of(1, 2, 3), innerDst: '2001:db8:b::f1' });
    await p.settle();
    expect(b.inbox).toHaveLength(1);
    const got = b.inbox[0]!;
    expect(got.ctx).toEqual({ phase: 2, peer: { address: '2001:db8:a::1', port: 4500 }, sa: b.node.sa(A) });
    expect(got.inner).toEqual({ src: '2001:db8:a::1', dst: '2001:db8:b::f1', srcPort: 40000, dstPort: 5683 });
    expect(a.inbox[0]!.inner).toEqual({ src: '2001:db8:b::1', dst: '2001:db8:a::1', srcPort: 5683, dstPort: 40000 });
    expect(a.inbox[0]!.payload).toEqual(Uint8Array.of(1, 2, 3));
    expect(b.node.counters.delivered).toBe(1);
    expect(b.node.counters.dummiesIn).toBe(1); // the initiator's first packet (§5)
  });

  it('serves a peer that connects to it as responder, and it can answer through the same SA', async () => {
    p = pair('responder');
    const { a, b } = p;
    await a.node.connect(B);
    expect(b.of('sa-up')).toMatchObject([{ role: 'responder', rekey: false }]);
    expect(a.of('sa-up')).toMatchObject([{ role: 'initiator', rekey: false }]);
    await b.node.send(A, { srcPort: 1, dstPort: 2, payload: Uint8Array.of(9) });
    await p.settle();
    expect(a.inbox.map((r) => [...r.payload])).toEqual([[9]]);
  });

  it('refuses to send without an SA, naming the peer and the fix', async () => {
    p = pair('nosa');
    await expect(p.a.node.send(B, { srcPort: 1, dstPort: 2, payload: new Uint8Array(1) })).rejects.toThrow(
      /PIA send to \[2001:db8:b::1\]:4500: no SA with this peer; call connect\(\) first/,
    );
  });

  it('rejects connect with a clear error once the INIT retransmissions give up (§3: 5 INITs, about 31 s)', async () => {
    p = pair('silent');
    p.net.intercept(() => 'drop');
    const outcome = p.a.node.connect(B).then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    await p.clock.advance(25_000);
    expect(p.a.node.counters.kxOut).toBe(5);
    await p.clock.advance(20_000);
    expect(await outcome).toMatch(/PIA connect to \[2001:db8:b::1\]:4500: key exchange failed \(no answer\).*check that the peer runs PIA/);
    expect(p.a.of('exchange-failed')).toMatchObject([{ reason: 'no answer' }]);
    expect(p.a.node.inboundSpis).toEqual([]);
  });

  it('simultaneous connect converges to one SA pair (§4 tie-break)', async () => {
    p = pair('simultaneous');
    const { a, b } = p;
    const both = Promise.all([a.node.connect(B), b.node.connect(A)]);
    await p.settle();
    await both;
    expect(a.of('sa-up')).toHaveLength(1);
    expect(b.of('sa-up')).toHaveLength(1);
    expect(a.node.sa(B)).toEqual({ spiIn: b.node.sa(A)!.spiOut, spiOut: b.node.sa(A)!.spiIn, suite: cpuSuiteChoice().suites[0] }); // the CPU's first (suite-order.ts)
    expect(new Set([a.of('sa-up')[0]!.role, b.of('sa-up')[0]!.role])).toEqual(new Set(['initiator', 'responder']));
    await p.clock.advance(11_000); // any half-open leftover expires (§3: 10 s)
    expect(a.node.inboundSpis).toEqual([a.node.sa(B)!.spiIn]);
    expect(b.node.inboundSpis).toEqual([b.node.sa(A)!.spiIn]);
  });

  it('offers ChaCha20-Poly1305 when configured and both ends agree', async () => {
    p = pair('chacha', { both: { suites: [SuiteId.ChaCha20Poly1305] }, echo: 'b' });
    await p.a.node.connect(B);
    expect(p.a.node.sa(B)!.suite).toBe(SuiteId.ChaCha20Poly1305);
    await p.a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(7) });
    await p.settle();
    expect(p.a.inbox.map((r) => indexOf(r.payload))).toEqual([7]);
  });

  it('close() rejects pending connects, reports the SAs closed and stops the timers', async () => {
    p = pair('close');
    await p.a.node.connect(B);
    p.net.intercept(() => 'drop');
    const C = { address: '2001:db8:c::1', port: 4500 };
    const pending = p.a.node.connect(C);
    await p.a.node.close();
    await expect(pending).rejects.toThrow(/closed before the exchange completed/);
    expect(p.a.of('sa-closed')).toMatchObject([{ reason: 'closed' }]);
    await expect(p.a.node.connect(B)).rejects.toThrow(/node is closed/);
    await p.b.node.close();
    expect(p.clock.pendingTimers).toBe(0);
  });
});
