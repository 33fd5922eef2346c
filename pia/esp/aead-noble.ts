/**
 * AEAD through @noble/ciphers 2.x (pure JS, audited): `gcm` (AES-256-GCM, 16-byte tag) and
 * `chacha20poly1305` (RFC 8439).
 *
 * noble's ChaCha20-Poly1305 takes an output buffer (CipherWithOutput), so sealing can run in
 * place inside the datagram; its GCM does not, so the result is copied into `out`. noble checks
 * the tag before it decrypts and throws 'invalid tag' on a mismatch; any throw from `decrypt`
 * after our own length checks is that, and becomes `undefined`.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { SuiteId } from '../suites-ids.js';
import { AEAD_TAG_LENGTH, aeadDisplayName, checkKeyAndNonce, checkOut, type Aead } from './aead.js';

export function nobleAead(suite: SuiteId): Aead {
  const name = aeadDisplayName(suite, 'noble');
  const withOutput = suite === SuiteId.ChaCha20Poly1305;
  const make = suite === SuiteId.ChaCha20Poly1305 ? chacha20poly1305 : gcm;
  return {
    suite,
    name,
    library: 'noble',
    seal(key, nonce, aad, plaintext, out) {
      checkKeyAndNonce(name, key, nonce);
      checkOut(name, out, plaintext.length + AEAD_TAG_LENGTH);
      if (withOutput) return chacha20poly1305(key, nonce, aad).encrypt(plaintext, out);
      const sealed = make(key, nonce, aad).encrypt(plaintext);
      if (out === undefined) return sealed;
      out.set(sealed);
      return out;
    },
    open(key, nonce, aad, sealed, out) {
      checkKeyAndNonce(name, key, nonce);
      if (sealed.length < AEAD_TAG_LENGTH) return undefined;
      checkOut(name, out, sealed.length - AEAD_TAG_LENGTH);
      let plain: Uint8Array;
      // A bad tag throws; keep that cheap (no stack trace) since forged packets cost us this.
      const stackTraceLimit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try {
        plain = withOutput ? chacha20poly1305(key, nonce, aad).decrypt(sealed, out) : make(key, nonce, aad).decrypt(sealed);
      } catch {
        return undefined;
      } finally {
        Error.stackTraceLimit = stackTraceLimit;
      }
      if (out === undefined || plain === out) return plain;
      out.set(plain);
      return out;
    },
  };
}
