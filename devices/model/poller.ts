/**
 * Polling with exponential backoff on the injected clock: the one place a device's periodic
 * work (read a sensor, count tach pulses, read HVAC registers) is scheduled.
 *
 * Must hold (devices/model/types.ts, "a failing device never throws out of its poller"):
 * - `poll` runs every `intervalMs` while it succeeds; after k ≥ 1 consecutive failures the next
 *   wait is min(intervalMs × 2^k, maxIntervalMs) × (1 − jitter × random()), never below
 *   `intervalMs`, and the first success returns to `intervalMs` by itself;
 * - nothing escapes: a poll that throws (synchronously or by rejecting) is a failure handed to
 *   `onFailure`; a listener that throws is ignored;
 * - polls never overlap: the next one is scheduled only after the previous one settled;
 * - `stop()` cancels the pending timer and resolves once an in-flight poll has settled, so a
 *   device can put its outputs to the safe level knowing no poll will touch them afterwards.
 * `poll` must settle: bound every wait inside it (drivers time out; see drivers/i2c/errors.ts).
 */
import type { Clock, TimerHandle } from '../../common/index.js';

export interface PollerOptions {
  readonly clock: Clock;
  /** The wait between polls while they succeed, in clock ms (> 0). */
  readonly intervalMs: number;
  /** The longest wait while failing; default 32 × intervalMs. */
  readonly maxIntervalMs?: number;
  /** Fraction 0..1 of a backed-off wait taken off at random, so neighbours do not retry in step; default 0.1. */
  readonly jitter?: number;
  /** Uniform in [0, 1); default Math.random. Inject `() => 0` for exact waits in tests. */
  readonly random?: () => number;
  /** The work. A rejection (or a synchronous throw) is a failure. */
  readonly poll: () => Promise<void>;
  readonly onSuccess?: () => void;
  readonly onFailure?: (error: unknown) => void;
}

export class Poller {
  private readonly maxIntervalMs: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private timer: TimerHandle | undefined;
  private inFlight: Promise<void> | undefined;
  private running = false;
  private failures = 0;

  constructor(private readonly options: PollerOptions) {
    if (!(options.intervalMs > 0)) throw new RangeError(`Poller: intervalMs must be > 0 (got ${options.intervalMs})`);
    this.maxIntervalMs = Math.max(options.intervalMs, options.maxIntervalMs ?? options.intervalMs * 32);
    this.jitter = Math.min(1, Math.max(0, options.jitter ?? 0.1));
    this.random = options.random ?? Math.random;
  }

  /**
   * Polls after `firstDelayMs` (default 0: at once), then on schedule. Calling it while
   * running does nothing. (A delay suits polls that measure over the interval, e.g. tach pulses.)
   */
  start(firstDelayMs = 0): void {
    if (this.running) return;
    this.running = true;
    this.failures = 0;
    if (firstDelayMs > 0 && this.inFlight === undefined) this.schedule(firstDelayMs);
    else void this.pollNow();
  }

  /** Stops scheduling and resolves after an in-flight poll has settled. Never rejects. */
  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer();
    await this.inFlight;
  }

  /**
   * Runs a poll now (joining one already in flight) and, while running, reschedules from its
   * outcome. Never rejects: the outcome goes to onSuccess/onFailure.
   */
  pollNow(): Promise<void> {
    if (this.inFlight !== undefined) return this.inFlight;
    this.cancelTimer();
    const attempt = async (): Promise<{ failed: boolean; error?: unknown }> => {
      try {
        await this.options.poll();
        return { failed: false };
      } catch (error) {
        return { failed: true, error };
      }
    };
    // The outcome is handled in a reaction, so `inFlight` is always set before it is cleared
    // (a poll that throws synchronously included).
    this.inFlight = attempt().then(({ failed, error }) => {
      this.inFlight = undefined;
      if (failed) {
        this.failures += 1;
        quietly(() => this.options.onFailure?.(error));
      } else {
        this.failures = 0;
        quietly(() => this.options.onSuccess?.());
      }
      if (this.running && this.timer === undefined) this.schedule(this.nextDelayMs());
    });
    return this.inFlight;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Consecutive failed polls so far. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** The wait before the next poll given the failures so far (see the rule at the top). */
  nextDelayMs(): number {
    const { intervalMs } = this.options;
    if (this.failures === 0) return intervalMs;
    const backedOff = Math.min(intervalMs * 2 ** Math.min(this.failures, 30), this.maxIntervalMs);
    return Math.max(intervalMs, backedOff * (1 - this.jitter * this.random()));
  }

  private schedule(ms: number): void {
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      void this.pollNow();
    }, ms);
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Runs a listener; a throwing listener must not break the caller (the device keeps going). */
export function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // Deliberately ignored: listeners belong to other layers and cannot stop a device.
  }
}
