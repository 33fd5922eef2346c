/**
 * Deterministic randomness for tests: a SHA-256 counter stream from a seed, with an optional
 * queue of exact values served first (to pin private keys, nonces and SPIs).
 */
import { createHash } from 'node:crypto';
import type { KxRandom } from '../random.js';

export interface ScriptedRandom extends KxRandom {
  /** Serves these chunks, in order, before the seeded stream; each must match the length asked. */
  queue(...chunks: Uint8Array[]): void;
  /** Every chunk served so far, in order. */
  readonly served: Uint8Array[];
}

export function seededRandom(seed: string): ScriptedRandom {
  const queued: Uint8Array[] = [];
  const served: Uint8Array[] = [];
  let counter = 0;
  let pool = new Uint8Array(0);
  return {
    served,
    queue(...chunks) {
      queued.push(...chunks);
    },
    bytes(n) {
      const next = queued.shift();
      if (next !== undefined) {
        if (next.length !== n) throw new Error(`seededRandom: queued ${next.length} bytes but ${n} were asked for`);
        served.push(next.slice());
        return next.slice();
      }
      while (pool.length < n) {
        const block = createHash('sha256').update(`${seed}/${counter++}`).digest();
        pool = Uint8Array.from([...pool, ...block]);
      }
      const out = pool.slice(0, n);
      pool = pool.slice(n);
      served.push(out.slice());
      return out;
    },
  };
}

/** A random whose every draw is `value` repeated: for jitter at its extremes. */
export function constantRandom(value: number): KxRandom {
  return { bytes: (n) => new Uint8Array(n).fill(value) };
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function unhex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}
