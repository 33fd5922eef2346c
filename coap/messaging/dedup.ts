/**
 * Message deduplication (RFC 7252 §4.5): a CON or NON message ID from one endpoint is
 * remembered for EXCHANGE_LIFETIME (CON) or NON_LIFETIME (NON). A duplicate CON gets the
 * reply recorded for the original again (a piggybacked response, or the empty ACK of a
 * separate response) and is not processed twice; a duplicate NON is ignored.
 *
 * Bounded: at most `max` entries; beyond that the oldest are forgotten (a forgotten ID can
 * only make a very late duplicate be processed again, which §4.5 accepts for idempotent
 * requests and what the bound exists to trade for).
 */
import type { Clock } from '../../common/index.js';

export interface DedupEntry {
  readonly expiresAt: number;
  /** The encoded reply sent for the original, once there is one. */
  reply: Uint8Array | undefined;
}

export class DedupCache {
  readonly #entries = new Map<string, DedupEntry>();

  constructor(
    private readonly clock: Clock,
    private readonly max: number,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  lookup(key: string): DedupEntry | undefined {
    this.#purge();
    const e = this.#entries.get(key);
    return e !== undefined && e.expiresAt > this.clock.now() ? e : undefined;
  }

  add(key: string, lifetimeMs: number): DedupEntry {
    const entry: DedupEntry = { expiresAt: this.clock.now() + lifetimeMs, reply: undefined };
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    return entry;
  }

  /** Drops expired entries from the old end (insertion order ≈ expiry order). */
  #purge(): void {
    const now = this.clock.now();
    for (const [key, e] of this.#entries) {
      if (e.expiresAt > now) break;
      this.#entries.delete(key);
    }
  }
}
