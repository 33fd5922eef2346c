/**
 * The per-packet path in steady state (docs/protocol.md §6; node-core.ts, esp-inbound.ts):
 * nothing retained per packet, payload views whose lifetime is the listener call, seal buffers
 * reused once the transport is done with them, contexts and inner info reused while unchanged.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { MemoryLatchStore } from '../discovery/index.js';
import { seededRandom } from '../handshake/test-support/index.js';
import { createMemoryNetwork } from './memory-network.js';
import { PiaNode } from './pia-node.js';
import { A, B, isEsp, pair, payloadOf, type Pair } from './test-support/index.js';
import { S, trio, type Trio } from './test-support/phase3.js';
import type { DatagramTransport } from './transport.js';

let p: Pair | undefined;
let t: Trio | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await p?.close();
  await t?.close();
  for (const c of closers.splice(0)) await c();
  p = undefined;
  t = undefined;
});

/** `global.gc` without a command-line flag: the flag is set only while a fresh context fetches it, then restored. */
function exposedGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('steady state: nothing kept per packet', () => {
  it('60,000 echoes between two nodes: the heap after 60,000 is within 256 KB of the heap after 30,000 (9 bytes an echo)', { timeout: 300_000 }, async () => {
    const gc = exposedGc();
    const clock = new ManualClock();
    const net = createMemoryNetwork({ clock });
    const node = (at: typeof A, seed: string): PiaNode => new PiaNode({ transport: net.attach(at.address, at.port), clock, random: seededRandom(seed), latches: new MemoryLatchStore() });
    const a = node(A, 'heap/a');
    const b = node(B, 'heap/b');
    closers.push(() => a.close(), () => b.close());
    b.onData((payload, ctx, inner) => void b.send(ctx.peer, { srcPort: inner.dstPort, dstPort: inner.srcPort, payload }));
    let replies = 0;
    let wake: (() => void) | undefined;
    a.onData((payload) => {
      if (payload.length === 200 && payload[199] === 199 % 251) replies++;
      wake?.();
    });
    await clock.settle(a.connect(B));
    const datagram = { srcPort: 40000, dstPort: 7, payload: Uint8Array.from({ length: 200 }, (_, i) => i % 251) };
    const echoes = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const got = new Promise<void>((resolve) => (wake = resolve));
        await a.send(B, datagram);
        await got;
      }
    };
    await echoes(10_000); // warm-up: JIT, caches, the buffers at their size
    heapAfterGc(gc);
    await echoes(20_000);
    const at30k = heapAfterGc(gc);
    await echoes(30_000);
    const at60k = heapAfterGc(gc);
    expect(replies).toBe(60_000);
    expect(b.counters.delivered).toBe(60_000);
    expect(a.counters.icvFailures + b.counters.icvFailures + a.counters.decodeErrors + b.counters.decodeErrors).toBe(0);
    expect(at60k - at30k, `heap grew by ${at60k - at30k} bytes over 30,000 echoes`).toBeLessThan(256 * 1024);
  });
});

describe('payload views: valid during the listener call only', () => {
  it('the second datagram overwrites the view the first was delivered in; a copy keeps it', async () => {
    p = pair('views');
    const { a, b } = p;
    const views: Uint8Array[] = [];
    const copies: Uint8Array[] = [];
    b.node.onData((payload) => {
      views.push(payload); // kept without a copy: what the lifetime rule forbids
      copies.push(payload.slice());
    });
    await p.clock.settle(a.node.connect(B));
    const first = payloadOf(1, 64);
    const second = payloadOf(2, 64);
    await a.node.send(B, { srcPort: 1, dstPort: 7, payload: first });
    await p.settle();
    expect(views[0]).toEqual(first);
    await a.node.send(B, { srcPort: 1, dstPort: 7, payload: second });
    await p.settle();
    expect(views[1]).toBe(views[0]); // the same view object over the same buffer …
    expect(views[0]).toEqual(second); // … so the first datagram's bytes are gone
    expect(copies).toEqual([first, second]);
    const longer = payloadOf(3, 100);
    await a.node.send(B, { srcPort: 1, dstPort: 7, payload: longer });
    await p.settle();
    expect(views[0]).toEqual(longer.subarray(0, 64)); // a longer datagram overwrites it too
    expect(copies[2]).toEqual(longer);
  });

  it('a listener may echo the view straight back: send reads it before returning', async () => {
    p = pair('echo-view', { echo: 'b' });
    const { a } = p;
    await p.clock.settle(a.node.connect(B));
    for (let i = 0; i < 5; i++) await a.node.send(B, { srcPort: 9, dstPort: 7, payload: payloadOf(i, 40 + 7 * i) });
    await p.settle();
    expect(a.inbox.map((r) => r.payload)).toEqual([0, 1, 2, 3, 4].map((i) => payloadOf(i, 40 + 7 * i)));
  });
});

