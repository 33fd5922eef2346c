import { describe, expect, it } from 'vitest';
import { SuiteId } from '../suites-ids.js';
import { chooseSuite } from './suite-choice.js';

const AES = SuiteId.AesGcm256;
const CHACHA = SuiteId.ChaCha20Poly1305;

describe('chooseSuite: the responder picks (docs/protocol.md §5)', () => {
  it("both prefer AES-256-GCM (AES instructions on both sides): AES-256-GCM", () => {
    expect(chooseSuite([AES, CHACHA], [AES, CHACHA])).toBe(AES);
  });

  it("the responder lacks AES (prefers ChaCha20-Poly1305): its preference wins over the initiator's order", () => {
    expect(chooseSuite([AES, CHACHA], [CHACHA, AES])).toBe(CHACHA);
  });

  it('the initiator lacks AES (puts ChaCha20-Poly1305 first): ChaCha20-Poly1305 even for a responder preferring AES', () => {
    expect(chooseSuite([CHACHA, AES], [AES, CHACHA])).toBe(CHACHA);
    expect(chooseSuite([CHACHA, AES], [CHACHA, AES])).toBe(CHACHA);
  });

  it('only common suites count; ids this version does not know are skipped', () => {
    expect(chooseSuite([CHACHA, AES], [AES])).toBe(AES);
    expect(chooseSuite([AES], [CHACHA, AES])).toBe(AES);
    expect(chooseSuite([9, 200, CHACHA, AES], [AES, CHACHA])).toBe(CHACHA); // ChaCha is the first one known
    expect(chooseSuite([9, AES, CHACHA], [CHACHA, AES])).toBe(CHACHA);
    expect(chooseSuite([CHACHA], [AES])).toBeUndefined();
    expect(chooseSuite([0, 9], [AES, CHACHA])).toBeUndefined();
  });
});
