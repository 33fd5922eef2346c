import { describe, it, expect } from 'vitest';
import { peerKey, samePeer } from './address.js';

describe('peer endpoints', () => {
  it('samePeer and peerKey compare hosts, not spellings, and include the port', () => {
    expect(samePeer({ address: '2001:db8::1', port: 1 }, { address: '2001:0db8:0::1', port: 1 })).toBe(true);
    expect(samePeer({ address: '2001:db8::1', port: 1 }, { address: '2001:db8::1', port: 2 })).toBe(false);
    expect(peerKey({ address: '192.0.2.1', port: 5 })).toBe(peerKey({ address: '::ffff:192.0.2.1', port: 5 }));
    expect(peerKey({ address: '192.0.2.1', port: 5 })).not.toBe(peerKey({ address: '192.0.2.1', port: 6 }));
  });

  it('a zone id names our interface, not the peer: it is dropped', () => {
    expect(samePeer({ address: 'fe80::1%eth0', port: 1 }, { address: 'fe80::1', port: 1 })).toBe(true);
    expect(peerKey({ address: 'fe80::1%eth0', port: 1 })).toBe(peerKey({ address: 'FE80:0::1', port: 1 }));
    expect(() => peerKey({ address: 'gateway', port: 1 })).toThrow(/"gateway" is not an IPv6 or IPv4 address/);
  });
});
