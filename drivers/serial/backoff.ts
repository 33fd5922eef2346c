/**
 * Reopen delays after a serial line is lost: exponential growth with random jitter, capped.
 * Jitter keeps several gateways (or several lines on one gateway) from retrying in lockstep
 * after a shared power blip.
 *
 * Must hold: every delay lies in [base·(1 − jitter), base] where
 * base = min(maxMs, initialMs · factor^attempt); delays never exceed `maxMs`.
 */
export interface BackoffOptions {
  /** Delay before the first reopen attempt; default 100 ms. */
  readonly initialMs?: number;
  /** Upper bound on any delay; default 30 000 ms. */
  readonly maxMs?: number;
  /** Growth per failed attempt; default 2. */
  readonly factor?: number;
  /** Fraction of the delay that is random, 0–1; default 0.5. */
  readonly jitter?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { initialMs: 100, maxMs: 30_000, factor: 2, jitter: 0.5 };

/**
 * The delay before reopen attempt number `attempt` (0 = first). `random` returns [0, 1).
 */
export function backoffDelayMs(attempt: number, random: () => number, options: BackoffOptions = {}): number {
  const o = { ...DEFAULT_BACKOFF, ...options };
  if (!(o.initialMs >= 0 && o.maxMs >= o.initialMs && o.factor >= 1 && o.jitter >= 0 && o.jitter <= 1)) {
    throw new RangeError(
      `serial reopen backoff: need 0 ≤ initialMs ≤ maxMs, factor ≥ 1, 0 ≤ jitter ≤ 1; got ${JSON.stringify(options)}`,
    );
  }
  // Math.pow overflows to Infinity for large attempts; min() then yields maxMs.
  const base = Math.min(o.maxMs, o.initialMs * Math.pow(o.factor, Math.max(0, attempt)));
  const r = Math.min(Math.max(random(), 0), 1);
  return base * (1 - o.jitter * r);
}
