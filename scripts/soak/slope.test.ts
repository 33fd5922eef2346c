import { describe, expect, it } from 'vitest';
import { leastSquaresSlope, memorySlopeMbPerHour, secondHalf, type MemorySample } from './slope.js';

const MB = 1024 * 1024;
const MIN = 60_000;

/** One sample every 5 s for `minutes`, rss = f(minute). */
function series(minutes: number, f: (minute: number) => number): MemorySample[] {
  const out: MemorySample[] = [];
  for (let t = 0; t <= minutes * MIN; t += 5_000) out.push({ atMs: t, rssBytes: Math.round(f(t / MIN) * MB) });
  return out;
}

describe('leastSquaresSlope', () => {
  it('fits a line exactly, and finds the slope of noisy points around one', () => {
    expect(leastSquaresSlope([[0, 1], [1, 3], [2, 5]])).toBeCloseTo(2, 12);
    expect(leastSquaresSlope([[0, 10], [1, 9], [2, 8], [3, 7]])).toBeCloseTo(-1, 12);
    // by hand: mean (1.5, 6), Σ(dx·dy) = 18, Σdx² = 5
    expect(leastSquaresSlope([[0, 1], [1, 3], [2, 9], [3, 11]])).toBeCloseTo(3.6, 12);
  });

  it('gives no slope for fewer than 3 points or no spread in time', () => {
    expect(leastSquaresSlope([])).toBeUndefined();
    expect(leastSquaresSlope([[0, 1], [1, 2]])).toBeUndefined();
    expect(leastSquaresSlope([[5, 1], [5, 2], [5, 3]])).toBeUndefined();
  });
});

describe('memorySlopeMbPerHour', () => {
  it('a steady leak of 1 MB per minute reads 60 MB/h', () => {
    const s = series(20, (m) => 80 + m);
    expect(memorySlopeMbPerHour(s, 0, 20 * MIN)).toBeCloseTo(60, 6);
  });

  it('warm-up growth in the first half does not count: flat afterwards reads 0', () => {
    const s = series(20, (m) => (m < 10 ? 50 + 3 * m : 80));
    expect(memorySlopeMbPerHour(s, 0, 20 * MIN)).toBeCloseTo(0, 9);
    // the same data judged over its whole length would show growth
    expect(leastSquaresSlope(s.map((x) => [x.atMs / 3_600_000, x.rssBytes / MB] as const))).toBeGreaterThan(50);
  });

  it('a garbage-collection sawtooth around a flat level reads near 0, not its last tooth', () => {
    const s = series(30, (m) => 100 + ((m * 60) % 60) / 6); // 0–10 MB tooth each minute
    const slope = memorySlopeMbPerHour(s, 0, 30 * MIN);
    expect(slope).toBeDefined();
    expect(Math.abs(slope ?? Infinity)).toBeLessThan(5);
    // ending on a tooth's top: two points (the half's first sample and that one) would read 18 MB/h
    const top = s.filter((x) => x.atMs <= 29 * MIN + 55_000);
    const fit = memorySlopeMbPerHour(top, 0, 29 * MIN + 55_000);
    expect(Math.abs(fit ?? Infinity)).toBeLessThan(5);
  });

  it('takes the samples of the second half by time, not by count, and none outside the run', () => {
    const s: MemorySample[] = [0, 1, 2, 3, 10, 11, 12, 30].map((m) => ({ atMs: m * MIN, rssBytes: m * MB }));
    expect(secondHalf(s, 0, 20 * MIN).map((x) => x.atMs / MIN)).toEqual([10, 11, 12]);
    expect(memorySlopeMbPerHour(s, 0, 20 * MIN)).toBeCloseTo(60, 9);
  });

  it('too few samples after warm-up: no slope', () => {
    expect(memorySlopeMbPerHour([{ atMs: 0, rssBytes: MB }, { atMs: 9 * MIN, rssBytes: MB }, { atMs: 10 * MIN, rssBytes: 2 * MB }], 0, 10 * MIN)).toBeUndefined();
  });
});
