import { SocketAddress, isIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AddressCache, addressFromText, addressToText, canonicalAddress, ipv4OfMapped, isIpv4Mapped } from './address.js';
import { PiaDecodeError } from './errors.js';
import { peerKey } from './handshake/address.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('addressFromText / addressToText (RFC 5952)', () => {
  const table: [string, string, string][] = [
    // input, 16 bytes hex, canonical text
    ['::1', '00000000000000000000000000000001', '::1'],
    ['::', '00000000000000000000000000000000', '::'],
    ['2001:db8::f1', '20010db80000000000000000000000f1', '2001:db8::f1'],
    ['2001:0DB8:0000:0000:0000:0000:0000:00F1', '20010db80000000000000000000000f1', '2001:db8::f1'],
    ['fe80::', 'fe800000000000000000000000000000', 'fe80::'],
    ['2001:db8:0:1:1:1:1:1', '20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'], // one zero group: not compressed
    ['2001:0:0:1:0:0:0:1', '20010000000000010000000000000001', '2001:0:0:1::1'], // longest run wins
    ['2001:db8:0:0:1:0:0:1', '20010db8000000000001000000000001', '2001:db8::1:0:0:1'], // first on a tie
    ['192.0.2.1', '00000000000000000000ffffc0000201', '::ffff:192.0.2.1'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201', '::ffff:192.0.2.1'],
    ['::ffff:c000:201', '00000000000000000000ffffc0000201', '::ffff:192.0.2.1'],
    ['64:ff9b::192.0.2.33', '0064ff9b0000000000000000c0000221', '64:ff9b::c000:221'],
  ];
  it.each(table)('%s', (input, bytes, text) => {
    const address = addressFromText(input);
    expect(hex(address)).toBe(bytes);
    expect(addressToText(address)).toBe(text);
  });

  it('refuses what is not an address, naming it and the fix', () => {
    for (const bad of ['', 'localhost', '1.2.3', '2001:db8::1::2', 'fe80::1%eth0', '[::1]', '12345::']) {
      expect(() => addressFromText(bad)).toThrow(PiaDecodeError);
    }
    expect(() => addressFromText('gateway')).toThrow(/"gateway" is not an IPv6 or IPv4 address.*2001:db8::1/);
  });

  it('maps IPv4 into ::ffff:0:0/96 (RFC 4291 §2.5.5.2)', () => {
    expect([...addressFromText('192.0.2.1')]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1]);
  });

  it('round-trips any 16 bytes and agrees with the system inet_ntop', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = addressToText(bytes);
        expect(isIPv6(text)).toBe(true);
        expect(addressFromText(text)).toEqual(bytes);
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
        const bytes = addressFromText(text);
        if (bytes.subarray(0, 12).every((b) => b === 0)) return;
        expect(addressToText(bytes)).toBe(new SocketAddress({ address: text, family: 'ipv6' }).address);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('addressFromText with zone: "drop" (peer addresses as sockets report them)', () => {
  it('IPv6 in its written forms, with "::" anywhere and an embedded IPv4 tail', () => {
    const cases: [string, string][] = [
      ['::1', '00000000000000000000000000000001'],
      ['::', '00000000000000000000000000000000'],
      ['2001:db8::1', '20010db8000000000000000000000001'],
      ['2001:DB8:0:0:0:0:0:1', '20010db8000000000000000000000001'],
      ['1::', '00010000000000000000000000000000'],
      ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
      ['64:ff9b::192.0.2.33', '0064ff9b0000000000000000c0000221'],
      ['fe80::1%eth0', 'fe800000000000000000000000000001'],
    ];
    for (const [text, want] of cases) expect(hex(addressFromText(text, { zone: 'drop' })), text).toBe(want);
  });

  it('the zone is the only thing it forgives: the default refuses it, naming why', () => {
    expect(() => addressFromText('fe80::1%eth0')).toThrow(/"fe80::1%eth0" is not an IPv6 or IPv4 address \(zone ids are not allowed here\)/);
    expect(hex(addressFromText('192.0.2.1%eth0', { zone: 'drop' }))).toBe('00000000000000000000ffffc0000201');
    expect(() => addressFromText('fe80::g%eth0', { zone: 'drop' })).toThrow(/"fe80::g%eth0" is not an IPv6 or IPv4 address;/);
  });

  it('anything else is a PiaDecodeError that names the address and says what is expected', () => {
    for (const bad of ['', 'localhost', '1.2.3', '2001:db8::g', '1:2:3:4:5:6:7:8:9']) {
      expect(() => addressFromText(bad, { zone: 'drop' })).toThrow(PiaDecodeError);
      expect(() => addressFromText(bad, { zone: 'drop' })).toThrow(`"${bad}" is not an IPv6 or IPv4 address; write it like 2001:db8::1 or 192.0.2.1`);
    }
  });
});

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
    expect(() => canonicalAddress('2001:db8::g')).toThrow(/"2001:db8::g" is not an IPv6 or IPv4 address/);
    expect(() => canonicalAddress('example.org')).toThrow(/example\.org/);
  });
});

