/**
 * Health as a small state machine fed by poll and write outcomes (types.ts `Health`).
 *
 * Must hold:
 * - status is 'failed' after `failAfter` consecutive failures, 'degraded' after 1..failAfter−1
 *   or while a standing fault is set (a stalled fan), 'ok' otherwise;
 * - one success clears the consecutive failures (standing faults stay until cleared);
 * - `lastError` keeps the most recent failure or fault with its wall-clock time, also after
 *   recovery, so an operator can see what went wrong last; `lastOkAt` is the last success
 *   (both ISO 8601, `Clock.wallNow` at that moment: devices/README.md, "Times");
 * - entering 'failed' emits one `failedEventKind` event (alarm); leaving it emits one
 *   'recovered' event (info). Degraded is visible in health() without an event of its own
 *   (a single glitch on a bus should not page anyone).
 */
import { wallTime, type Clock } from '../../common/index.js';
import type { DeviceEvent, Health, HealthStatus } from './types.js';
import { quietly } from './poller.js';

export interface HealthTrackerOptions {
  /** The device name, for events. */
  readonly device: string;
  readonly clock: Clock;
  /** Consecutive failures that make the device 'failed'; default 3 (≥ 1). */
  readonly failAfter?: number;
  /** Event kind emitted on entering 'failed'; default 'failed' (a thermometer uses 'sensor-failed'). */
  readonly failedEventKind?: string;
  readonly emit: (event: DeviceEvent) => void;
  /** Called on every status change, after the event. */
  readonly onStatusChange?: (from: HealthStatus, to: HealthStatus) => void;
}

export class HealthTracker {
  private readonly failAfter: number;
  private failures = 0;
  private readonly faults = new Map<string, string>();
  private lastError: { message: string; at: string } | undefined;
  private lastOkAt: string | undefined;
  private current: HealthStatus = 'ok';

  constructor(private readonly options: HealthTrackerOptions) {
    this.failAfter = Math.max(1, Math.floor(options.failAfter ?? 3));
  }

  /** A poll or write succeeded. */
  ok(): void {
    this.failures = 0;
    this.lastOkAt = wallTime(this.options.clock);
    this.update();
  }

  /** A poll or write failed with `error` (an Error, DeviceError, I2cError, … or anything thrown). */
  fail(error: unknown): void {
    this.failures += 1;
    this.lastError = { message: errorMessage(error), at: wallTime(this.options.clock) };
    this.update();
  }

  /**
   * Sets (message) or clears (undefined) a standing fault under `key`, e.g. 'stall'. While any
   * is set the status is at least 'degraded'. Setting records it as `lastError`.
   */
  setFault(key: string, message: string | undefined): void {
    if (message === undefined) {
      this.faults.delete(key);
    } else {
      if (this.faults.get(key) === message) return;
      this.faults.set(key, message);
      this.lastError = { message, at: wallTime(this.options.clock) };
    }
    this.update();
  }

  get status(): HealthStatus {
    return this.current;
  }

  health(): Health {
    return {
      status: this.current,
      failures: this.failures,
      ...(this.lastError === undefined ? {} : { lastError: { ...this.lastError } }),
      ...(this.lastOkAt === undefined ? {} : { lastOkAt: this.lastOkAt }),
    };
  }

  private update(): void {
    const next: HealthStatus = this.failures >= this.failAfter ? 'failed' : this.failures > 0 || this.faults.size > 0 ? 'degraded' : 'ok';
    const previous = this.current;
    if (next === previous) return;
    this.current = next;
    const { device, clock, emit } = this.options;
    if (next === 'failed') {
      const event: DeviceEvent = {
        device,
        kind: this.options.failedEventKind ?? 'failed',
        severity: 'alarm',
        message: `${device}: failed after ${this.failures} consecutive errors; last: ${this.lastError?.message ?? 'unknown'}`,
        at: wallTime(clock),
        by: 'device',
      };
      quietly(() => emit(event));
    } else if (previous === 'failed') {
      const event: DeviceEvent = { device, kind: 'recovered', severity: 'info', message: `${device}: working again`, at: wallTime(clock), by: 'device' };
      quietly(() => emit(event));
    }
    quietly(() => this.options.onStatusChange?.(previous, next));
  }
}

/** The message of anything thrown (Error or not), for health and events. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
