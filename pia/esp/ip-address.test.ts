import { describe, expect, it } from 'vitest';
import { PiaDecodeError } from '../errors.js';
import { addressFromText, addressToText, ipv4OfMapped } from './ip-address.js';
import { toHex } from './test-support/index.js';

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
    expect(toHex(address)).toBe(bytes);
    expect(addressToText(address)).toBe(text);
  });

  it('refuses what is not an address, naming it and the fix', () => {
    for (const bad of ['', 'localhost', '1.2.3', '2001:db8::1::2', 'fe80::1%eth0', '[::1]', '12345::']) {
      expect(() => addressFromText(bad)).toThrow(PiaDecodeError);
    }
    expect(() => addressFromText('gateway')).toThrow(/"gateway" is not an IPv6 or IPv4 address.*2001:db8::1/);
  });

  it('tells IPv4-mapped addresses apart', () => {
    expect(ipv4OfMapped(addressFromText('10.1.2.3'))).toBe('10.1.2.3');
    expect(ipv4OfMapped(addressFromText('::10.1.2.3'))).toBeUndefined(); // IPv4-compatible, not mapped
    expect(ipv4OfMapped(addressFromText('2001:db8::1'))).toBeUndefined();
  });
});
