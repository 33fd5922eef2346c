/**
 * Every implementation of a suite is the same function (fast-check): on random keys, nonces
 * and AAD, and plaintexts of the lengths that matter to ESP and to the ciphers' block
 * boundaries (0, 1, 15, 16, 17; 1199, 1200, 1400: around the 1200-byte PIA payload and a full
 * Ethernet datagram), each seals to the same bytes and opens every other's output; and one
 * flipped bit in the ciphertext, the tag, the AAD or the nonce makes every one refuse.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SuiteId } from '../suites-ids.js';
import { AEAD_TAG_LENGTH, NODE_CIPHER_NAMES } from './aead.js';
import { allAeads } from './aead-select.js';
import { toHex } from './test-support/index.js';

const LENGTHS = [0, 1, 15, 16, 17, 1199, 1200, 1400] as const;

const bytes = (length: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: length, maxLength: length });
const input = fc.record({
  key: bytes(32),
  nonce: bytes(12),
  aad: fc.uint8Array({ maxLength: 40 }),
  plain: fc.constantFrom(...LENGTHS).chain(bytes),
});

type Field = 'ciphertext' | 'tag' | 'aad' | 'nonce';
const flip = fc.record({ field: fc.constantFrom<Field>('ciphertext', 'tag', 'aad', 'nonce'), at: fc.nat(), bit: fc.nat(7) });

/** A copy of `b` with one bit flipped; an empty field gets one byte instead (there is no bit to flip). */
function flipped(b: Uint8Array, at: number, bit: number): Uint8Array {
  if (b.length === 0) return Uint8Array.of(1 << bit);
  const copy = Uint8Array.from(b);
  copy[at % copy.length]! ^= 1 << bit;
  return copy;
}

for (const suite of [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305]) {
  const impls = allAeads().filter((a) => a.suite === suite);

  describe(`${NODE_CIPHER_NAMES[suite]}: ${impls.map((a) => a.library).join(', ')}`, () => {
    it('is tested across at least two libraries', () => {
      expect(impls.length).toBeGreaterThanOrEqual(2);
    });

    it(`every library seals to the same bytes and opens every other's output (plaintexts of ${LENGTHS.join(', ')} bytes)`, () => {
      const lengthsSeen = new Set<number>();
      fc.assert(
        fc.property(input, ({ key, nonce, aad, plain }) => {
          lengthsSeen.add(plain.length);
          const sealed = impls.map((a) => a.seal(key, nonce, aad, plain));
          for (const [i, s] of sealed.entries()) {
            expect(s.length, impls[i]!.name).toBe(plain.length + AEAD_TAG_LENGTH);
            expect(toHex(s), `${impls[i]!.name} vs ${impls[0]!.name}`).toBe(toHex(sealed[0]!));
          }
          for (const opener of impls) {
            for (const [i, s] of sealed.entries()) {
              expect(toHex(opener.open(key, nonce, aad, s) ?? Uint8Array.of()), `${opener.name} opening ${impls[i]!.name}'s`).toBe(toHex(plain));
            }
          }
        }),
        { numRuns: 120 },
      );
      expect([...lengthsSeen].sort((a, b) => a - b)).toEqual([...LENGTHS]); // every length drawn at least once
    });

    it('one flipped bit in the ciphertext, the tag, the AAD or the nonce makes every library refuse', () => {
      const fieldsSeen = new Set<Field>();
      fc.assert(
        fc.property(input, flip, ({ key, nonce, aad, plain }, { field, at, bit }) => {
          fieldsSeen.add(field);
          const sealed = impls[0]!.seal(key, nonce, aad, plain);
          const ct = sealed.subarray(0, plain.length);
          const tag = sealed.subarray(plain.length);
          const joined = (c: Uint8Array, t: Uint8Array): Uint8Array => Uint8Array.from([...c, ...t]);
          const bad = {
            sealed: field === 'ciphertext' ? joined(flipped(ct, at, bit), tag) : field === 'tag' ? joined(ct, flipped(tag, at, bit)) : sealed,
            aad: field === 'aad' ? flipped(aad, at, bit) : aad,
            nonce: field === 'nonce' ? flipped(nonce, at, bit) : nonce,
          };
          for (const a of impls) expect(a.open(key, bad.nonce, bad.aad, bad.sealed), `${a.name}: flipped ${field}`).toBeUndefined();
        }),
        { numRuns: 200 },
      );
      expect(fieldsSeen.size).toBe(4);
    });
  });
}
