/**
 * Picks an AEAD implementation by suite and library (docs/protocol.md §6).
 *
 * The hot path's default (defaultAeadLibrary): libsodium for a suite when sodium-native loaded
 * and offers that suite here, node:crypto otherwise. libsodium is the fastest of the three for
 * ChaCha20-Poly1305 (one native call per packet, no cipher object; bench/esp-seal-open.ts),
 * and node:crypto is OpenSSL with AES-NI / ARMv8 AES when the CPU has them. When sodium-native
 * did not load, `sodiumFallbackNotice` is the one line a node logs about it.
 */
import { SuiteId } from '../suites-ids.js';
import { NODE_CIPHER_NAMES, type Aead, type AeadLibrary } from './aead.js';
import { nobleAead } from './aead-noble.js';
import { nodeAead } from './aead-node.js';
import { loadSodium, sodiumAead, type SodiumStatus } from './aead-sodium.js';

const SUITES: readonly SuiteId[] = [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305];

/** The implementation of `suite` in `library`; without a library, the hot path's default for the suite. */
export function createAead(suite: SuiteId, library: AeadLibrary = defaultAeadLibrary(suite)): Aead {
  switch (library) {
    case 'noble':
      return nobleAead(suite);
    case 'node':
      return nodeAead(suite);
    case 'sodium':
      return sodiumAead(suite);
  }
}

/** libsodium when it loaded and offers `suite` here, else node:crypto. */
export function defaultAeadLibrary(suite: SuiteId, sodium: SodiumStatus = loadSodium()): AeadLibrary {
  return sodium.ok && sodium.suites.includes(suite) ? 'sodium' : 'node';
}

/**
 * "libsodium unavailable (<why>): node:crypto for chacha20-poly1305" when sodium-native did not
 * load and one of `suites` would have used it (libsodium always has ChaCha20-Poly1305), else
 * undefined. The node logs it once, at start.
 */
export function sodiumFallbackNotice(suites: readonly SuiteId[], sodium: SodiumStatus = loadSodium()): string | undefined {
  if (sodium.ok || !suites.includes(SuiteId.ChaCha20Poly1305)) return undefined;
  return `libsodium unavailable (${sodium.why}): node:crypto for ${NODE_CIPHER_NAMES[SuiteId.ChaCha20Poly1305]}`;
}

/** Every suite × library pair this host can run (libsodium's where it loaded and offers the suite), for tests and benchmarks. */
export function allAeads(sodium: SodiumStatus = loadSodium()): Aead[] {
  return SUITES.flatMap((suite) => [nobleAead(suite), nodeAead(suite), ...(sodium.ok && sodium.suites.includes(suite) ? [sodiumAead(suite, sodium)] : [])]);
}
