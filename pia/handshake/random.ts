/**
 * Randomness, injected (docs/architecture.md#conventions: inject randomness), so a whole
 * exchange can be replayed byte for byte in tests. In production `systemRandom()` (the OS CSPRNG) is the only choice:
 * nonces, DH private keys, SPIs and cookie secrets come from here.
 */
import { randomBytes, randomFillSync } from 'node:crypto';
import { MIN_SPI } from './messages.js';

export interface KxRandom {
  /** `n` fresh bytes. Must be cryptographically strong outside tests. */
  bytes(n: number): Uint8Array;
}

/** Bytes fetched from the CSPRNG at once: an exchange's small draws (SPIs, nonces, jitter) share one call. */
const POOL_BYTES = 512;

/**
 * The OS CSPRNG (OpenSSL's RAND_bytes, as `randomBytes`). Must hold: each byte is handed out
 * once: a draw is copied out of the pool and its place zeroed at once, so the pool holds only
 * bytes not yet drawn; a draw larger than the pool bypasses it. (One fill per ~500 bytes
 * instead of one call per draw: each call costs ~3 µs whatever its size.)
 */
export function systemRandom(): KxRandom {
  const pool = new Uint8Array(POOL_BYTES);
  let at = POOL_BYTES;
  return {
    bytes: (n) => {
      if (n > POOL_BYTES) return new Uint8Array(randomBytes(n));
      if (at + n > POOL_BYTES) {
        randomFillSync(pool);
        at = 0;
      }
      const out = pool.slice(at, at + n);
      pool.fill(0, at, at + n);
      at += n;
      return out;
    },
  };
}

/** A uniform number in [0, 1) from 32 random bits. */
export function uniform(random: KxRandom): number {
  const b = random.bytes(4);
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0) / 2 ** 32;
}

/** `ms` scaled by a factor uniform in [1 − fraction, 1 + fraction) (§3: ±20 % jitter). */
export function jittered(ms: number, fraction: number, random: KxRandom): number {
  return ms * (1 + fraction * (2 * uniform(random) - 1));
}

/** Tries before `pickSpi` gives up: with a node's few hundred SAs, 64 misses mean a bug. */
const SPI_DRAWS = 64;

/**
 * A random inbound SPI: not 0–255 (RFC 4303 §2.1) and free according to `isFree` (unique
 * among the node's inbound SAs, §5 "SPIs"). Undefined when 64 draws all collide.
 */
export function pickSpi(random: KxRandom, isFree: (spi: number) => boolean): number | undefined {
  for (let i = 0; i < SPI_DRAWS; i++) {
    const b = random.bytes(4);
    const spi = new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
    if (spi >= MIN_SPI && isFree(spi)) return spi;
  }
  return undefined;
}