describe('IPv4-mapped addresses', () => {
  it('tells IPv4-mapped addresses apart', () => {
    expect(ipv4OfMapped(addressFromText('10.1.2.3'))).toBe('10.1.2.3');
    expect(ipv4OfMapped(addressFromText('::10.1.2.3'))).toBeUndefined(); // IPv4-compatible, not mapped
    expect(ipv4OfMapped(addressFromText('2001:db8::1'))).toBeUndefined();
  });

  it('IPv4 is mapped (RFC 4291 §2.5.5.2), the same bytes as its ::ffff: form', () => {
    expect(hex(addressFromText('192.0.2.1'))).toBe('00000000000000000000ffffc0000201');
    expect(hex(addressFromText('::ffff:192.0.2.1'))).toBe('00000000000000000000ffffc0000201');
    expect(isIpv4Mapped(addressFromText('192.0.2.1'))).toBe(true);
    expect(isIpv4Mapped(addressFromText('::1'))).toBe(false);
    expect(isIpv4Mapped(addressFromText('::fffe:192.0.2.1'))).toBe(false);
  });

  it('text and dotted IPv4 of bytes that are not 16 long is a RangeError', () => {
    expect(() => ipv4OfMapped(new Uint8Array(4))).toThrow(RangeError);
    expect(() => addressToText(new Uint8Array(17))).toThrow(/16 bytes, got 17/);
  });
});

describe('AddressCache', () => {
  it('answers as addressFromText (zone dropped) and canonicalAddress do, and stays bounded', () => {
    const cache = new AddressCache(2);
    for (const text of ['2001:DB8::1', '::ffff:192.0.2.1', 'fe80::1%eth0', '2001:db8::1']) {
      expect(cache.bytes(text)).toEqual(addressFromText(text, { zone: 'drop' }));
      expect(cache.canonical(text)).toBe(canonicalAddress(text));
    }
    expect(() => cache.bytes('not an address')).toThrow(/is not an IPv6 or IPv4 address/);
  });

  it('makes the same map keys as peerKey, one per host and port however written', () => {
    const cache = new AddressCache();
    for (const [text, port] of [['2001:DB8::1', 4500], ['fe80::1%eth0', 7], ['192.0.2.1', 4500]] as const) {
      expect(cache.key(text, port)).toBe(peerKey({ address: text, port }));
    }
    expect(cache.key('::ffff:192.0.2.1', 4500)).toBe(cache.key('192.0.2.1', 4500));
    expect(cache.key('192.0.2.1', 4501)).not.toBe(cache.key('192.0.2.1', 4500));
  });

  it('formats inner addresses as addressToText does, past its memory and after the caller reuses its buffer', () => {
    const cache = new AddressCache();
    const buffer = new Uint8Array(16);
    for (let round = 0; round < 3; round++) {
      for (let i = 1; i <= 20; i++) {
        buffer.set(addressFromText(`2001:db8::${i.toString(16)}`)); // the same buffer, new contents
        expect(cache.text(buffer)).toBe(`2001:db8::${i.toString(16)}`);
      }
    }
    buffer.set(addressFromText('::ffff:192.0.2.7'));
    expect(cache.text(buffer)).toBe('::ffff:192.0.2.7');
  });

  it('reads an inner address at an offset of a larger buffer without copying the caller\'s bytes', () => {
    const cache = new AddressCache();
    const packet = new Uint8Array(64);
    packet.set(addressFromText('2001:db8::a'), 8);
    packet.set(addressFromText('::ffff:192.0.2.9'), 24);
    expect(cache.text(packet, 8)).toBe('2001:db8::a');
    expect(cache.text(packet, 24)).toBe('::ffff:192.0.2.9');
    packet.set(addressFromText('2001:db8::b'), 8); // the caller reuses its buffer
    expect(cache.text(packet, 8)).toBe('2001:db8::b');
  });

  it('gives one frozen endpoint object per host and port, canonical, and stays bounded', () => {
    const cache = new AddressCache(4);
    const e = cache.endpoint('2001:DB8::1', 4500);
    expect(e).toEqual({ address: '2001:db8::1', port: 4500 });
    expect(Object.isFrozen(e)).toBe(true);
    expect(cache.endpoint('2001:DB8::1', 4500)).toBe(e);
    expect(cache.endpoint('2001:DB8::1', 4501)).not.toBe(e);
    for (let port = 1; port <= 10; port++) cache.endpoint('2001:db8::2', port); // more ports than the limit
    expect(cache.endpoint('2001:DB8::1', 4500)).not.toBe(e); // forgotten on the way: bounded
    expect(cache.endpoint('2001:DB8::1', 4500)).toEqual(e);
    expect(cache.key('2001:db8::1', 4500)).toBe(peerKey({ address: '2001:db8::1', port: 4500 }));
  });
});
