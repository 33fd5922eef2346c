/**
 * The trusted server's phase-3 rate limits (docs/protocol.md §9.5 step 1): token buckets per
 * source SA (20/s), per node ID (ID_B of a P3_VOUCH, ID_A of a P3_REQ to S, ID_E of an
 * ENROLL: 20/s) and for the whole server (200/s). A request passes only when all three
 * buckets hold a token; it then takes one from each.
 *
 * Must hold: a bucket refills at its rate on the injected clock and holds at most one second's
 * worth, so over t seconds at most rate·(1 + t) pass; tables are bounded (least recently used
 * forgotten beyond `maxEntries`): memory stays bounded whatever arrives.
 */
import { TokenBuckets } from '../../common/index.js';
import type { Clock } from '../../common/index.js';
import type { NodeId } from './types.js';

export interface VouchRateLimitOptions {
  readonly perSourcePerSecond?: number;
  readonly perIdPerSecond?: number;
  readonly serverPerSecond?: number;
  /** Buckets kept per table (sources, IDs). */
  readonly maxEntries?: number;
}

export const VOUCH_RATE_LIMITS = { perSourcePerSecond: 20, perIdPerSecond: 20, serverPerSecond: 200, maxEntries: 4096 } as const;

export class VouchRateLimiter {
  readonly #clock: Clock;
  readonly #sources: TokenBuckets;
  readonly #ids: TokenBuckets;
  readonly #server: TokenBuckets;

  constructor(clock: Clock, o: VouchRateLimitOptions = {}) {
    this.#clock = clock;
    const max = o.maxEntries ?? VOUCH_RATE_LIMITS.maxEntries;
    const buckets = (perSecond: number, entries: number): TokenBuckets => new TokenBuckets(perSecond, perSecond, entries); // one second's worth
    this.#sources = buckets(o.perSourcePerSecond ?? VOUCH_RATE_LIMITS.perSourcePerSecond, max);
    this.#ids = buckets(o.perIdPerSecond ?? VOUCH_RATE_LIMITS.perIdPerSecond, max);
    this.#server = buckets(o.serverPerSecond ?? VOUCH_RATE_LIMITS.serverPerSecond, 1);
  }

  /** True (one token spent from each bucket) when a request from `source` naming `id` may be handled. */
  allow(source: string, id: NodeId): boolean {
    const now = this.#clock.now();
    const s = this.#sources.take(source, now);
    const i = this.#ids.take(Buffer.from(id).toString('hex'), now);
    const all = this.#server.take('', now);
    if (s.tokens < 1 || i.tokens < 1 || all.tokens < 1) return false;
    s.tokens -= 1;
    i.tokens -= 1;
    all.tokens -= 1;
    return true;
  }

  get size(): { readonly sources: number; readonly ids: number } {
    return { sources: this.#sources.size, ids: this.#ids.size };
  }
}
