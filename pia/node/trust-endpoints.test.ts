/**
 * The trusted server's endpoints as a node sees them (trust-endpoints.ts): which one is current,
 * and when a resend moves on.
 */
import { describe, expect, it } from 'vitest';
import { TrustEndpoints } from './trust-endpoints.js';

const ONE = { address: '2001:db8:5::1', port: 4500 };
const TWO = { address: '2001:db8:5::2', port: 4500 };
const THREE = { address: '2001:db8:5::3', port: 4500 };

describe('TrustEndpoints', () => {
  it('starts at the first endpoint and stays while the one a message went to has answered since', () => {
    const e = new TrustEndpoints([ONE, TWO]);
    const stamp = e.sent(1000);
    e.heard(0, 1500);
    expect(e.resending(stamp)).toBe(false);
    expect(e.current()).toEqual(ONE);
  });

  it('moves to the next endpoint when the one a message went to has said nothing since, and wraps around', () => {
    const e = new TrustEndpoints([ONE, TWO, THREE]);
    e.heard(0, 900); // before the message: does not count
    expect(e.resending(e.sent(1000))).toBe(true);
    expect(e.current()).toEqual(TWO);
    expect(e.unreachable(1)).toBe(true);
    expect(e.current()).toEqual(THREE);
    expect(e.unreachable(2)).toBe(true);
    expect(e.current()).toEqual(ONE);
  });

  it('many resends of messages sent to a silent endpoint move one step, not one each', () => {
    const e = new TrustEndpoints([ONE, TWO, THREE]);
    const stamps = [e.sent(1000), e.sent(1001), e.sent(1002)];
    expect(stamps.map((s) => e.resending(s))).toEqual([true, false, false]);
    expect(e.current()).toEqual(TWO);
  });

  it('with a single endpoint nothing changes', () => {
    const e = new TrustEndpoints([ONE]);
    expect(e.resending(e.sent(1000))).toBe(false);
    expect(e.unreachable(0)).toBe(false);
    expect(e.current()).toEqual(ONE);
  });

  it('refuses an empty list, naming the credential fields', () => {
    expect(() => new TrustEndpoints([])).toThrow(/at least one endpoint \(server\.address and server\.port/);
  });
});
