/**
 * The inner source address of a node bound to the unspecified address (docs/protocol.md §6):
 * the address the OS sends from toward the peer, never `::` or `0.0.0.0` (RFC 4291 §2.5.2), on
 * real UDP over loopback (with and without a connected socket per peer) and on the in-memory
 * network behind a transport that names its source.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../common/index.js';
import { MemoryLatchStore } from '../discovery/index.js';
import { seededRandom } from '../handshake/test-support/index.js';
import { createMemoryNetwork } from './memory-network.js';
import type { InnerInfo } from './node-types.js';
import { PiaNode } from './pia-node.js';
import type { DatagramTransport, Endpoint } from './transport.js';
import { openUdpTransport } from './udp-transport.js';

const nodes: PiaNode[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close();
});

function track(node: PiaNode): PiaNode {
  nodes.push(node);
  return node;
}

/** A responder that records the inner header of each datagram and echoes it with the addresses swapped. */
function echoing(node: PiaNode): InnerInfo[] {
  const seen: InnerInfo[] = [];
  node.onData((payload, ctx, inner) => {
    seen.push(inner);
    void node.send(ctx.peer, { srcPort: inner.dstPort, dstPort: inner.srcPort, payload, innerSrc: inner.dst, innerDst: inner.src });
  });
  return seen;
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
}

describe('inner source address of a node bound to the unspecified address (§6)', () => {
  for (const connectPeers of [false, true]) {
    it(`UDP [::]:0${connectPeers ? ' with a connected socket per peer' : ''}: ::1 toward a ::1 peer, ::ffff:127.0.0.1 toward 127.0.0.1; never ::`, async () => {
      const a = track(new PiaNode({ transport: await openUdpTransport({ address: '::', port: 0, connectPeers }), clock: systemClock(), latches: new MemoryLatchStore() }));
      const b6 = track(new PiaNode({ transport: await openUdpTransport({ address: '::1', port: 0 }), clock: systemClock(), latches: new MemoryLatchStore() }));
      const b4 = track(new PiaNode({ transport: await openUdpTransport({ address: '127.0.0.1', port: 0 }), clock: systemClock(), latches: new MemoryLatchStore() }));
      const seen6 = echoing(b6);
      const seen4 = echoing(b4);
      const replies: InnerInfo[] = [];
      a.onData((_payload, _ctx, inner) => replies.push(inner));
      const to4: Endpoint = { address: '127.0.0.1', port: b4.local.port };
      await a.connect(b6.local);
      await a.connect(to4);
      for (let i = 0; i < 2; i++) {
        await a.send(b6.local, { srcPort: 40000, dstPort: 7, payload: Uint8Array.of(i) });
        await a.send(to4, { srcPort: 40001, dstPort: 7, payload: Uint8Array.of(i) });
      }
      await until(() => replies.length === 4);
      expect(seen6.map((x) => x.src)).toEqual(['::1', '::1']);
      expect(seen4.map((x) => x.src)).toEqual(['::ffff:127.0.0.1', '::ffff:127.0.0.1']);
      expect(replies.map((x) => x.dst).sort()).toEqual(['::1', '::1', '::ffff:127.0.0.1', '::ffff:127.0.0.1']);
    });
  }

  it('in memory: the transport names the source once per peer; a transport that cannot is refused with the fix', async () => {
    const clock = new ManualClock();
    const net = createMemoryNetwork({ clock });
    const raw = net.attach('::', 4500);
    let asked = 0;
    const naming: DatagramTransport = {
      local: raw.local,
      send: (bytes, to) => raw.send(bytes, to),
      onDatagram: (l) => raw.onDatagram(l),
      close: () => raw.close(),
      localAddressFor: () => (asked++, Promise.resolve('2001:db8:a::1')),
    };
    const a = track(new PiaNode({ transport: naming, clock, random: seededRandom('src/a'), latches: new MemoryLatchStore() }));
    const B = { address: '2001:db8:b::1', port: 4500 };
    const b = track(new PiaNode({ transport: net.attach(B.address, B.port), clock, random: seededRandom('src/b'), latches: new MemoryLatchStore() }));
    const seen = echoing(b);
    await clock.settle(a.connect(B), 1);
    for (let i = 0; i < 3; i++) await a.send(B, { srcPort: 1, dstPort: 2, payload: Uint8Array.of(i) });
    await clock.advance(0);
    expect(seen.map((x) => x.src)).toEqual(['2001:db8:a::1', '2001:db8:a::1', '2001:db8:a::1']);
    expect(asked).toBe(1);

    const bare = net.attach('::', 4501);
    const mute = track(new PiaNode({ transport: { local: bare.local, send: (x, to) => bare.send(x, to), onDatagram: (l) => bare.onDatagram(l), close: () => bare.close() }, clock, random: seededRandom('src/mute'), latches: new MemoryLatchStore() }));
    await clock.settle(mute.connect(B), 1);
    await expect(mute.send(B, { srcPort: 1, dstPort: 2, payload: Uint8Array.of(1) })).rejects.toThrow(
      `PIA send to [${B.address}]:${B.port}: this node is bound to the unspecified address (::) and its transport cannot tell which address it sends from; give the node a localAddress`,
    );
  });
});
