/** Round-trip statistics for `pia ping` and the echo bench. */

export interface RttSummary {
  readonly count: number;
  readonly min: number;
  readonly median: number;
  /** Nearest rank: the smallest sample with at least 99 % of the samples at or below it. */
  readonly p99: number;
  readonly max: number;
}

/** Undefined for no samples (every echo lost). */
export function summarize(samples: readonly number[]): RttSummary | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const at = (i: number): number => sorted[Math.min(n - 1, Math.max(0, i))] ?? NaN;
  const median = n % 2 === 1 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
  return { count: n, min: at(0), median, p99: at(Math.ceil(0.99 * n) - 1), max: at(n - 1) };
}