/** A transport that records the memory behind each ESP datagram sent, and can hold sends unsettled (in flight). */
function recording(inner: DatagramTransport): { transport: DatagramTransport; sent: ArrayBufferLike[]; hold(): void; release(): void } {
  const sent: ArrayBufferLike[] = [];
  let held: (() => void)[] | undefined;
  const transport: DatagramTransport = {
    local: inner.local,
    onDatagram: (l) => inner.onDatagram(l),
    close: () => inner.close(),
    send: async (bytes, to) => {
      if (isEsp(bytes)) sent.push(bytes.buffer);
      await inner.send(bytes, to); // the memory network copies here
      if (held !== undefined) await new Promise<void>((resolve) => held!.push(resolve));
    },
  };
  return {
    transport,
    sent,
    hold: () => void (held = []),
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const r of waiting) r();
    },
  };
}

describe('seal buffers: reused, never while the transport still reads one', () => {
  it('sequential sends seal in one buffer; unsettled sends each get their own, and those come back', async () => {
    const clock = new ManualClock();
    const net = createMemoryNetwork({ clock });
    const rec = recording(net.attach(A.address, A.port));
    const a = new PiaNode({ transport: rec.transport, clock, random: seededRandom('seal/a'), latches: new MemoryLatchStore() });
    const b = new PiaNode({ transport: net.attach(B.address, B.port), clock, random: seededRandom('seal/b'), latches: new MemoryLatchStore() });
    closers.push(() => a.close(), () => b.close());
    const got: Uint8Array[] = [];
    b.onData((payload) => void got.push(payload.slice()));
    await clock.settle(a.connect(B));
    rec.sent.length = 0; // the dummy packet after the exchange
    for (let i = 0; i < 4; i++) await a.send(B, { srcPort: 1, dstPort: 7, payload: payloadOf(i) });
    expect(new Set(rec.sent).size).toBe(1);
    const reused = rec.sent[0];

    rec.sent.length = 0;
    rec.hold();
    const inFlight = [4, 5, 6].map((i) => a.send(B, { srcPort: 1, dstPort: 7, payload: payloadOf(i) }));
    await clock.advance(0);
    expect(new Set(rec.sent).size).toBe(3); // none written while another is unsettled
    expect(rec.sent).toContain(reused);
    rec.release();
    await Promise.all(inFlight);
    rec.sent.length = 0;
    for (let i = 7; i < 10; i++) await a.send(B, { srcPort: 1, dstPort: 7, payload: payloadOf(i) });
    expect(new Set(rec.sent).size).toBe(1); // back to one, one of those three
    await clock.advance(0);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => payloadOf(i)));
  });
});

describe('cached per pair: the security context and the inner info', () => {
  it('phase 2: the same objects for every datagram of a flow; a new inner info when the ports change', async () => {
    p = pair('ctx-cache');
    const { a, b } = p;
    await p.clock.settle(a.node.connect(B));
    for (const srcPort of [1, 1, 2]) await a.node.send(B, { srcPort, dstPort: 7, payload: payloadOf(srcPort) });
    await p.settle();
    const [r1, r2, r3] = b.inbox;
    expect(r2!.ctx).toBe(r1!.ctx);
    expect(r2!.inner).toBe(r1!.inner);
    expect(r3!.ctx).toBe(r1!.ctx);
    expect(r3!.inner).not.toBe(r1!.inner);
    expect(r3!.inner).toEqual({ src: A.address, dst: B.address, srcPort: 2, dstPort: 7 });
    expect(Object.isFrozen(r1!.inner)).toBe(true);
  });

  it('phase 3: reused while the grants have the same seconds left, remade when they count down', async () => {
    t = trio('ctx-cache-p3');
    const alice = t.trust.register('operator', 'alice');
    const gw = t.trust.register('gateway', 'gw');
    t.trust.grant(alice.text, gw.text, 'rack1-*', ['read']);
    const a = t.add('a', A, { phase3: { identity: alice.identity, trustServer: S } });
    const b = t.add('b', B, { phase3: { identity: gw.identity, trustServer: S } });
    await t.clock.settle(a.node.connect(B).then(() => a.node.phase3Ready(B)));
    const send = async (i: number): Promise<void> => {
      await a.node.send(B, { srcPort: 1, dstPort: 7, payload: payloadOf(i) });
      await t!.settle();
    };
    await send(1);
    await send(2);
    await t.clock.advance(1500);
    await send(3);
    const [c1, c2, c3] = b.inbox.map((r) => r.ctx);
    expect(c1?.phase).toBe(3);
    expect(c2).toBe(c1);
    expect(c3).not.toBe(c1);
    const left = (c: typeof c1): number | undefined => (c?.phase === 3 ? c.grants[0]?.validS : undefined);
    expect(left(c3)).toBeLessThan(left(c1)!); // 1.5 s later, at least one whole second less
    expect(c3).toMatchObject({ phase: 3, peerIdentity: { nodeId: alice.text }, grants: [{ devices: 'rack1-*', rights: ['read'] }] });
  });
});
