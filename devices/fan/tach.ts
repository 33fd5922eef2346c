/**
 * Tachometer counting: falling edges on the tach input over a window on the clock.
 *
 * Must hold (docs/hardware.md#fan): an open-collector output pulled up on the board,
 * `pulsesPerRevolution` pulses per revolution (2 for PC fans), so
 *   rpm = pulses / pulsesPerRevolution / (window in minutes)   (= pulse Hz × 30 for 2).
 * The window is the exact clock time between two `take()` calls, so a late poll (backoff)
 * still gives the right rate. A silent line (stall, cut wire) gives 0.
 */
import type { Clock } from '../../common/index.js';
import type { GpioInput } from '../../drivers/index.js';

export class TachCounter {
  private pulses = 0;
  private since: number;
  private readonly unwatch: () => void;

  constructor(
    private readonly input: GpioInput,
    private readonly clock: Clock,
    private readonly pulsesPerRevolution: number,
  ) {
    this.since = clock.now();
    this.unwatch = input.watch(() => {
      this.pulses += 1;
    });
  }

  /** The rpm over the window since the last call (or since construction), and starts a new window. */
  take(): { rpm: number; windowMs: number } {
    const now = this.clock.now();
    const windowMs = now - this.since;
    const rpm = windowMs > 0 ? (this.pulses / this.pulsesPerRevolution) * (60_000 / windowMs) : 0;
    this.pulses = 0;
    this.since = now;
    return { rpm, windowMs };
  }

  async close(): Promise<void> {
    this.unwatch();
    await this.input.close();
  }
}
