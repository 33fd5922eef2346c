/**
 * The inbound ESP order of docs/protocol.md §6 through two real nodes: what is delivered,
 * what is dropped, which counter moves, and that nothing unauthenticated moves the window.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { B, A, indexOf, isEsp, pair, payloadOf, seqLowOf, spiOf, type Pair } from './test-support/index.js';

let p: Pair | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

/** Connects A to B, then holds back every ESP datagram A sends to B (they can be injected later). */
async function capturing(seed: string): Promise<{ p: Pair; held: Uint8Array[]; sendN: (from: number, n: number) => Promise<void> }> {
  const pp = pair(seed);
  await pp.a.node.connect(B);
  await pp.settle();
  const held: Uint8Array[] = [];
  pp.net.intercept((d) => {
    if (d.to.address !== B.address || !isEsp(d.bytes)) return undefined;
    held.push(d.bytes);
    return 'drop';
  });
  const sendN = async (from: number, n: number): Promise<void> => {
    for (let i = from; i < from + n; i++) await pp.a.node.send(B, { srcPort: 1, dstPort: 2, payload: payloadOf(i) });
  };
  return { p: pp, held, sendN };
}

const inject = (pp: Pair, bytes: Uint8Array): void => pp.net.inject(A, B, bytes);
const delivered = (pp: Pair): number[] => pp.b.inbox.map((r) => indexOf(r.payload));

describe('inbound ESP (docs/protocol.md §6)', () => {
  it('a tampered packet fails the ICV, is counted and reported with SPI, source and sequence number; the original still passes', async () => {
    const c = await capturing('tamper');
    p = c.p;
    await c.sendN(0, 1);
    const original = c.held[0]!;
    for (const at of [20, original.length - 1, 9]) {
      const bad = Uint8Array.from(original);
      bad[at]! ^= 0x01; // ciphertext, ICV, IV
      inject(p, bad);
    }
    await p.settle();
    expect(p.b.node.counters.icvFailures).toBe(3);
    expect(p.b.of('icv-failure')[0]).toEqual({ kind: 'icv-failure', spi: spiOf(original), source: { address: A.address, port: A.port }, seq: seqLowOf(original) });
    inject(p, original);
    await p.settle();
    expect(delivered(p)).toEqual([0]);
  });

  it('truncated packets: off the 4-byte grid refused before decryption, on it failing the ICV; none delivered', async () => {
    const c = await capturing('truncate');
    p = c.p;
    await c.sendN(0, 1);
    const original = c.held[0]!;
    inject(p, original.subarray(0, original.length - 1));
    inject(p, original.subarray(0, original.length - 4));
    inject(p, original.subarray(0, 20));
    await p.settle();
    expect(p.b.node.counters.decodeErrors).toBe(2);
    expect(p.b.node.counters.icvFailures).toBe(1);
    expect(p.b.inbox).toHaveLength(0);
  });

  it('a replayed packet is delivered once and counted as a replay', async () => {
    const c = await capturing('replay');
    p = c.p;
    await c.sendN(0, 2);
    for (const bytes of [c.held[0]!, c.held[1]!, c.held[0]!, c.held[1]!, c.held[1]!]) inject(p, bytes);
    await p.settle();
    expect(delivered(p)).toEqual([0, 1]);
    expect(p.b.node.counters.replays).toBe(3);
    expect(p.b.of('replay')[0]).toMatchObject({ verdict: 'replay', seq: seqLowOf(c.held[0]!) });
  });

  it('packets reordered within the window are all delivered, in arrival order', async () => {
    const c = await capturing('reorder');
    p = c.p;
    await c.sendN(0, 130);
    const order = [129, 5, 3, 4, 100, 2, 128, 6]; // index i = seq i + 2 (the dummy took 1); seq 4 is the window's last slot
    for (const i of order) inject(p, c.held[i]!);
    await p.settle();
    expect(delivered(p)).toEqual(order);
    expect(p.b.node.counters.replays + p.b.node.counters.tooOld + p.b.node.counters.icvFailures).toBe(0);
  });

  it('a packet left of the window is read as the next 2^32 subspace and fails the ICV (§6): dropped, window unmoved', async () => {
    const c = await capturing('old');
    p = c.p;
    await c.sendN(0, 200);
    inject(p, c.held[199]!);
    inject(p, c.held[0]!); // 199 behind the top: outside the 128-packet window
    inject(p, c.held[150]!); // 49 behind: inside
    await p.settle();
    expect(delivered(p)).toEqual([199, 150]);
    expect(p.b.node.counters.icvFailures).toBe(1);
  });

  it('forged high sequence numbers never move the window', async () => {
    const c = await capturing('forged');
    p = c.p;
    await c.sendN(0, 10);
    for (const i of [0, 1, 2, 4, 5]) inject(p, c.held[i]!); // index 3 held back
    await p.settle();
    const spi = spiOf(c.held[0]!);
    for (const low of [0xfffffff0, 1_000, 5_000_000, 12]) {
      const forged = Uint8Array.from(c.held[9]!);
      new DataView(forged.buffer).setUint32(4, low);
      new DataView(forged.buffer).setUint32(12, low); // IV too, so only the ICV can tell
      forged[30]! ^= 0xff;
      inject(p, forged);
    }
    await p.settle();
    // 0xfffffff0 with a top of 7 is inferred as the previous subspace (RFC 4303 A2.2 case B): too old
    expect([p.b.node.counters.icvFailures, p.b.node.counters.tooOld]).toEqual([3, 1]);
    expect(p.b.of('icv-failure').map((e) => [e.spi, e.seq])).toEqual([[spi, 1_000], [spi, 5_000_000], [spi, 12]]);
    // had any forgery moved the window, the held-back packet 3 would now be too old or misread
    inject(p, c.held[3]!);
    inject(p, c.held[6]!);
    await p.settle();
    expect(delivered(p)).toEqual([0, 1, 2, 4, 5, 3, 6]);
  });

  it('unknown SPIs, short datagrams, NAT keepalives and garbage key-exchange messages are counted and dropped', async () => {
    const c = await capturing('junk');
    p = c.p;
    await c.sendN(0, 1);
    const unknown = Uint8Array.from(c.held[0]!);
    unknown[0]! ^= 0x80;
    inject(p, unknown);
    inject(p, Uint8Array.of(0xff));
    inject(p, Uint8Array.of(1, 2, 3, 4, 5));
    inject(p, Uint8Array.of(0, 0, 0, 0, 1, 99, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0));
    await p.settle();
    const n = p.b.node.counters;
    expect([n.unknownSpi, n.natKeepalives, n.short, n.decodeErrors]).toEqual([1, 1, 1, 1]);
    expect(p.b.of('unknown-spi')[0]!.spi).toBe(spiOf(unknown));
    expect(p.b.inbox).toHaveLength(0);
  });
});
