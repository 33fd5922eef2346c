/**
 * Memory growth of a long-running program: the least-squares slope of its resident memory over
 * the second half of the run, after warm-up (docs/soak.md, "Memory slope").
 *
 * Must hold:
 * 1. only samples at or after the midpoint of the run (`startMs` + (`endMs` − `startMs`) / 2)
 *    count: the first half is warm-up (JIT, caches, the first SAs and queue pages);
 * 2. the slope is the ordinary least-squares fit y = a + b·t over those samples (t in hours, y
 *    in MB of 2^20 bytes), so a sawtooth of garbage collections averages out instead of
 *    deciding the figure by where the last sample fell;
 * 3. fewer than 3 samples in that half, or all at one instant, give no slope (undefined), never
 *    a made-up 0.
 */

export interface MemorySample {
  /** Milliseconds on a monotonic clock. */
  readonly atMs: number;
  readonly rssBytes: number;
}

const MB = 1024 * 1024;
const HOUR_MS = 3_600_000;

/** Least-squares slope of `points` (x, y); undefined with fewer than 3 points or no spread in x. */
export function leastSquaresSlope(points: ReadonlyArray<readonly [number, number]>): number | undefined {
  const n = points.length;
  if (n < 3) return undefined;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) * (x - mx);
  }
  return sxx === 0 ? undefined : sxy / sxx;
}

/** The samples of the second half of the run [startMs, endMs] (rule 1). */
export function secondHalf(samples: readonly MemorySample[], startMs: number, endMs: number): MemorySample[] {
  const mid = startMs + (endMs - startMs) / 2;
  return samples.filter((s) => s.atMs >= mid && s.atMs <= endMs);
}

/** MB per hour over the second half of the run (rules 1–3). */
export function memorySlopeMbPerHour(samples: readonly MemorySample[], startMs: number, endMs: number): number | undefined {
  return leastSquaresSlope(secondHalf(samples, startMs, endMs).map((s) => [s.atMs / HOUR_MS, s.rssBytes / MB] as const));
}
