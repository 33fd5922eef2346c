/**
 * Bench: what abandoned key exchanges leave behind in a responder (docs/protocol.md §3
 * "half-open lifetime"). Endpoints each begin an exchange (INIT, the cookie round when the
 * responder demands it, RESP) and never send CONFIRM, 100 per second of simulated time, on the
 * in-memory network with a ManualClock (so simulated time passes and half-open exchanges expire).
 *
 * In one run, the same responder node:
 *   fresh — the CPU time per INIT of the first 2,000 abandoned exchanges;
 *   after — the CPU time per INIT of 2,000 more, once N (default 100,000) were abandoned;
 * and the heap (after GC) at both points, and the node's table sizes at the end.
 * The ratio after ÷ fresh is what a datagram costs more once many endpoints came and went.
 *
 * Run: npx tsx bench/abandoned-exchanges.ts [N, default 100000]
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ManualClock } from '../common/index.js';
import { MemoryLatchStore } from '../pia/discovery/index.js';
import { PiaNode, createMemoryNetwork, type Endpoint } from '../pia/node/index.js';
import { abandoner } from '../pia/node/test-support/index.js';

const WINDOW = 2_000;
const PER_STEP = 10;
const STEP_MS = 100;
const RESPONDER: Endpoint = { address: '2001:db8:b::1', port: 4500 };

export interface AbandonedResult {
  readonly abandoned: number;
  readonly freshMicrosPerInit: number;
  readonly afterMicrosPerInit: number;
  readonly ratio: number;
  readonly heapFreshMb: number;
  readonly heapAfterMb: number;
  readonly peersAtEnd: number;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1e6;
};

export async function main(total = 100_000): Promise<AbandonedResult> {
  const clock = new ManualClock();
  const net = createMemoryNetwork({ clock });
  const node = new PiaNode({ transport: net.attach(RESPONDER.address, RESPONDER.port), clock, latches: new MemoryLatchStore() });
  const attacker = abandoner(net, RESPONDER);
  let n = 0;
  /** `count` more abandoned exchanges; the process CPU µs they took per INIT. */
  const run = async (count: number): Promise<number> => {
    const cpu = process.cpuUsage();
    for (const end = n + count; n < end; ) {
      for (let k = 0; k < PER_STEP; k++, n++) attacker.begin(n);
      await clock.advance(STEP_MS);
    }
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / count;
  };
  await run(WINDOW); // warm-up: JIT, the half-open working set
  const freshMicros = await run(WINDOW);
  const heapFresh = heapMb();
  await run(total - 3 * WINDOW);
  const afterMicros = await run(WINDOW);
  const heapAfter = heapMb();
  const result: AbandonedResult = {
    abandoned: n,
    freshMicrosPerInit: freshMicros,
    afterMicrosPerInit: afterMicros,
    ratio: afterMicros / freshMicros,
    heapFreshMb: heapFresh,
    heapAfterMb: heapAfter,
    peersAtEnd: node.tableSizes.peers,
  };
  await node.close();
  console.log(`Abandoned key exchanges (INIT, cookie round, RESP, no CONFIRM; ${1000 / STEP_MS * PER_STEP}/s of simulated time) against one responder node, in memory`);
  console.log(`  CPU per INIT: after ${n - WINDOW} abandoned ${afterMicros.toFixed(0)} µs, fresh (after ${WINDOW}) ${freshMicros.toFixed(0)} µs: ratio ${result.ratio.toFixed(2)}`);
  console.log(`  heap after GC: ${heapFresh.toFixed(1)} MB → ${heapAfter.toFixed(1)} MB (${(heapAfter - heapFresh).toFixed(1)} MB for ${n - 2 * WINDOW} more); peers held at the end ${result.peersAtEnd} (the half-open working set)`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv[2] === undefined ? undefined : Number(process.argv[2]));
