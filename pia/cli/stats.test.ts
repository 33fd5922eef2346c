import { describe, it, expect } from 'vitest';
import { summarize } from './stats.js';

describe('summarize (RTT statistics)', () => {
  it('no samples → undefined (every echo lost)', () => {
    expect(summarize([])).toBeUndefined();
  });
  it('odd count: the middle sample; order of input does not matter', () => {
    expect(summarize([5, 1, 3])).toEqual({ count: 3, min: 1, median: 3, p99: 5, max: 5 });
  });
  it('even count: the mean of the two middle samples', () => {
    expect(summarize([4, 1, 2, 3])?.median).toBe(2.5);
  });
  it('p99 by nearest rank: of 1..200 it is 198, of 1..100 it is 99', () => {
    const range = (n: number): number[] => Array.from({ length: n }, (_, i) => n - i);
    expect(summarize(range(200))?.p99).toBe(198);
    expect(summarize(range(100))?.p99).toBe(99);
    expect(summarize(range(10))?.p99).toBe(10);
  });
});
