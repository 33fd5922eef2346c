/**
 * A free-running ADC (MCP9808, TMP102, BME280 normal mode): conversions complete at
 * start + first, then every `period` ms. Parts poll it when the host touches them and take a
 * fresh sample when a conversion has completed since, so a register changes at most once per
 * conversion and holds between, as on the chip. No timers run while nobody looks (a room
 * simulated for hours costs nothing); the price is that the sample is the environment when
 * the host looks, not at the instant the conversion ended (at most one period apart).
 */
import type { Clock } from '../../common/index.js';

export class FreeRunningConversion {
  private startedAt: number;
  private firstMs: number;
  private periodMs: number;
  private counted = 0;
  private running = true;

  constructor(
    private readonly clock: Clock,
    firstMs: number,
    periodMs: number,
  ) {
    this.startedAt = clock.now();
    this.firstMs = firstMs;
    this.periodMs = periodMs;
  }

  /** Starts again from now (power-up, leaving shutdown, a new resolution or rate). */
  restart(firstMs: number, periodMs: number): void {
    this.startedAt = this.clock.now();
    this.firstMs = firstMs;
    this.periodMs = periodMs;
    this.counted = 0;
    this.running = true;
  }

  /** No more conversions (shutdown); the last result stays. */
  stop(): void {
    this.running = false;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Conversions completed since the previous poll (0 when none, or when stopped). */
  poll(): number {
    if (!this.running) return 0;
    const elapsed = this.clock.now() - this.startedAt;
    if (elapsed < this.firstMs) return 0;
    const total = 1 + Math.floor((elapsed - this.firstMs) / this.periodMs);
    const fresh = total - this.counted;
    this.counted = total;
    return fresh;
  }
}

/** Two's complement of the low `bits` bits of `value`. */
export function signExtend(value: number, bits: number): number {
  const sign = 1 << (bits - 1);
  const v = value & ((1 << bits) - 1);
  return v & sign ? v - (1 << bits) : v;
}
