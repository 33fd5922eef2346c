import { describe, it, expect } from 'vitest';
import { backoffDelayMs } from './backoff.js';

describe('backoffDelayMs', () => {
  it('doubles from the initial delay and stops at the cap', () => {
    const noJitter = () => 0;
    const delays = [0, 1, 2, 3, 4, 5, 60].map((n) => backoffDelayMs(n, noJitter, { initialMs: 100, maxMs: 1000 }));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('caps at 30 s by default, even after very many attempts', () => {
    expect(backoffDelayMs(10_000, () => 0)).toBe(30_000);
  });

  it('jitter takes up to the given fraction off the delay', () => {
    expect(backoffDelayMs(2, () => 0.999999, { initialMs: 100, jitter: 0.5 })).toBeCloseTo(200, 3);
    expect(backoffDelayMs(2, () => 0.5, { initialMs: 100, jitter: 0.5 })).toBe(300);
    expect(backoffDelayMs(2, () => 0, { initialMs: 100, jitter: 0.5 })).toBe(400);
  });

  it('refuses nonsense options with the rule that was broken', () => {
    expect(() => backoffDelayMs(0, () => 0, { initialMs: 500, maxMs: 100 })).toThrow(/initialMs ≤ maxMs/);
    expect(() => backoffDelayMs(0, () => 0, { jitter: 2 })).toThrow(RangeError);
  });
});
