import { describe, expect, it } from 'vitest';
import { SuiteId } from '../suites-ids.js';
import type { Aead } from './aead.js';
import { allAeads } from './aead-select.js';
import { loadSodium } from './aead-sodium.js';
import { aeadVectors, bitFlips, concat, rfc7634Vector, tampered, toHex, type AeadVector } from './test-support/index.js';

const gcmImpls = allAeads().filter((a) => a.suite === SuiteId.AesGcm256);
const chachaImpls = allAeads().filter((a) => a.suite === SuiteId.ChaCha20Poly1305);

describe('the implementations under test', () => {
  it('libsodium loads here (sodium-native is a dependency with linux-x64 and linux-arm64 prebuilds), so its ChaCha20-Poly1305 runs every vector below', () => {
    const sodium = loadSodium();
    expect(sodium.ok ? 'loaded' : sodium.why).toBe('loaded');
    expect(chachaImpls.map((a) => a.library).sort()).toEqual(['noble', 'node', 'sodium']);
    // sodium-native 5.1 binds no AES-256-GCM; a later binding on an AES CPU would add a third one here.
    expect(gcmImpls.map((a) => a.library)).toEqual(expect.arrayContaining(['noble', 'node']));
  });
});

/** Every tampered input (ciphertext, tag, AAD, nonce) must be refused. */
function expectTamperRejected(aead: Aead, v: { key: Uint8Array; nonce: Uint8Array; aad: Uint8Array; ct: Uint8Array; tag: Uint8Array }): void {
  const cases: [string, Uint8Array, Uint8Array, Uint8Array][] = [];
  for (const ct of tampered(v.ct)) cases.push(['ciphertext', v.nonce, v.aad, concat(ct, v.tag)]);
  for (const tag of bitFlips(v.tag)) cases.push(['tag', v.nonce, v.aad, concat(v.ct, tag)]);
  for (const aad of tampered(v.aad)) cases.push(['aad', v.nonce, aad, concat(v.ct, v.tag)]);
  for (const nonce of bitFlips(v.nonce)) cases.push(['nonce', nonce, v.aad, concat(v.ct, v.tag)]);
  expect(new Set(cases.map((c) => c[0])).size).toBe(4); // all four fields tampered
  for (const [what, nonce, aad, sealed] of cases) {
    expect(aead.open(v.key, nonce, aad, sealed), `${aead.name}: tampered ${what}`).toBeUndefined();
  }
}

function checkVector(aead: Aead, v: AeadVector): void {
  const sealed = concat(v.ct, v.tag);
  if (v.result === 'invalid') {
    expect(aead.open(v.key, v.iv, v.aad, sealed)).toBeUndefined();
    return;
  }
  expect(toHex(aead.seal(v.key, v.iv, v.aad, v.msg))).toBe(toHex(sealed));
  expect(toHex(aead.open(v.key, v.iv, v.aad, sealed)!)).toBe(toHex(v.msg));
  expectTamperRejected(aead, { key: v.key, nonce: v.iv, aad: v.aad, ct: v.ct, tag: v.tag });
}

describe('AEAD known answers (Wycheproof, McGrew–Viega)', () => {
  for (const file of ['aes-gcm-256-wycheproof.json', 'aes-gcm-256-mcgrew-viega.json', 'chacha20-poly1305-wycheproof.json'] as const) {
    const vectors = aeadVectors(file);
    for (const aead of file.startsWith('chacha') ? chachaImpls : gcmImpls) {
      it(`${aead.name}: ${file} (${vectors.length} vectors, valid ones also tampered)`, () => {
        expect(vectors.some((v) => v.result === 'valid' && v.msg.length === 0 && v.aad.length === 0)).toBe(true); // the empty case is covered
        for (const v of vectors) checkVector(aead, v);
      });
    }
  }
});

describe('ChaCha20-Poly1305 known answer: RFC 7634 Appendix A at the AEAD layer', () => {
  const v = rfc7634Vector();
  for (const aead of chachaImpls) {
    it(`${aead.name}: seals and opens the ESP example byte for byte, refuses every tampered field`, () => {
      expect(toHex(v.nonce)).toBe(toHex(concat(v.salt, v.iv)));
      const sealed = aead.seal(v.key, v.nonce, v.aad, v.plaintext);
      expect(toHex(sealed)).toBe(toHex(concat(v.ciphertext, v.tag)));
      expect(toHex(aead.open(v.key, v.nonce, v.aad, sealed)!)).toBe(toHex(v.plaintext));
      expectTamperRejected(aead, { key: v.key, nonce: v.nonce, aad: v.aad, ct: v.ciphertext, tag: v.tag });
    });
  }
});

describe.each(allAeads().map((a) => [a.name, a] as const))('%s', (_name, aead) => {
  const key = new Uint8Array(32).fill(7);
  const nonce = new Uint8Array(12).fill(9);
  const aad = Uint8Array.of(1, 2, 3);

  it('seals in place when out starts at the plaintext, and opens into a given buffer', () => {
    const plain = Uint8Array.from({ length: 37 }, (_, i) => i);
    const expected = aead.seal(key, nonce, aad, plain);
    const buffer = new Uint8Array(plain.length + 16);
    buffer.set(plain);
    const result = aead.seal(key, nonce, aad, buffer.subarray(0, plain.length), buffer);
    expect(result).toBe(buffer);
    expect(toHex(buffer)).toBe(toHex(expected));
    const out = new Uint8Array(plain.length);
    expect(aead.open(key, nonce, aad, buffer, out)).toBe(out);
    expect(toHex(out)).toBe(toHex(plain));
    const inPlace = buffer.subarray(0, plain.length);
    expect(aead.open(key, nonce, aad, buffer, inPlace)).toBe(inPlace);
    expect(toHex(inPlace)).toBe(toHex(plain));
  });

  it('writes nothing to out when the tag fails, and never throws for short or bad input', () => {
    const sealed = aead.seal(key, nonce, aad, new Uint8Array(20).fill(0xaa));
    sealed[0]! ^= 1;
    const out = new Uint8Array(20).fill(0x55);
    const limit = Error.stackTraceLimit;
    expect(aead.open(key, nonce, aad, sealed, out)).toBeUndefined();
    expect(Error.stackTraceLimit).toBe(limit); // the cheap-throw trick restores it
    expect(out.every((b) => b === 0x55)).toBe(true); // untouched: not even zeroed (libsodium zeroes its own output)
    const before = toHex(sealed);
    expect(aead.open(key, nonce, aad, sealed, sealed.subarray(0, 20))).toBeUndefined(); // in place
    expect(toHex(sealed)).toBe(before);
    for (const n of [0, 1, 15]) expect(aead.open(key, nonce, aad, new Uint8Array(n))).toBeUndefined();
    expect(aead.open(key, nonce, aad, new Uint8Array(16))).toBeUndefined();
  });

  it('refuses wrong key and nonce lengths with a RangeError that names lengths, never key bytes', () => {
    const shortKey = new Uint8Array(16).fill(0xab);
    expect(() => aead.seal(shortKey, nonce, aad, new Uint8Array(1))).toThrow(RangeError);
    try {
      aead.open(shortKey, nonce, aad, new Uint8Array(32));
      expect.unreachable();
    } catch (e) {
      expect(String(e)).toMatch(/key must be 32 bytes, got 16/);
      expect(String(e)).not.toMatch(/abab/);
    }
    expect(() => aead.seal(key, new Uint8Array(8), aad, new Uint8Array(1))).toThrow(/nonce must be 12 bytes/);
  });
});
