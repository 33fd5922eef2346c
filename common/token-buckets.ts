/**
 * Token buckets by key, for rate limits on untrusted input (PIA's initiations, docs/protocol.md
 * §3, and the trusted server's vouches, §9.5).
 *
 * Must hold: memory is bounded whatever keys arrive: at most `max` buckets, the least recently
 * used forgotten first (a forgotten key starts again with a full bucket, which only errs toward
 * letting a legitimate peer through). A bucket holds at most `burst` tokens and refills at
 * `rate` per second of the caller's clock.
 */
export interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly max: number,
  ) {}

  /** The bucket for `key`, refilled to `now` (ms), moved to most recently used. */
  take(key: string, now: number): Bucket {
    const found = this.#buckets.get(key);
    const bucket = found ?? { tokens: this.burst, at: now };
    if (found !== undefined) this.#buckets.delete(key);
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) * this.rate) / 1000);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    while (this.#buckets.size > this.max) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest === undefined) break;
      this.#buckets.delete(oldest);
    }
    return bucket;
  }

  get size(): number {
    return this.#buckets.size;
  }
}
