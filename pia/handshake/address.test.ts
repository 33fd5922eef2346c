import { describe, it, expect } from 'vitest';
import { addressBytes, isIpv4Mapped, peerKey, samePeer } from './address.js';
import { hex } from './test-support/index.js';

describe('peer addresses as 16 bytes', () => {
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
    for (const [text, want] of cases) expect(hex(addressBytes(text)), text).toBe(want);
  });

  it('IPv4 is mapped (RFC 4291 §2.5.5.2), the same bytes as its ::ffff: form', () => {
    expect(hex(addressBytes('192.0.2.1'))).toBe('00000000000000000000ffffc0000201');
    expect(hex(addressBytes('::ffff:192.0.2.1'))).toBe('00000000000000000000ffffc0000201');
    expect(isIpv4Mapped(addressBytes('192.0.2.1'))).toBe(true);
    expect(isIpv4Mapped(addressBytes('::1'))).toBe(false);
    expect(isIpv4Mapped(addressBytes('::fffe:192.0.2.1'))).toBe(false);
  });

  it('anything else is a TypeError that names the address and says what is expected', () => {
    for (const bad of ['', 'localhost', '1.2.3', '2001:db8::g', '1:2:3:4:5:6:7:8:9']) expect(() => addressBytes(bad)).toThrow(/neither IPv6 nor IPv4/);
  });

  it('samePeer and peerKey compare hosts, not spellings, and include the port', () => {
    expect(samePeer({ address: '2001:db8::1', port: 1 }, { address: '2001:0db8:0::1', port: 1 })).toBe(true);
    expect(samePeer({ address: '2001:db8::1', port: 1 }, { address: '2001:db8::1', port: 2 })).toBe(false);
    expect(peerKey({ address: '192.0.2.1', port: 5 })).toBe(peerKey({ address: '::ffff:192.0.2.1', port: 5 }));
    expect(peerKey({ address: '192.0.2.1', port: 5 })).not.toBe(peerKey({ address: '192.0.2.1', port: 6 }));
  });
});
