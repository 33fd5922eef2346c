import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, it, expect } from 'vitest';
import { Keymat, X25519KeyPair, deriveSession, hkdfSha256, hmacSha256, macEquals, transcriptHash, x25519 } from './key-schedule.js';
import { flipBit, hex, hkdfExpandReference, hkdfExtractReference, unhex, x25519Reference } from './test-support/index.js';
import hkdfVectors from './vectors/rfc5869-hkdf.json' with { type: 'json' };
import x25519Vectors from './vectors/rfc7748-x25519.json' with { type: 'json' };

describe('X25519 through node:crypto (RFC 7748)', () => {
  it('§5.2 scalar multiplication vectors; the independent BigInt ladder agrees', () => {
    for (const v of x25519Vectors.scalarMult) {
      expect(hex(x25519(unhex(v.scalar), unhex(v.u))!)).toBe(v.out);
      expect(hex(x25519Reference(unhex(v.scalar), unhex(v.u)))).toBe(v.out);
    }
  });

  it('tampered inputs give another output; the bits RFC 7748 says to ignore are ignored', () => {
    for (const v of x25519Vectors.scalarMult) {
      const [k, u] = [unhex(v.scalar), unhex(v.u)];
      expect(hex(x25519(flipBit(k, 10, 3), u)!)).not.toBe(v.out);
      expect(hex(x25519(k, flipBit(u, 0, 1))!)).not.toBe(v.out);
      expect(hex(x25519(flipBit(k, 0, 0), u)!)).toBe(v.out); // clamped: k[0] &= 248
      expect(hex(x25519(k, flipBit(u, 31, 7))!)).toBe(v.out); // u's top bit is masked (§5)
    }
  });

  it('§5.2 iterated: after 1 and 1000 iterations', () => {
    let k = unhex(x25519Vectors.iterated.start);
    let u = unhex(x25519Vectors.iterated.start);
    for (let i = 1; i <= 1000; i++) {
      [k, u] = [x25519(k, u)!, k];
      if (i === 1) expect(hex(k)).toBe(x25519Vectors.iterated.after1);
    }
    expect(hex(k)).toBe(x25519Vectors.iterated.after1000);
  });

  it('§6.1 Diffie-Hellman: public keys from private ones, the same Z both ways', () => {
    const d = x25519Vectors.dh;
    const alice = new X25519KeyPair(unhex(d.alicePrivate));
    const bob = new X25519KeyPair(unhex(d.bobPrivate));
    expect(hex(alice.publicKey)).toBe(d.alicePublic);
    expect(hex(bob.publicKey)).toBe(d.bobPublic);
    expect(hex(alice.sharedSecret(bob.publicKey)!)).toBe(d.shared);
    expect(hex(bob.sharedSecret(alice.publicKey)!)).toBe(d.shared);
    expect(hex(alice.sharedSecret(flipBit(bob.publicKey, 5))!)).not.toBe(d.shared);
  });

  it('§6.1: a low-order public value (all-zero Z) is refused, and a wrong-length one', () => {
    const pair = new X25519KeyPair(unhex(x25519Vectors.dh.alicePrivate));
    for (const u of x25519Vectors.lowOrder) {
      expect(pair.sharedSecret(unhex(u))).toBeUndefined();
      expect(hex(x25519Reference(unhex(x25519Vectors.dh.alicePrivate), unhex(u)))).toBe('00'.repeat(32));
    }
    expect(pair.sharedSecret(new Uint8Array(31))).toBeUndefined();
    expect(() => new X25519KeyPair(new Uint8Array(31))).toThrow(/32 bytes/);
  });
});

