/** bench/trust-fleet-args.ts: the sizes from the command line, and a clear error for a bad one. */
import { describe, expect, it } from 'vitest';
import { FULL, QUICK, parseFleetArgs } from './trust-fleet-args.js';

describe('parseFleetArgs', () => {
  it('takes the full size by default, the quick size with --quick, and --NAME VALUE over either', () => {
    expect(parseFleetArgs([])).toEqual(FULL);
    expect(parseFleetArgs(['--quick'])).toEqual(QUICK);
    expect(parseFleetArgs(['--quick', '--operators', '50', '--seconds', '2.5'])).toEqual({ ...QUICK, operators: 50, seconds: 2.5 });
    expect(parseFleetArgs([], { gateways: 3 })).toEqual({ ...FULL, gateways: 3 });
  });

  it('names a bad argument, what is wrong and what to pass', () => {
    expect(() => parseFleetArgs(['--gateway', '5'])).toThrow(/unknown argument "--gateway".*gateways, operators/);
    expect(() => parseFleetArgs(['--gateways'])).toThrow(/--gateways needs a number after it \(got nothing\), e.g. --gateways 5000/);
    expect(() => parseFleetArgs(['--seconds', 'ten'])).toThrow(/got "ten"/);
    expect(() => parseFleetArgs(['--concurrency', '0'])).toThrow(/--concurrency 0: must be an integer ≥ 1/);
    expect(() => parseFleetArgs(['--operators', '1.5'])).toThrow(/must be an integer/);
  });
});
