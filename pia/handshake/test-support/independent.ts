/**
 * A second, deliberately plain implementation of what key-schedule.ts does, for cross-checks
 * in tests: X25519 as RFC 7748 §5's pseudo-code in BigInt (not OpenSSL), HKDF as RFC 5869
 * §2.2/§2.3 written out with HMAC calls (not crypto.hkdfSync). Slow; tests only.
 */
import { createHmac } from 'node:crypto';

const P = 2n ** 255n - 19n;
const A24 = 121665n;

const mod = (a: bigint): bigint => ((a % P) + P) % P;

function powMod(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = mod(result * b);
    b = mod(b * b);
  }
  return result;
}

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] ?? 0);
  return n;
}

/** RFC 7748 §5: X25519(k, u) with clamping and the top bit of u masked. */
export function x25519Reference(scalar: Uint8Array, uBytes: Uint8Array): Uint8Array {
  const k = Uint8Array.from(scalar);
  k[0] = (k[0] ?? 0) & 248;
  k[31] = ((k[31] ?? 0) & 127) | 64;
  const u = Uint8Array.from(uBytes);
  u[31] = (u[31] ?? 0) & 127;
  const kn = littleEndian(k);
  const x1 = mod(littleEndian(u));
  let [x2, z2, x3, z3] = [1n, 0n, x1, 1n];
  let swap = 0n;
  for (let t = 254n; t >= 0n; t--) {
    const kt = (kn >> t) & 1n;
    swap ^= kt;
    if (swap) [x2, x3, z2, z3] = [x3, x2, z3, z2];
    swap = kt;
    const a = mod(x2 + z2), aa = mod(a * a), b = mod(x2 - z2), bb = mod(b * b), e = mod(aa - bb);
    const c = mod(x3 + z3), d = mod(x3 - z3), da = mod(d * a), cb = mod(c * b);
    x3 = mod((da + cb) ** 2n);
    z3 = mod(x1 * (da - cb) ** 2n);
    x2 = mod(aa * bb);
    z2 = mod(e * (aa + A24 * e));
  }
  if (swap) [x2, z2] = [x3, z3];
  let out = mod(x2 * powMod(z2, P - 2n));
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    bytes[i] = Number(out & 0xffn);
    out >>= 8n;
  }
  return bytes;
}

const hmac = (key: Uint8Array, ...parts: Uint8Array[]): Buffer => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
};

/** RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM), an empty salt meaning HashLen zeros. */
export function hkdfExtractReference(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return new Uint8Array(hmac(salt.length === 0 ? new Uint8Array(32) : salt, ikm));
}

/** RFC 5869 §2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i), OKM = first L bytes. */
export function hkdfExpandReference(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out: number[] = [];
  let t = new Uint8Array(0);
  for (let i = 1; out.length < length; i++) {
    t = new Uint8Array(hmac(prk, t, info, Uint8Array.of(i)));
    out.push(...t);
  }
  return Uint8Array.from(out.slice(0, length));
}
