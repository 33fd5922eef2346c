/**
 * Two PIA nodes on an in-memory network with a ManualClock and seeded randomness, for the
 * node tests. Datagrams travel in microtasks, so `settle()` (a zero advance of the clock)
 * runs every exchange and echo to the end without moving simulated time.
 */
import { ManualClock } from '../../../common/index.js';
import { MemoryLatchStore, type SecurityContext } from '../../discovery/index.js';
import { seededRandom } from '../../handshake/test-support/index.js';
import { createMemoryNetwork, type MemoryNetwork } from '../memory-network.js';
import type { InnerInfo, PiaNodeEvent, PiaNodeOptions } from '../node-types.js';
import { PiaNode } from '../pia-node.js';
import type { Endpoint } from '../transport.js';

export { abandoner, attackerEndpoint, type Abandoner } from './abandoner.js';

export const A: Endpoint = { address: '2001:db8:a::1', port: 4500 };
export const B: Endpoint = { address: '2001:db8:b::1', port: 4500 };

export interface Received {
  readonly payload: Uint8Array;
  readonly ctx: SecurityContext;
  readonly inner: InnerInfo;
}

export interface TestNode {
  readonly node: PiaNode;
  readonly at: Endpoint;
  readonly latches: MemoryLatchStore;
  readonly inbox: Received[];
  readonly events: PiaNodeEvent[];
  /** Events of one kind. */
  of<K extends PiaNodeEvent['kind']>(kind: K): Extract<PiaNodeEvent, { kind: K }>[];
}

export interface Pair {
  readonly clock: ManualClock;
  readonly net: MemoryNetwork;
  readonly a: TestNode;
  readonly b: TestNode;
  settle(): Promise<void>;
  close(): Promise<void>;
}

export type NodeExtras = Omit<Partial<PiaNodeOptions>, 'transport' | 'clock' | 'latches'>;

export function pair(seed: string, extras: { a?: NodeExtras; b?: NodeExtras; both?: NodeExtras; echo?: 'a' | 'b' | 'both' } = {}): Pair {
  const clock = new ManualClock();
  const net = createMemoryNetwork({ clock });
  const make = (at: Endpoint, name: string, own: NodeExtras | undefined): TestNode => {
    const latches = new MemoryLatchStore();
    const node = new PiaNode({ transport: net.attach(at.address, at.port), clock, random: seededRandom(`${seed}/${name}`), latches, ...extras.both, ...own });
    const inbox: Received[] = [];
    const events: PiaNodeEvent[] = [];
    node.onData((payload, ctx, inner) => inbox.push({ payload: Uint8Array.from(payload), ctx, inner }));
    node.onEvent((e) => events.push(e));
    const of = <K extends PiaNodeEvent['kind']>(kind: K): Extract<PiaNodeEvent, { kind: K }>[] =>
      events.filter((e): e is Extract<PiaNodeEvent, { kind: K }> => e.kind === kind);
    return { node, at, latches, inbox, events, of };
  };
  const a = make(A, 'a', extras.a);
  const b = make(B, 'b', extras.b);
  const echo = extras.echo;
  for (const t of echo === 'both' ? [a, b] : echo === undefined ? [] : [echo === 'a' ? a : b]) {
    t.node.onData((payload, ctx, inner) => {
      void t.node.send(ctx.peer, { srcPort: inner.dstPort, dstPort: inner.srcPort, payload }).catch(() => undefined);
    });
  }
  return {
    clock,
    net,
    a,
    b,
    settle: () => clock.advance(0),
    close: async () => {
      await a.node.close();
      await b.node.close();
    },
  };
}

/** A payload that says which packet it is. */
export function payloadOf(i: number, size = 32): Uint8Array {
  const p = new Uint8Array(size);
  new DataView(p.buffer).setUint32(0, i);
  for (let k = 4; k < size; k++) p[k] = (i * 31 + k) & 0xff;
  return p;
}

export function indexOf(payload: Uint8Array): number {
  return new DataView(payload.buffer, payload.byteOffset, payload.length).getUint32(0);
}

/** True for an ESP datagram (not the zero marker of the key exchange, not a keepalive byte). */
export function isEsp(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && !(bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0 && bytes[3] === 0);
}

export function spiOf(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(0);
}
export function seqLowOf(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(4);
}
export { MemoryTrust, S, aliceAtRackGateway, trio } from './phase3.js';
export type { P3Node, Trio } from './phase3.js';
