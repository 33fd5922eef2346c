/**
 * The phase-2 key schedule, docs/protocol.md §5 "Key schedule":
 *
 *   1. Z   = X25519(own private, peer public), refused when all zero (RFC 7748 §6.1)
 *   2. T   = SHA-256("PIA-v1 transcript" | INIT_bytes | RESP_bytes_without_MAC)
 *   3. KM  = HKDF-SHA256(IKM = Z, salt = Ni | Nr, info = "PIA-v1 keys" | T, L = 136)  RFC 5869
 *   4. K_mac_r = KM[0..32), K_mac_i = KM[32..64),
 *      KEYMAT_i2r = KM[64..100), KEYMAT_r2i = KM[100..136)   (32-byte key | 4-byte salt)
 *   5. MAC_R = HMAC-SHA256(K_mac_r, "PIA-v1 resp" | T), MAC_I = HMAC-SHA256(K_mac_i, "PIA-v1 conf" | T)
 *
 * Must hold: secrets (private keys, Z, KM, MAC keys, KEYMAT) never reach a string: the classes
 * holding them print as "[redacted]" under toString, JSON and util.inspect; MACs are compared
 * in constant time (crypto.timingSafeEqual).
 */
import { createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, timingSafeEqual, type JsonWebKey, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';

export const X25519_BYTES = 32;
/** RFC 4106 §8.1 / RFC 7634 §2: a 32-byte key followed by a 4-byte salt. */
export const KEYMAT_BYTES = 36;
const KM_BYTES = 64 + 2 * KEYMAT_BYTES;

const LABEL_TRANSCRIPT = Buffer.from('PIA-v1 transcript', 'ascii');
const LABEL_KEYS = Buffer.from('PIA-v1 keys', 'ascii');
const LABEL_RESP = Buffer.from('PIA-v1 resp', 'ascii');
const LABEL_CONF = Buffer.from('PIA-v1 conf', 'ascii');

// Raw keys enter node:crypto as JWK (RFC 8037 §2): measured here (Node 20, OpenSSL 3) ~8 µs
// for a public key against ~100 µs for the equivalent SPKI DER (OpenSSL's decoder lookup). For a private key Node reads only `d` (`x` must be
// a string but is not used: the public value is computed from `d`). Base64url straight from
// the caller's bytes (a Buffer view, no copy).
const b64url = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
const jwkPrivate = (d: Uint8Array): JsonWebKey => ({ kty: 'OKP', crv: 'X25519', d: b64url(d), x: '' });
const jwkPublic = (x: Uint8Array): JsonWebKey => ({ kty: 'OKP', crv: 'X25519', x: b64url(x) });

/** An X25519 key pair made from 32 private bytes (clamped inside X25519, RFC 7748 §5). */
export class X25519KeyPair {
  readonly #private: KeyObject;
  readonly publicKey: Uint8Array;

  constructor(privateBytes: Uint8Array) {
    if (privateBytes.length !== X25519_BYTES) throw new RangeError(`X25519 private key must be ${X25519_BYTES} bytes, got ${privateBytes.length}`);
    this.#private = createPrivateKey({ key: jwkPrivate(privateBytes), format: 'jwk' });
    // The public value as the key's own JWK `x` (RFC 8037 §2): cheaper than deriving a public
    // KeyObject first. Only `x` is kept; the object holding `d` is dropped at once.
    this.publicKey = new Uint8Array(Buffer.from(this.#private.export({ format: 'jwk' }).x ?? '', 'base64url'));
  }

  /** Z with the peer's public value, or undefined when it is all zero (a low-order point). */
  sharedSecret(peerPublic: Uint8Array): Uint8Array | undefined {
    if (peerPublic.length !== X25519_BYTES) return undefined;
    let z: Buffer;
    try {
      const publicKey = createPublicKey({ key: jwkPublic(peerPublic), format: 'jwk' });
      z = diffieHellman({ privateKey: this.#private, publicKey });
    } catch {
      return undefined; // OpenSSL refuses an all-zero result itself ("failed during derivation")
    }
    let acc = 0;
    for (let i = 0; i < z.length; i++) acc |= z[i]!;
    return acc === 0 ? undefined : z; // a Buffer of its own (not pooled): the caller zeroes it after use
  }

  toString(): string {
    return 'X25519KeyPair [redacted]';
  }
  toJSON(): string {
    return this.toString();
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

/** X25519(scalar, u) per RFC 7748 §5, or undefined for an all-zero result (§6.1). */
export function x25519(scalar: Uint8Array, u: Uint8Array): Uint8Array | undefined {
  return new X25519KeyPair(scalar).sharedSecret(u);
}

/**
 * Secret bytes that stay a Uint8Array (callers read and wipe them as such) but never print:
 * toString, JSON and util.inspect show "[redacted]". Used for the phase-2 DH secret Z that
 * `NegotiatedKeys` hands on to phase 3 (docs/protocol.md §9.3).
 */
export class SecretBytes extends Uint8Array {
  override toString(): string {
    return 'SecretBytes [redacted]';
  }
  toJSON(): string {
    return this.toString();
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

/** One direction's ESP key material: a 32-byte AEAD key and a 4-byte nonce salt. */
export class Keymat {
  readonly #bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    if (bytes.length !== KEYMAT_BYTES) throw new RangeError(`KEYMAT must be ${KEYMAT_BYTES} bytes, got ${bytes.length}`);
    this.#bytes = bytes.slice();
  }
  /** The AEAD key (32 bytes); a copy. */
  get key(): Uint8Array {
    return this.#bytes.slice(0, 32);
  }
  /** The 4-byte salt, the nonce's first 4 bytes (RFC 4106 §4, RFC 7634 §2); a copy. */
  get salt(): Uint8Array {
    return this.#bytes.slice(32, 36);
  }
  /** Key then salt, as Wireshark's esp_sa table wants them (§8); a copy. */
  get bytes(): Uint8Array {
    return this.#bytes.slice();
  }
  equals(other: Keymat): boolean {
    return timingSafeEqual(this.#bytes, other.#bytes);
  }
  toString(): string {
    return 'Keymat [redacted]';
  }
  toJSON(): string {
    return this.toString();
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

/** What the schedule yields for one exchange. MAC keys stay inside (closures). */
export interface SessionSecrets {
  readonly i2r: Keymat;
  readonly r2i: Keymat;
  macR(t: Uint8Array): Uint8Array;
  macI(t: Uint8Array): Uint8Array;
}

export function transcriptHash(initBytes: Uint8Array, respWithoutMac: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(LABEL_TRANSCRIPT).update(initBytes).update(respWithoutMac).digest());
}

/** HKDF-SHA256 (RFC 5869 §2.2 Extract then §2.3 Expand) through OpenSSL. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
}

export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** Steps 3–5 for an exchange whose Z, nonces and T are known. */
export function deriveSession(z: Uint8Array, ni: Uint8Array, nr: Uint8Array, t: Uint8Array): SessionSecrets {
  const km = hkdfSha256(z, Buffer.concat([ni, nr]), Buffer.concat([LABEL_KEYS, t]), KM_BYTES);
  const kMacR = km.slice(0, 32);
  const kMacI = km.slice(32, 64);
  const session: SessionSecrets = {
    i2r: new Keymat(km.subarray(64, 100)),
    r2i: new Keymat(km.subarray(100, 136)),
    macR: (tr) => hmacSha256(kMacR, LABEL_RESP, tr),
    macI: (tr) => hmacSha256(kMacI, LABEL_CONF, tr),
  };
  km.fill(0);
  return session;
}

/** Constant-time equality for MACs and cookies; false (not a throw) on length mismatch. */
export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
