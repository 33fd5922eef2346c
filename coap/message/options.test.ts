/** Reading Uri-Path for a server (RFC 7252 §5.10.1: each segment a UTF-8 string, §6.4: one option each). */
import { describe, expect, it } from 'vitest';
import { CoapOptionNumber, samePath, uriPathOptions, uriPathOrUndefined } from './options.js';

describe('uriPathOrUndefined and samePath', () => {
  it('reads the segments in order, or undefined when one is not UTF-8', () => {
    expect(uriPathOrUndefined(uriPathOptions(['pia', 'revocations']))).toEqual(['pia', 'revocations']);
    expect(uriPathOrUndefined([])).toEqual([]);
    const broken = { number: CoapOptionNumber.UriPath, value: Uint8Array.of(0xc3, 0x28) }; // an invalid 2-byte sequence
    expect(uriPathOrUndefined([...uriPathOptions(['pia']), broken])).toBeUndefined();
  });

  it('a path matches only the same segments in the same order', () => {
    expect(samePath(['pia', 'report'], ['pia', 'report'])).toBe(true);
    expect(samePath(['pia'], ['pia', 'report'])).toBe(false);
    expect(samePath(['pia', 'report', 'x'], ['pia', 'report'])).toBe(false);
    expect(samePath(['report', 'pia'], ['pia', 'report'])).toBe(false);
    expect(samePath(['pia/report'], ['pia', 'report'])).toBe(false);
    expect(samePath([], [])).toBe(true);
  });
});
