/** AEAD suite identifiers on the wire (docs/protocol.md §5). */
export const SuiteId = {
  /** AES-256-GCM with a 16-byte ICV, RFC 4106. */
  AesGcm256: 1,
  /** ChaCha20-Poly1305, RFC 7634. */
  ChaCha20Poly1305: 2,
} as const;
export type SuiteId = (typeof SuiteId)[keyof typeof SuiteId];

export const SUITE_NAMES: Readonly<Record<SuiteId, string>> = {
  1: 'aes-gcm',
  2: 'chacha20',
};

export function isSuiteId(n: number): n is SuiteId {
  return n === 1 || n === 2;
}
