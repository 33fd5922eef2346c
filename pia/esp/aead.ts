/**
 * The AEAD seam of the ESP data plane (docs/protocol.md §6): one interface, up to three
 * libraries per suite (@noble/ciphers, node:crypto/OpenSSL, libsodium through sodium-native),
 * so the hot path can pick the fastest one (aead-select.ts) and tests can check each against
 * the others.
 *
 * What must hold for every implementation:
 * - key 32 bytes, nonce 12 bytes (salt 4 | IV 8, RFC 4106 §4, RFC 7634 §2), tag 16 bytes
 *   appended to the ciphertext (RFC 4106 §6: ICV of 16 octets; RFC 7634 §2);
 * - `open` returns `undefined` when the tag does not verify, and never throws for a bad tag or
 *   a sealed input shorter than the tag: an ICV failure is data, not an exception;
 * - no plaintext is returned (or written to `out`) unless the tag verified;
 * - nothing keeps a key: keys are passed per call and never appear in an error message.
 * Wrong key or nonce lengths are programming errors: they throw a RangeError that names the
 * length, never the bytes.
 */
import { SUITE_NAMES, SuiteId } from '../suites-ids.js';

export const AEAD_KEY_LENGTH = 32;
export const AEAD_NONCE_LENGTH = 12;
export const AEAD_TAG_LENGTH = 16;

export type AeadLibrary = 'noble' | 'node' | 'sodium';

/** How logs and benchmarks name each library. */
export const AEAD_LIBRARY_NAMES = {
  noble: '@noble/ciphers',
  node: 'node:crypto',
  sodium: 'libsodium',
} as const satisfies Record<AeadLibrary, string>;

export interface Aead {
  readonly suite: SuiteId;
  /** For logs and benchmarks, e.g. "aes-256-gcm (node:crypto)". */
  readonly name: string;
  readonly library: AeadLibrary;
  /**
   * Returns ciphertext ‖ 16-byte tag. With `out` (exactly plaintext.length + 16 bytes), writes
   * there and returns it; `out` may start at the same byte as `plaintext` (in-place sealing).
   */
  seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out?: Uint8Array): Uint8Array;
  /**
   * Returns the plaintext, or `undefined` when the tag does not verify (or `sealed` is shorter
   * than a tag). With `out` (exactly sealed.length − 16 bytes), writes there only on success.
   */
  open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, out?: Uint8Array): Uint8Array | undefined;
}

/** OpenSSL / node:crypto cipher names per suite. */
export const NODE_CIPHER_NAMES = {
  [SuiteId.AesGcm256]: 'aes-256-gcm',
  [SuiteId.ChaCha20Poly1305]: 'chacha20-poly1305',
} as const satisfies Record<SuiteId, string>;

export function aeadDisplayName(suite: SuiteId, library: AeadLibrary): string {
  return `${NODE_CIPHER_NAMES[suite]} (${AEAD_LIBRARY_NAMES[library]})`;
}

/** Throws a RangeError naming what is wrong (lengths only: never the key bytes). */
export function checkKeyAndNonce(name: string, key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== AEAD_KEY_LENGTH) {
    throw new RangeError(`AEAD ${name}: key must be ${AEAD_KEY_LENGTH} bytes, got ${key.length}; pass the 32-byte key without the 4-byte salt`);
  }
  if (nonce.length !== AEAD_NONCE_LENGTH) {
    throw new RangeError(`AEAD ${name}: nonce must be ${AEAD_NONCE_LENGTH} bytes (salt 4 | IV 8), got ${nonce.length}`);
  }
}

export function checkOut(name: string, out: Uint8Array | undefined, want: number): void {
  if (out !== undefined && out.length !== want) {
    throw new RangeError(`AEAD ${name}: output buffer must be ${want} bytes, got ${out.length}`);
  }
}

export function suiteName(suite: SuiteId): string {
  return SUITE_NAMES[suite];
}
