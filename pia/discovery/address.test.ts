import { SocketAddress, isIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressToBytes, bytesToAddress, canonicalAddress, unusablePeerAddress } from './address.js';

describe('canonicalAddress (RFC 5952)', () => {
  it.each([
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'], // §4.1 leading zeros, §4.3 lower case
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3 first of equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2 a single 0 group is not compressed
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], // §4.2.3 the longest run
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fe80:0::1%eth0', 'fe80::1%eth0'], // zone kept: it names the link
    ['192.0.2.1', '::ffff:192.0.2.1'], // §5 IPv4-mapped form
    ['::FFFF:C000:0201', '::ffff:192.0.2.1'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
  ])('%s → %s', (text, canonical) => {
    expect(canonicalAddress(text)).toBe(canonical);
  });

  it('refuses text that is not an address, naming it', () => {
    expect(() => canonicalAddress('2001:db8::g')).toThrow(/"2001:db8::g": not an IPv6 or IPv4 address/);
    expect(() => canonicalAddress('example.org')).toThrow(/example\.org/);
  });
});

describe('addressToBytes / bytesToAddress', () => {
  it('maps IPv4 into ::ffff:0:0/96 (RFC 4291 §2.5.5.2)', () => {
    expect([...addressToBytes('192.0.2.1')]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1]);
  });

  it('round-trips any 16 bytes and agrees with the system inet_ntop', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = bytesToAddress(bytes);
        expect(isIPv6(text)).toBe(true);
        expect(addressToBytes(text)).toEqual(bytes);
        // glibc prints the deprecated IPv4-compatible ::a.b.c.d form; RFC 5952 does not ask for it.
        if (!bytes.subarray(0, 12).every((b) => b === 0)) {
          expect(text).toBe(new SocketAddress({ address: text, family: 'ipv6' }).address);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('prefers zero runs: the generator biased toward zero groups still agrees with inet_ntop', () => {
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        const text = groups.map((g) => g.toString(16)).join(':');
        const bytes = addressToBytes(text);
        if (bytes.subarray(0, 12).every((b) => b === 0)) return;
        expect(bytesToAddress(bytes)).toBe(new SocketAddress({ address: text, family: 'ipv6' }).address);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('unusablePeerAddress', () => {
  it.each([
    ['::', /unspecified/],
    ['ff02::1', /multicast/],
    ['0.0.0.0', /this network/],
    ['224.0.0.251', /IPv4 multicast/],
    ['255.255.255.255', /broadcast/],
  ])('%s cannot receive a key exchange', (text, why) => {
    expect(unusablePeerAddress(addressToBytes(text))).toMatch(why);
  });

  it.each(['2001:db8::1', '::1', 'fe80::1', '192.0.2.1', '10.0.0.255'])('%s can', (text) => {
    expect(unusablePeerAddress(addressToBytes(text))).toBeUndefined();
  });
});
