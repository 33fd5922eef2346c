/** Two nodes over real UDP on ::1 with the system clock (docs/protocol.md §2). */
import { describe, it, expect, afterEach } from 'vitest';
import { systemClock } from '../../common/index.js';
import { MemoryLatchStore } from '../discovery/index.js';
import { PeerUnreachableError } from './association-end.js';
import { PiaNode } from './pia-node.js';
import { indexOf, payloadOf } from './test-support/index.js';
import { openUdpTransport } from './udp-transport.js';

const nodes: PiaNode[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close();
});

async function udpNode(address: string, connectPeers = false): Promise<PiaNode> {
  const transport = await openUdpTransport({ address, port: 0, connectPeers });
  const node = new PiaNode({ transport, clock: systemClock(), latches: new MemoryLatchStore() });
  nodes.push(node);
  return node;
}

describe('PIA over real UDP', () => {
  it('connects on ::1 and completes 100 echoes through ESP', async () => {
    const a = await udpNode('::1');
    const b = await udpNode('::1');
    b.onData((payload, ctx, inner) => void b.send(ctx.peer, { srcPort: inner.dstPort, dstPort: inner.srcPort, payload }));
    await a.connect(b.local);
    expect(a.sa(b.local)).toBeDefined();
    const replies: number[] = [];
    let wake: (() => void) | undefined;
    a.onData((payload) => {
      replies.push(indexOf(payload));
      wake?.();
    });
    for (let i = 0; i < 100; i++) {
      const got = new Promise<void>((resolve) => (wake = resolve));
      await a.send(b.local, { srcPort: 40000, dstPort: 7, payload: payloadOf(i, 64 + i) });
      await got;
    }
    expect(replies).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(a.counters.icvFailures + b.counters.icvFailures).toBe(0);
    expect(b.counters.delivered).toBe(100);
  });

  it('a burst of 200 sends not awaited arrives intact: node:dgram reads each seal buffer after send() returns', async () => {
    const a = await udpNode('::1');
    const b = await udpNode('::1');
    const got = new Set<number>();
    let wake: (() => void) | undefined;
    b.onData((payload) => {
      got.add(indexOf(payload));
      if (got.size === 200) wake?.();
    });
    await a.connect(b.local);
    const all = new Promise<void>((resolve) => (wake = resolve));
    await Promise.all(Array.from({ length: 200 }, (_, i) => a.send(b.local, { srcPort: 40000, dstPort: 7, payload: payloadOf(i, 64 + (i % 5)) })));
    await Promise.race([all, new Promise((r) => setTimeout(r, 5000))]);
    expect(got.size).toBe(200);
    expect(b.counters.replays + b.counters.icvFailures + b.counters.decodeErrors).toBe(0);
  });

  it('an IPv4 peer reaches a dual-stack (::) node, seen as IPv4-mapped', async () => {
    const a = await udpNode('127.0.0.1');
    const b = await udpNode('::');
    const seen: string[] = [];
    b.onData((_payload, ctx) => seen.push(ctx.peer.address));
    await a.connect({ address: '127.0.0.1', port: b.local.port });
    await a.send({ address: '127.0.0.1', port: b.local.port }, { srcPort: 1, dstPort: 2, payload: Uint8Array.of(1) });
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual(['::ffff:127.0.0.1']);
  });

  it('connectPeers: a connect to a port nobody listens on is rejected as unreachable (ECONNREFUSED) by the ICMP answer, not a timeout', async () => {
    const probe = await openUdpTransport({ address: '::1', port: 0 });
    const port = probe.local.port;
    await probe.close(); // nobody listens there now
    const a = await udpNode('::', true);
    const failed = await a.connect({ address: '::1', port }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(PeerUnreachableError);
    expect((failed as PeerUnreachableError).code).toBe('ECONNREFUSED');
    expect(a.counters.kxOut).toBe(1); // the first INIT drew the answer: no retransmission
    expect(a.tableSizes.initiators).toBe(0);
  });

  it('connectPeers: the bound port stays the source port toward the first peer; a CLOSE reaches the peer as the node closes', async () => {
    const a = await udpNode('::', true);
    const b = await udpNode('::1');
    const closed: string[] = [];
    b.onEvent((e) => {
      if (e.kind === 'peer-closed') closed.push(`${e.peer.address}/${e.peer.port}/${e.reason}`);
    });
    await a.connect(b.local);
    expect(b.endpointOf({ address: '::1', port: a.local.port })).toEqual({ address: '::1', port: a.local.port });
    await a.close();
    for (let i = 0; i < 100 && closed.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(closed).toEqual([`::1/${a.local.port}/done`]);
    expect(b.tableSizes.peers).toBe(0);
  });

  it('a link-local bind address without its zone: names the fix (the interface)', async () => {
    await expect(openUdpTransport({ address: 'fe80::1', port: 0 })).rejects.toThrow(/cannot bind \[fe80::1\]:0 \(EINVAL\); a link-local address needs the interface it is on, e\.g\. \[fe80::1%eth0\]/);
  });

  it('names the address and the fix when the port is taken', async () => {
    const a = await udpNode('::1');
    await expect(openUdpTransport({ address: '::1', port: a.local.port })).rejects.toThrow(/cannot bind \[::1\]:\d+ \(EADDRINUSE\); another process uses it/);
  });
});