describe('HKDF-SHA256 (RFC 5869 Appendix A)', () => {
  it('test cases 1–3 through hkdfSha256, and through the written-out Extract/Expand', () => {
    for (const c of hkdfVectors.cases) {
      const [ikm, salt, info] = [unhex(c.ikm), unhex(c.salt), unhex(c.info)];
      expect(hex(hkdfSha256(ikm, salt, info, c.length)), c.name).toBe(c.okm);
      const prk = hkdfExtractReference(salt, ikm);
      expect(hex(prk), c.name).toBe(c.prk);
      expect(hex(hkdfExpandReference(prk, info, c.length)), c.name).toBe(c.okm);
    }
  });

  it('a flipped bit in IKM, salt or info changes the output', () => {
    const c = hkdfVectors.cases[0]!;
    const [ikm, salt, info] = [unhex(c.ikm), unhex(c.salt), unhex(c.info)];
    expect(hex(hkdfSha256(flipBit(ikm, 0), salt, info, c.length))).not.toBe(c.okm);
    expect(hex(hkdfSha256(ikm, flipBit(salt, 12, 7), info, c.length))).not.toBe(c.okm);
    expect(hex(hkdfSha256(ikm, salt, flipBit(info, 9), c.length))).not.toBe(c.okm);
  });
});

describe('the PIA key schedule (docs/protocol.md §5)', () => {
  const z = new Uint8Array(32).fill(0x5a);
  const ni = new Uint8Array(32).fill(1);
  const nr = new Uint8Array(32).fill(2);
  const t = transcriptHash(Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5));

  it('splits HKDF(Z, Ni|Nr, "PIA-v1 keys"|T, 136) into MAC keys and two KEYMATs', () => {
    const km = hkdfExpandReference(hkdfExtractReference(Uint8Array.from([...ni, ...nr]), z), Uint8Array.from([...Buffer.from('PIA-v1 keys'), ...t]), 136);
    const s = deriveSession(z, ni, nr, t);
    expect(hex(s.i2r.bytes)).toBe(hex(km.subarray(64, 100)));
    expect(hex(s.r2i.bytes)).toBe(hex(km.subarray(100, 136)));
    expect(hex(s.i2r.key)).toBe(hex(km.subarray(64, 96)));
    expect(hex(s.i2r.salt)).toBe(hex(km.subarray(96, 100)));
    expect(hex(s.macR(t))).toBe(hex(hmacSha256(km.subarray(0, 32), Buffer.from('PIA-v1 resp'), t)));
    expect(hex(s.macI(t))).toBe(hex(hmacSha256(km.subarray(32, 64), Buffer.from('PIA-v1 conf'), t)));
  });

  it('role labels and separate keys: MAC_R ≠ MAC_I, and each depends on T', () => {
    const s = deriveSession(z, ni, nr, t);
    expect(hex(s.macR(t))).not.toBe(hex(s.macI(t)));
    expect(hex(s.macR(flipBit(t, 31)))).not.toBe(hex(s.macR(t)));
    expect(s.i2r.equals(s.r2i)).toBe(false);
    expect(deriveSession(z, flipBit(ni, 0), nr, t).i2r.equals(s.i2r)).toBe(false);
    expect(deriveSession(z, ni, nr, flipBit(t, 0)).i2r.equals(s.i2r)).toBe(false);
  });

  it('T = SHA-256("PIA-v1 transcript" | INIT part | RESP part)', () => {
    const direct = createHash('sha256').update('PIA-v1 transcript').update(Uint8Array.of(1, 2, 3, 4, 5)).digest('hex');
    expect(hex(t)).toBe(direct);
    expect(hex(transcriptHash(Uint8Array.of(1, 2, 3), Uint8Array.of(4, 6)))).not.toBe(direct);
  });

  it('macEquals is false on a flipped bit or another length, true on equal bytes', () => {
    const m = hmacSha256(z, t);
    expect(macEquals(m, Uint8Array.from(m))).toBe(true);
    expect(macEquals(m, flipBit(m, 31, 7))).toBe(false);
    expect(macEquals(m, m.subarray(0, 31))).toBe(false);
  });

  it('secrets never reach a string: Keymat and key pairs print as [redacted]', () => {
    const s = deriveSession(z, ni, nr, t);
    const pair = new X25519KeyPair(z);
    const keyHex = hex(s.i2r.key);
    for (const text of [String(s.i2r), JSON.stringify({ s, pair }), inspect({ s, pair }, { depth: 5, showHidden: true }), `${pair.toString()}`]) {
      expect(text).not.toContain(keyHex);
      expect(text).not.toContain(hex(z));
      expect(text).not.toContain(keyHex.slice(0, 16));
    }
    expect(inspect(s.i2r)).toBe('Keymat [redacted]');
    expect(() => new Keymat(new Uint8Array(35))).toThrow(/36 bytes/);
  });
});
