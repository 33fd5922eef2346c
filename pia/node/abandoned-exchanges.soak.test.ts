/**
 * Half-open exchanges are forgotten (docs/protocol.md §3 "half-open lifetime"): 60,000
 * endpoints each prove their address with the cookie round, get a RESP and never CONFIRM.
 * The responder's node must keep nothing of them once they expire: its tables stay at the
 * half-open working set and the heap is flat between 20,000 and 60,000 abandoned exchanges
 * (about 4.5 s of one core per 10,000; the 40,000 past the first 20,000 show a per-endpoint
 * residue of 100 bytes as 4 MB). Per-datagram time after 100,000 is measured by bench/abandoned-exchanges.ts.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { MemoryLatchStore } from '../discovery/index.js';
import { createMemoryNetwork } from './memory-network.js';
import { PiaNode } from './pia-node.js';
import { B, abandoner } from './test-support/index.js';

const TOTAL = 60_000;
const PER_STEP = 10; // INITs per 100 ms of simulated time: 100/s, ~1,000 half-open at any time
const STEP_MS = 100;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('abandoned key exchanges', () => {
  it('60,000 half-open exchanges that never confirm leave the tables bounded and the heap flat', async () => {
    const clock = new ManualClock();
    const net = createMemoryNetwork({ clock });
    const responder = new PiaNode({ transport: net.attach(B.address, B.port), clock, latches: new MemoryLatchStore() });
    const attacker = abandoner(net, B);

    let heapAt20k = 0;
    let largest = { peers: 0, inboundSas: 0 };
    for (let n = 0; n < TOTAL; n += PER_STEP) {
      for (let k = 0; k < PER_STEP; k++) attacker.begin(n + k);
      await clock.advance(STEP_MS);
      const sizes = responder.tableSizes;
      largest = { peers: Math.max(largest.peers, sizes.peers), inboundSas: Math.max(largest.inboundSas, sizes.inboundSas) };
      if (n + PER_STEP === 20_000) heapAt20k = heapUsed();
    }
    const heapGrowth = heapUsed() - heapAt20k;
    await clock.advance(11_000); // past the last half-open lifetime
    const after = responder.tableSizes;
    await responder.close();

    expect(attacker.resps).toBeGreaterThanOrEqual(TOTAL * 0.99); // the exchanges were really begun
    expect(largest.peers).toBeLessThanOrEqual(1_100); // the half-open working set (10 s × 100/s), not every endpoint ever seen
    expect(largest.inboundSas).toBeLessThanOrEqual(1_100);
    expect(after).toMatchObject({ peers: 0, inboundSas: 0, initiators: 0, halfOpen: 0 });
    expect(heapGrowth).toBeLessThan(4 * 1024 * 1024); // 40,000 more abandoned exchanges: no per-endpoint residue
  }, 180_000);
});
