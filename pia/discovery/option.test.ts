import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PiaDecodeError } from '../errors.js';
import { addressFromText } from '../address.js';
import {
  PIA_DISCOVERY_OPTION,
  decodeDiscoveryOption,
  encodeDiscoveryOption,
  isCritical,
  isElective,
  isExperimentalOption,
  isNoCacheKey,
  isSafeToForward,
  isUnsafe,
} from './option.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

describe('option number properties (RFC 7252 §5.4.6)', () => {
  it('65000 is elective, safe-to-forward, part of the cache key, experimental', () => {
    expect(PIA_DISCOVERY_OPTION).toBe(0xfde8);
    expect(isElective(65000)).toBe(true);
    expect(isCritical(65000)).toBe(false);
    expect(isSafeToForward(65000)).toBe(true);
    expect(isUnsafe(65000)).toBe(false);
    expect(isNoCacheKey(65000)).toBe(false);
    expect(isExperimentalOption(65000)).toBe(true);
  });

  it('65001 is critical (a legacy server answers 4.02)', () => {
    expect(isCritical(65001)).toBe(true);
    expect(isElective(65001)).toBe(false);
  });

  it('agrees with the registered options of RFC 7252 §5.10 (table 4)', () => {
    // number: [critical, unsafe, noCacheKey]
    const table: Record<number, [boolean, boolean, boolean]> = {
      1: [true, false, false], // If-Match
      3: [true, true, false], // Uri-Host
      4: [false, false, false], // ETag
      7: [true, true, false], // Uri-Port
      12: [false, false, false], // Content-Format
      14: [false, true, false], // Max-Age
      28: [false, false, true], // Size2 (RFC 7959) is NoCacheKey
      35: [true, true, false], // Proxy-Uri
      60: [false, false, true], // Size1
    };
    for (const [n, [c, u, nck]] of Object.entries(table)) {
      expect([isCritical(+n), isUnsafe(+n), isNoCacheKey(+n)], `option ${n}`).toEqual([c, u, nck]);
    }
    expect(isExperimentalOption(64999)).toBe(false);
  });

  it('refuses numbers outside 0–65535', () => {
    expect(() => isElective(65536)).toThrow(RangeError);
    expect(() => isElective(-1)).toThrow(RangeError);
    expect(() => isElective(1.5)).toThrow(RangeError);
  });
});

describe('discovery option value (docs/protocol.md §4)', () => {
  it('encodes the short form byte for byte', () => {
    expect(hex(encodeDiscoveryOption({ canInitiate: true, latched: false, port: 4500 }))).toBe('01011194');
    expect(hex(encodeDiscoveryOption({ canInitiate: false, latched: true, port: 0xffff }))).toBe('0102ffff');
    expect(hex(encodeDiscoveryOption({ canInitiate: true, latched: true, port: 1 }))).toBe('01030001');
  });

  it('encodes an IPv4 PIA address as IPv4-mapped IPv6', () => {
    const v = encodeDiscoveryOption({ canInitiate: true, latched: false, port: 4500, address: addressFromText('192.0.2.7') });
    expect(hex(v)).toBe('01011194' + '00000000000000000000ffffc0000207');
  });

  it('decodes what it encodes', () => {
    const address = addressFromText('2001:db8:42::1');
    expect(decodeDiscoveryOption(unhex('01011194'))).toEqual({ canInitiate: true, latched: false, port: 4500 });
    expect(decodeDiscoveryOption(encodeDiscoveryOption({ canInitiate: false, latched: true, port: 5683, address }))).toEqual({
      canInitiate: false,
      latched: true,
      port: 5683,
      address,
    });
  });

  it('ignores reserved flag bits on receipt', () => {
    expect(decodeDiscoveryOption(unhex('01fd1194'))).toEqual({ canInitiate: true, latched: false, port: 4500 });
  });

  it.each([
    ['', /0 bytes, need 4 or 20/],
    ['010111', /3 bytes/],
    ['0101119400', /5 bytes/],
    ['02011194', /version 2, this node speaks 1/],
    ['00011194', /version 0/],
    ['01010000', /PIA port 0/],
    ['01011194' + '00'.repeat(16), /unspecified/],
    ['01011194' + 'ff02' + '00'.repeat(13) + '01', /multicast/],
    ['01011194' + '00'.repeat(10) + 'ffffe00000fb', /IPv4 multicast/],
  ])('rejects %s with PiaDecodeError', (h, problem) => {
    const attempt = (): unknown => decodeDiscoveryOption(unhex(h));
    expect(attempt).toThrow(PiaDecodeError);
    expect(attempt).toThrow(problem);
  });

  it('refuses to encode what it would refuse to decode', () => {
    expect(() => encodeDiscoveryOption({ canInitiate: true, latched: false, port: 0 })).toThrow(RangeError);
    expect(() => encodeDiscoveryOption({ canInitiate: true, latched: false, port: 65536 })).toThrow(/65536/);
    expect(() => encodeDiscoveryOption({ canInitiate: true, latched: false, port: 1, address: new Uint8Array(4) })).toThrow(/4 bytes/);
    expect(() => encodeDiscoveryOption({ canInitiate: true, latched: false, port: 1, address: addressFromText('ff02::1') })).toThrow(/multicast/);
  });

  it('fuzz: any input decodes or throws PiaDecodeError, never more than a 16-byte copy', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          const o = decodeDiscoveryOption(bytes);
          expect(o.address === undefined ? 0 : o.address.length).toBeLessThanOrEqual(Math.min(16, bytes.length));
          if (o.address !== undefined) expect(o.address.buffer).not.toBe(bytes.buffer); // a copy, not a view
        } catch (err) {
          expect(err).toBeInstanceOf(PiaDecodeError);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('fuzz: structured near-valid values round-trip or fail only with PiaDecodeError', () => {
    const value = fc.tuple(
      fc.constantFrom(0, 1, 1, 1, 2, 255),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 0xffff }),
      fc.option(fc.uint8Array({ minLength: 16, maxLength: 16 })),
    );
    fc.assert(
      fc.property(value, ([version, flags, port, address]) => {
        const bytes = Uint8Array.from([version, flags, port >> 8, port & 0xff, ...(address ?? [])]);
        try {
          const o = decodeDiscoveryOption(bytes);
          expect(version).toBe(1);
          expect(o.port).toBe(port);
          const again = encodeDiscoveryOption(o);
          expect(again[1]).toBe(flags & 0x03);
          expect(decodeDiscoveryOption(again)).toEqual(o);
        } catch (err) {
          expect(err).toBeInstanceOf(PiaDecodeError);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
