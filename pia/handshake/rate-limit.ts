/**
 * Initiation rate limits, docs/protocol.md §3 (WireGuard's per-source limiter): token buckets
 * per peer address (50 INIT/s) and per source prefix (/64 for IPv6, the whole /32 for IPv4:
 * 200 INIT/s). An INIT passes only when both buckets hold a token; it then takes one from each.
 *
 * Must hold:
 * - a bucket refills at its rate on the injected clock and holds at most `burst` tokens
 *   (default: one second's worth), so over any t seconds at most burst + rate·t pass;
 * - memory is bounded: at most `maxAddresses` (4096) and `maxPrefixes` (1024) buckets; beyond
 *   that the least recently used bucket is forgotten. Forgetting is safe for the peer it
 *   belonged to (it comes back full, as an idle bucket would be) and costs an attacker who
 *   cycles addresses nothing it could not get from the prefix bucket.
 */
import { TokenBuckets } from '../../common/index.js';
import type { Clock } from '../../common/index.js';
import { isIpv4Mapped } from '../address.js';

export interface RateLimitOptions {
  readonly perAddressPerSecond?: number;
  readonly perPrefixPerSecond?: number;
  /** Tokens a full bucket holds; default = the per-second rate. */
  readonly addressBurst?: number;
  readonly prefixBurst?: number;
  readonly maxAddresses?: number;
  readonly maxPrefixes?: number;
}

export const RATE_LIMIT_DEFAULTS = {
  perAddressPerSecond: 50,
  perPrefixPerSecond: 200,
  maxAddresses: 4096,
  maxPrefixes: 1024,
} as const;

/** A table of token buckets keyed by string, least recently used first (Map order). */
export class InitiationRateLimiter {
  readonly #clock: Clock;
  readonly #addresses: TokenBuckets;
  readonly #prefixes: TokenBuckets;

  constructor(clock: Clock, options: RateLimitOptions = {}) {
    this.#clock = clock;
    const perAddress = options.perAddressPerSecond ?? RATE_LIMIT_DEFAULTS.perAddressPerSecond;
    const perPrefix = options.perPrefixPerSecond ?? RATE_LIMIT_DEFAULTS.perPrefixPerSecond;
    this.#addresses = new TokenBuckets(perAddress, options.addressBurst ?? perAddress, options.maxAddresses ?? RATE_LIMIT_DEFAULTS.maxAddresses);
    this.#prefixes = new TokenBuckets(perPrefix, options.prefixBurst ?? perPrefix, options.maxPrefixes ?? RATE_LIMIT_DEFAULTS.maxPrefixes);
  }

  /** True (and one token spent from each bucket) when an INIT from `addr16` may be handled. */
  allow(addr16: Uint8Array): boolean {
    const now = this.#clock.now();
    const hex = Buffer.from(addr16.buffer, addr16.byteOffset, addr16.byteLength).toString('hex');
    const prefix = isIpv4Mapped(addr16) ? hex : hex.slice(0, 16); // /32 of IPv4, /64 of IPv6
    const address = this.#addresses.take(hex, now);
    const net = this.#prefixes.take(prefix, now);
    if (address.tokens < 1 || net.tokens < 1) return false;
    address.tokens -= 1;
    net.tokens -= 1;
    return true;
  }

  /** Buckets held now (bounded by maxAddresses and maxPrefixes). */
  get size(): { readonly addresses: number; readonly prefixes: number } {
    return { addresses: this.#addresses.size, prefixes: this.#prefixes.size };
  }
}
