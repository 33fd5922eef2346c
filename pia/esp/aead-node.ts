/**
 * AEAD through node:crypto (OpenSSL): 'aes-256-gcm' (RFC 4106 with a 16-byte ICV) and
 * 'chacha20-poly1305' (RFC 7634 / RFC 8439), tag length pinned to 16 so a shorter tag can
 * never be accepted (node would otherwise accept a truncated GCM tag on decrypt).
 *
 * A cipher object is per call (OpenSSL contexts cannot be re-keyed through this API); the
 * update output is copied into `out` when given. Decrypt: `final()` throws on a bad tag, which
 * is turned into `undefined`; the unverified plaintext from `update()` is wiped and dropped.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { SuiteId } from '../suites-ids.js';
import { AEAD_TAG_LENGTH, NODE_CIPHER_NAMES, aeadDisplayName, checkKeyAndNonce, checkOut, type Aead } from './aead.js';

export function nodeAead(suite: SuiteId): Aead {
  const cipherName = NODE_CIPHER_NAMES[suite];
  const name = aeadDisplayName(suite, 'node');
  const options = { authTagLength: AEAD_TAG_LENGTH };
  return {
    suite,
    name,
    library: 'node',
    seal(key, nonce, aad, plaintext, out) {
      checkKeyAndNonce(name, key, nonce);
      checkOut(name, out, plaintext.length + AEAD_TAG_LENGTH);
      // The overloads key on the literal algorithm; both suites share this shape.
      const cipher = createCipheriv(cipherName as 'aes-256-gcm', key, nonce, options);
      cipher.setAAD(aad, { plaintextLength: plaintext.length });
      const body = cipher.update(plaintext);
      const tail = cipher.final(); // empty for both stream-mode AEADs
      const tag = cipher.getAuthTag();
      const result = out ?? new Uint8Array(plaintext.length + AEAD_TAG_LENGTH);
      result.set(body, 0);
      result.set(tail, body.length);
      result.set(tag, plaintext.length);
      return result;
    },
    open(key, nonce, aad, sealed, out) {
      checkKeyAndNonce(name, key, nonce);
      if (sealed.length < AEAD_TAG_LENGTH) return undefined;
      const textLength = sealed.length - AEAD_TAG_LENGTH;
      checkOut(name, out, textLength);
      const decipher = createDecipheriv(cipherName as 'aes-256-gcm', key, nonce, options);
      decipher.setAAD(aad, { plaintextLength: textLength });
      decipher.setAuthTag(sealed.subarray(textLength));
      const body = decipher.update(sealed.subarray(0, textLength));
      // final() throws on a bad tag. Forged packets are the attacker's cheapest lever, so the
      // throw must stay cheap: no stack trace is captured for an error nobody will see.
      const stackTraceLimit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try {
        decipher.final();
      } catch {
        body.fill(0);
        return undefined;
      } finally {
        Error.stackTraceLimit = stackTraceLimit;
      }
      if (out === undefined) return body;
      out.set(body);
      return out;
    },
  };
}
