/**
 * Half-open exchanges are forgotten (docs/protocol.md §3 "half-open lifetime"): 100,000
 * endpoints each prove their address with the cookie round, get a RESP and never CONFIRM.
 * The responder's node must keep nothing of them once they expire: its tables stay at the
 * half-open working set and the heap is flat between 20,000 and 100,000 abandoned exchanges.
 * (Per-datagram time after such a run is measured by bench/abandoned-exchanges.ts.)
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { MemoryLatchStore } from '../discovery/index.js';
import { X25519KeyPair, decodeKx, encodeKx, type KxInit } from '../handshake/index.js';
import { createMemoryNetwork } from './memory-network.js';
import { PiaNode } from './pia-node.js';
import { B } from './test-support/index.js';

const TOTAL = 100_000;
const PER_STEP = 10; // INITs per 100 ms of simulated time: 100/s, ~1,000 half-open at any time
const STEP_MS = 100;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** The n-th attacker endpoint: every one its own address, spread over many /64s. */
function attacker(n: number): { address: string; port: number } {
  return { address: `2001:db8:${(n >> 16).toString(16)}:${((n >> 8) & 0xff).toString(16)}::${((n & 0xff) + 1).toString(16)}`, port: 1024 + (n % 60_000) };
}

describe('abandoned key exchanges', () => {
  it('100,000 half-open exchanges that never confirm leave the tables bounded and the heap flat', async () => {
    const clock = new ManualClock();
    const net = createMemoryNetwork({ clock });
    const responder = new PiaNode({ transport: net.attach(B.address, B.port), clock, latches: new MemoryLatchStore() });
    const gi = new X25519KeyPair(new Uint8Array(32).fill(9)).publicKey;
    const inits = new Map<string, KxInit>();
    let resps = 0;
    // The attacker receives at its addresses: it echoes every COOKIE, and abandons at RESP.
    net.intercept((d) => {
      if (d.from.address !== B.address) return undefined;
      const msg = decodeKx(d.bytes);
      const key = `${d.to.address}/${d.to.port}`;
      const init = inits.get(key);
      if (msg.kind === 'cookie' && init !== undefined) net.inject(d.to, B, encodeKx({ ...init, cookie: msg.cookie }));
      if (msg.kind === 'resp') {
        resps++;
        inits.delete(key);
      }
      return 'drop';
    });
    const send = (n: number): void => {
      const ni = new Uint8Array(32);
      new DataView(ni.buffer).setUint32(0, n);
      const init: KxInit = { kind: 'init', spiI: 0x10000 + n, ni, gi, suites: [1, 2], cookie: new Uint8Array(0) };
      const from = attacker(n);
      inits.set(`${from.address}/${from.port}`, init);
      net.inject(from, B, encodeKx(init));
    };

    let heapAt20k = 0;
    let largest = { peers: 0, inboundSas: 0 };
    for (let n = 0; n < TOTAL; n += PER_STEP) {
      for (let k = 0; k < PER_STEP; k++) send(n + k);
      await clock.advance(STEP_MS);
      const sizes = responder.tableSizes;
      largest = { peers: Math.max(largest.peers, sizes.peers), inboundSas: Math.max(largest.inboundSas, sizes.inboundSas) };
      if (n + PER_STEP === 20_000) heapAt20k = heapUsed();
    }
    const heapGrowth = heapUsed() - heapAt20k;
    await clock.advance(11_000); // past the last half-open lifetime
    const after = responder.tableSizes;
    await responder.close();

    expect(resps).toBeGreaterThanOrEqual(TOTAL * 0.99); // the exchanges were really begun
    expect(largest.peers).toBeLessThanOrEqual(1_100); // the half-open working set (10 s × 100/s), not every endpoint ever seen
    expect(largest.inboundSas).toBeLessThanOrEqual(1_100);
    expect(after).toMatchObject({ peers: 0, inboundSas: 0, initiators: 0, halfOpen: 0 });
    expect(heapGrowth).toBeLessThan(4 * 1024 * 1024); // 80,000 more abandoned exchanges: no per-endpoint residue
  }, 180_000);
});
