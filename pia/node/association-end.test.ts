/**
 * How associations end (docs/protocol.md §3 "Peers that matter", §6 CLOSE, §2 "Sockets"), on
 * the in-memory network with a ManualClock: a closing node says goodbye and its peer forgets
 * it at once; a forged, tampered, replayed or malformed CLOSE closes nothing; a responder
 * never chases a peer that only initiated to it and forgets it quietly; the application's
 * interest makes a peer matter; an "unreachable" ends a connect at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { MemoryLatchStore } from '../discovery/index.js';
import { seededRandom } from '../handshake/test-support/index.js';
import { PeerUnreachableError } from './association-end.js';
import { createMemoryNetwork } from './memory-network.js';
import type { PiaNodeEvent } from './node-types.js';
import { PiaNode } from './pia-node.js';
import { A, B, isEsp, pair, payloadOf, type Pair } from './test-support/index.js';

let p: Pair | undefined;
const extra: PiaNode[] = [];
afterEach(async () => {
  await p?.close();
  p = undefined;
  for (const n of extra.splice(0)) await n.close();
});

/** A connected pair with one data packet each way, every datagram from a to b kept. */
async function connected(seed: string): Promise<{ p: Pair; fromA: Uint8Array[] }> {
  const q = pair(seed);
  const fromA: Uint8Array[] = [];
  q.net.observe((d) => {
    if (d.to.address === B.address && isEsp(d.bytes)) fromA.push(d.bytes);
  });
  await q.a.node.connect(B);
  await q.a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(1) });
  await q.b.node.send(A, { srcPort: 2, dstPort: 1, payload: payloadOf(2) });
  await q.settle();
  return { p: q, fromA };
}

describe('CLOSE (docs/protocol.md §6)', () => {
  it('a closing initiator sends one CLOSE; the responder drops every SA and forgets the peer at once, quietly', async () => {
    const c = await connected('close');
    p = c.p;
    const { a, b } = p;
    const sent = c.fromA.length;
    await a.node.close();
    await p.settle();
    expect(c.fromA.length - sent).toBe(1); // one datagram, not answered
    expect(c.fromA.at(-1)).toHaveLength(40); // §6: 16 + 3 + 3 + 2 + 16
    expect(b.of('peer-closed')).toEqual([{ kind: 'peer-closed', peer: { address: A.address, port: A.port }, reason: 'done' }]);
    expect(b.of('sa-closed')).toMatchObject([{ reason: 'peer-closed' }]);
    expect(b.node.sa(A)).toBeUndefined();
    expect(b.node.tableSizes).toEqual({ peers: 0, inboundSas: 0, initiators: 0, halfOpen: 0 });
    expect(b.node.counters.peersClosed).toBe(1);
    await p.clock.advance(200_000); // past dead-peer time and every hard limit
    expect(b.events.filter((e) => e.kind === 'peer-dead' || e.kind === 'peer-forgotten' || e.kind === 'exchange-started')).toEqual([]);
    expect(b.node.plaintextPolicy(A)).toBe('refuse-latched'); // the latch stays (§4)
    expect(p.clock.pendingTimers).toBe(0);
  });

  it('a tampered CLOSE fails its ICV and a replayed one finds its SA gone: neither closes anything', async () => {
    p = pair('tamper');
    const { a, b } = p;
    await a.node.connect(B);
    const held: Uint8Array[] = [];
    p.net.intercept((d) => {
      if (d.to.address !== B.address || !isEsp(d.bytes) || d.bytes.length !== 40) return undefined;
      held.push(d.bytes);
      return 'drop';
    });
    await a.node.close(); // its CLOSE is held back
    expect(held).toHaveLength(1);
    const close = held[0]!;
    const tampered = Uint8Array.from(close);
    tampered[20] = tampered[20]! ^ 0x01;
    p.net.inject(A, B, tampered);
    await p.settle();
    expect(b.node.counters.icvFailures).toBe(1);
    expect(b.node.sa(A)).toBeDefined();
    expect(b.of('peer-closed')).toEqual([]);

    p.net.inject(A, B, close);
    await p.settle();
    expect(b.of('peer-closed')).toHaveLength(1);
    p.net.inject(A, B, close); // the same CLOSE again
    await p.settle();
    expect(b.node.counters.unknownSpi).toBe(1);
    expect(b.of('peer-closed')).toHaveLength(1);
  });

  it('a CLOSE of the wrong length is a decode error and closes nothing', async () => {
    p = pair('short-close');
    const { a, b } = p;
    await a.node.connect(B);
    await a.node.sendControl(B, Uint8Array.of(1, 32));
    await a.node.sendControl(B, Uint8Array.of(1, 32, 1, 0));
    await p.settle();
    expect(b.of('decode-error')).toMatchObject([
      { what: 'CLOSE', message: `[${A.address}]:${A.port}: CLOSE of 2 bytes, not 3 (docs/protocol.md §6)` },
      { what: 'CLOSE', message: `[${A.address}]:${A.port}: CLOSE of 4 bytes, not 3 (docs/protocol.md §6)` },
    ]);
    expect(b.node.sa(A)).toBeDefined();
    expect(b.node.counters.peersClosed).toBe(0);
  });

  it('close({ notifyPeers: false }) sends nothing (a crash, as tests need one)', async () => {
    p = pair('quiet-close');
    const { a, b } = p;
    await a.node.connect(B);
    const sent = p.net.stats.sent;
    await b.node.close({ notifyPeers: false, reason: 'shutting-down' });
    expect(p.net.stats.sent).toBe(sent);
    expect(a.node.sa(B)).toBeDefined();
  });

  it('the reason travels: a server stopping says shutting-down', async () => {
    p = pair('reason');
    const { a, b } = p;
    await a.node.connect(B);
    await b.node.close({ reason: 'shutting-down' });
    await p.settle();
    expect(a.of('peer-closed')).toEqual([{ kind: 'peer-closed', peer: { address: B.address, port: B.port }, reason: 'shutting-down' }]);
    await expect(a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(1) })).rejects.toThrow(/no SA with this peer/);
  });
});

