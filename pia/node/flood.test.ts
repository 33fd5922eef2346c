/**
 * A spoofed INIT flood that carries the victim's own source address (docs/protocol.md §3,
 * §5 "Cookie"): 2,000 INITs per second for 10 s of simulated time, while the victim connects
 * twenty times. The flood spends the per-address bucket of unproven INITs; the victim's INIT
 * is answered with a COOKIE, its echo proves the address, and a proven INIT is never refused
 * for the bucket the spoofer drained (WireGuard's under-load rule).
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { MemoryLatchStore } from '../discovery/index.js';
import { X25519KeyPair, encodeKx } from '../handshake/index.js';
import { seededRandom } from '../handshake/test-support/index.js';
import { createMemoryNetwork } from './memory-network.js';
import { PiaNode } from './pia-node.js';
import { A, B } from './test-support/index.js';

const FLOOD_PER_MS = 2; // 2,000 INITs/s
const FLOOD_MS = 10_000;
const VICTIM_EVERY_MS = 500;
const VICTIM_PORT = 40_000; // the flood's spoofed ports stay below

/** A spoofer's INIT: fresh SPIi and Ni, one g^i for all, no cookie (it never sees one). */
function spoofedInit(n: number, gi: Uint8Array): Uint8Array {
  const ni = new Uint8Array(32);
  new DataView(ni.buffer).setUint32(0, n);
  return encodeKx({ kind: 'init', spiI: 0x10000 + n, ni, gi, suites: [1, 2], cookie: new Uint8Array(0) });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Infinity;
}

describe('a spoofed INIT flood with the victim\'s own address', () => {
  it('the victim still connects (p90 within 2 s of simulated time) and the responder sends less than it receives', async () => {
    const clock = new ManualClock();
    const net = createMemoryNetwork({ clock });
    const gateway = new PiaNode({ transport: net.attach(B.address, B.port), clock, random: seededRandom('flood/gw'), latches: new MemoryLatchStore() });
    let bytesIn = 0;
    let bytesOut = 0;
    net.observe((d) => {
      if (d.to.address === B.address && d.from.port < VICTIM_PORT) bytesIn += d.bytes.length;
      if (d.from.address === B.address && d.to.port < VICTIM_PORT) bytesOut += d.bytes.length;
    });
    const gi = new X25519KeyPair(new Uint8Array(32).fill(7)).publicKey;
    const times: number[] = [];
    const failures: string[] = [];
    const victim = async (i: number): Promise<void> => {
      const me = { address: A.address, port: VICTIM_PORT + i };
      const node = new PiaNode({ transport: net.attach(me.address, me.port), clock, random: seededRandom(`flood/victim${i}`), latches: new MemoryLatchStore() });
      const t0 = clock.now();
      try {
        await node.connect(B);
        times.push(clock.now() - t0);
      } catch (e) {
        failures.push((e as Error).message);
      } finally {
        await node.close();
      }
    };
    let n = 0;
    const running: Promise<void>[] = [];
    for (let t = 0; t < FLOOD_MS; t++) {
      for (let k = 0; k < FLOOD_PER_MS; k++, n++) net.inject({ address: A.address, port: 1024 + (n % 30_000) }, B, spoofedInit(n, gi));
      if (t % VICTIM_EVERY_MS === 0) {
        running.push(victim(t / VICTIM_EVERY_MS));
      }
      await clock.advance(1);
    }
    await clock.advance(60_000);
    await Promise.all(running);
    await gateway.close();

    expect(failures).toEqual([]);
    expect(times.length).toBe(FLOOD_MS / VICTIM_EVERY_MS);
    const sorted = [...times].sort((x, y) => x - y);
    expect(percentile(sorted, 90)).toBeLessThanOrEqual(2_000);
    expect(bytesOut).toBeLessThan(bytesIn); // COOKIEs (33 bytes) for INITs (84 bytes): no amplification
  });
});
