import { describe, expect, it } from 'vitest';
import { addressFromText } from '../address.js';
import { unusablePeerAddress } from './address.js';

describe('unusablePeerAddress', () => {
  it.each([
    ['::', /unspecified/],
    ['ff02::1', /multicast/],
    ['0.0.0.0', /this network/],
    ['224.0.0.251', /IPv4 multicast/],
    ['255.255.255.255', /broadcast/],
  ])('%s cannot receive a key exchange', (text, why) => {
    expect(unusablePeerAddress(addressFromText(text))).toMatch(why);
  });

  it.each(['2001:db8::1', '::1', 'fe80::1', '192.0.2.1', '10.0.0.255'])('%s can', (text) => {
    expect(unusablePeerAddress(addressFromText(text))).toBeUndefined();
  });
});