describe('peers that matter (docs/protocol.md §3)', () => {
  it('a responder never rekeys toward a peer that only initiated to it; a crashed initiator is forgotten quietly after 35 s', async () => {
    const c = await connected('crash');
    p = c.p;
    const { a, b } = p;
    await a.node.close({ notifyPeers: false }); // a crash: no CLOSE
    await b.node.send(A, { srcPort: 2, dstPort: 1, payload: payloadOf(3) }); // the dead-peer count starts (§3)
    await p.clock.advance(34_999);
    expect(b.node.sa(A)).toBeDefined();
    await p.clock.advance(1);
    expect(b.of('peer-forgotten')).toEqual([{ kind: 'peer-forgotten', peer: { address: A.address, port: A.port }, why: 'silent' }]);
    expect(b.of('peer-dead')).toEqual([]);
    expect(b.node.counters).toMatchObject({ deadPeers: 0, peersForgotten: 1 });
    expect(b.node.tableSizes.peers).toBe(0);
    await p.clock.advance(400_000);
    expect(b.of('exchange-started')).toEqual([]);
    expect(b.node.counters.kxOut).toBe(1); // its one RESP
  });

  it('without traffic the responder lets the pair run to its hard limit, starts no rekey, and forgets the peer (expired)', async () => {
    p = pair('expire');
    const { a, b } = p;
    await a.node.connect(B); // only the initiator's dummy: b never sent data, so no dead-peer count
    await a.node.close({ notifyPeers: false });
    await p.clock.advance(179_999);
    expect(b.node.sa(A)).toBeDefined();
    expect(b.of('exchange-started')).toEqual([]);
    await p.clock.advance(1);
    expect(b.of('peer-forgotten')).toEqual([{ kind: 'peer-forgotten', peer: { address: A.address, port: A.port }, why: 'expired' }]);
    expect(b.node.tableSizes.peers).toBe(0);
  });

  it('a peer the application holds an interest in is reported dead; the predicate sees the peer', async () => {
    const c = await connected('interest');
    p = c.p;
    const { a, b } = p;
    const asked: string[] = [];
    b.node.setInterest((peer) => (asked.push(`${peer.address}/${peer.port}`), true));
    await a.node.close({ notifyPeers: false });
    await b.node.send(A, { srcPort: 2, dstPort: 1, payload: payloadOf(3) });
    await p.clock.advance(35_000);
    expect(b.of('peer-dead')).toMatchObject([{ peer: { address: A.address, port: A.port }, silentMs: 35_000 }]);
    expect(b.of('peer-forgotten')).toEqual([]);
    expect(asked).toEqual([`${A.address}/${A.port}`]);
    expect(b.node.counters).toMatchObject({ deadPeers: 1, peersForgotten: 0 });
  });

  it('the initiator still rekeys, and still reports its peer dead', async () => {
    const c = await connected('initiator');
    p = c.p;
    const { a, b } = p;
    await p.clock.advance(131_000);
    expect(a.of('exchange-started').filter((e) => e.reason === 'rekey-time')).toHaveLength(1);
    expect(b.of('exchange-started')).toEqual([]);
    await b.node.close({ notifyPeers: false });
    await a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(4) });
    await p.clock.advance(35_000);
    expect(a.of('peer-dead')).toHaveLength(1);
  });
});

