/**
 * Keepalive, dead-peer detection and NAT rebinding (docs/protocol.md §3) on a ManualClock.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { A, B, indexOf, isEsp, pair, payloadOf, type Pair } from './test-support/index.js';

let p: Pair | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

describe('keepalive (docs/protocol.md §3: 10 s without outbound while inbound flows)', () => {
  it('sends one dummy packet (next header 59) 10 s after data came in and nothing went out; no keepalive ping-pong', async () => {
    p = pair('keepalive');
    const { a, b } = p;
    await a.node.connect(B);
    await p.settle();
    await b.node.send(A, { srcPort: 1, dstPort: 2, payload: payloadOf(1) });
    await p.settle();
    await p.clock.advance(9_999);
    expect(a.node.counters.keepalivesSent).toBe(0);
    const dummiesBefore = b.node.counters.dummiesIn;
    await p.clock.advance(1);
    expect(a.node.counters.keepalivesSent).toBe(1);
    expect(b.node.counters.dummiesIn).toBe(dummiesBefore + 1);
    expect(b.inbox).toHaveLength(0); // a dummy is never delivered
    await p.clock.advance(60_000);
    expect(a.node.counters.keepalivesSent).toBe(1);
    expect(b.node.counters.keepalivesSent).toBe(0);
  });

  it('sends no keepalive when nothing came in', async () => {
    p = pair('no-keepalive');
    await p.a.node.connect(B);
    await p.a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(1) });
    await p.clock.advance(60_000);
    expect(p.a.node.counters.keepalivesSent).toBe(0);
  });
});

describe('dead-peer detection (docs/protocol.md §3: 35 s without authenticated inbound after we sent)', () => {
  it('tears the SA down with a clear event when the peer goes silent', async () => {
    p = pair('dead');
    const { a } = p;
    await a.node.connect(B);
    await p.b.node.close({ notifyPeers: false }); // the peer vanishes without a CLOSE (a crash)
    await p.clock.advance(5_000);
    await a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(1) });
    await p.clock.advance(34_999);
    expect(a.node.sa(B)).toBeDefined();
    await p.clock.advance(1);
    expect(a.node.sa(B)).toBeUndefined();
    expect(a.of('peer-dead')).toEqual([{ kind: 'peer-dead', peer: { address: B.address, port: B.port }, silentMs: 35_000 }]);
    expect(a.of('sa-closed')).toMatchObject([{ reason: 'dead-peer' }]);
    expect(a.node.counters.deadPeers).toBe(1);
    await expect(a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(2) })).rejects.toThrow(/no SA/);
    expect(a.node.plaintextPolicy(B)).toBe('refuse-latched'); // the latch outlives the SA (§4)
  });

  it('keeps the SA when the peer answers only with its keepalive', async () => {
    p = pair('alive');
    const { a, b } = p;
    await a.node.connect(B);
    await a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(1) });
    await p.clock.advance(100_000);
    expect(b.node.counters.keepalivesSent).toBe(1);
    expect(a.of('peer-dead')).toEqual([]);
    expect(a.node.sa(B)).toBeDefined();
  });
});

describe('NAT rebinding (docs/protocol.md §3)', () => {
  it('after an authenticated packet from a new source port, the peer is answered there', async () => {
    p = pair('nat', { echo: 'b' });
    const { a, b } = p;
    await a.node.connect(B);
    await a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(0) });
    await p.settle();
    const moved = { address: A.address, port: 61_000 };
    p.net.rebind(A, moved); // A's NAT mapping changes: A still thinks it is on 4500
    for (let i = 1; i <= 5; i++) await a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(i) });
    await p.settle();
    expect(a.inbox.map((r) => indexOf(r.payload))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(b.of('peer-moved')).toEqual([{ kind: 'peer-moved', from: { address: A.address, port: 4500 }, to: moved }]);
    expect(b.node.endpointOf(A)).toEqual(moved);
    expect(b.inbox.at(-1)!.ctx.peer).toEqual(moved);
    expect(p.net.stats.unreachable).toBe(0);
  });

  it('a replayed or forged packet from another address moves nothing', async () => {
    p = pair('nat-forged', { echo: 'b' });
    const { a, b } = p;
    await a.node.connect(B);
    const seen: Uint8Array[] = [];
    p.net.observe((d) => {
      if (isEsp(d.bytes) && d.to.address === B.address) seen.push(d.bytes);
    });
    await a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(0) });
    await p.settle();
    const attacker = { address: '2001:db8:666::1', port: 4500 };
    p.net.inject(attacker, B, seen[0]!); // replay from elsewhere
    const forged = Uint8Array.from(seen[0]!);
    new DataView(forged.buffer).setUint32(4, new DataView(forged.buffer).getUint32(4) + 10); // a fresh number: not a replay
    forged[forged.length - 1]! ^= 1;
    p.net.inject(attacker, B, forged);
    await p.settle();
    expect(b.node.endpointOf(A)).toEqual({ address: A.address, port: A.port });
    expect(b.of('peer-moved')).toEqual([]);
    expect([b.node.counters.replays, b.node.counters.icvFailures]).toEqual([1, 1]);
  });
});