describe('unreachable (docs/protocol.md §2 "Sockets")', () => {
  const node = (at: { address: string; port: number }, reportUnreachable: boolean, clock: ManualClock, net: ReturnType<typeof createMemoryNetwork>): { node: PiaNode; events: PiaNodeEvent[] } => {
    const n = new PiaNode({ transport: net.attach(at.address, at.port, { reportUnreachable }), clock, random: seededRandom(`unreach/${at.address}`), latches: new MemoryLatchStore() });
    const events: PiaNodeEvent[] = [];
    n.onEvent((e) => events.push(e));
    extra.push(n);
    return { node: n, events };
  };

  it('connect to nobody rejects at once with PeerUnreachableError; no INIT is retransmitted and nothing is kept', async () => {
    const clock = new ManualClock();
    const net = createMemoryNetwork({ clock });
    const a = node(A, true, clock, net);
    const pending = a.node.connect(B);
    const failed = pending.catch((e: unknown) => e);
    await clock.advance(0);
    const err = await failed;
    expect(err).toBeInstanceOf(PeerUnreachableError);
    expect((err as PeerUnreachableError).code).toBe('ECONNREFUSED');
    expect((err as Error).message).toBe(`PIA connect to [${B.address}]:${B.port}: unreachable (ECONNREFUSED): nothing listens on that UDP port (the host answered ICMP port unreachable); check that the peer runs PIA there`);
    expect(a.events.filter((e) => e.kind === 'peer-unreachable')).toEqual([{ kind: 'peer-unreachable', peer: { address: B.address, port: B.port }, code: 'ECONNREFUSED', ended: true }]);
    expect(a.node.tableSizes).toEqual({ peers: 0, inboundSas: 0, initiators: 0, halfOpen: 0 });
    await clock.advance(40_000);
    expect(net.stats.sent).toBe(1); // the one INIT
  });

  it('without reportUnreachable nothing is heard and the INITs go on (a filtered port)', async () => {
    const clock = new ManualClock();
    const net = createMemoryNetwork({ clock });
    const a = node(A, false, clock, net);
    const pending = a.node.connect(B).catch((e: unknown) => e);
    await clock.advance(3_500);
    expect(net.stats.sent).toBe(3);
    expect(a.node.counters.unreachable).toBe(0);
    await clock.advance(40_000);
    expect(await pending).not.toBeInstanceOf(PeerUnreachableError);
  });

  it('with an SA up an unreachable is only counted: ICMP is not authenticated', async () => {
    const clock = new ManualClock();
    const net = createMemoryNetwork({ clock });
    const a = node(A, true, clock, net);
    const b = node(B, false, clock, net);
    await clock.settle(a.node.connect(B), 1);
    await b.node.close({ notifyPeers: false });
    await a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(1) });
    await clock.advance(0);
    expect(a.events.filter((e) => e.kind === 'peer-unreachable')).toMatchObject([{ code: 'ECONNREFUSED', ended: false }]);
    expect(a.node.sa(B)).toBeDefined();
  });
});
