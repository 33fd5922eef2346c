/**
 * The fan's fail-safe: full speed when its temperature source fails or
 * passes a threshold, back to the commanded speed when the source is healthy and below the
 * threshold minus a hysteresis.
 *
 * Must hold:
 * - "failed" is the source's health status 'failed', a source that throws, or no reading
 *   (null) for longer than `graceMs` (a thermometer reads null only until its first poll or
 *   after it failed, so a short null at boot is not a failure);
 * - engaging needs failed or temperature ≥ thresholdC; releasing needs healthy (not failed,
 *   a number) and temperature < thresholdC − hysteresisC: no flapping around the threshold;
 * - a degraded source still counts: its last good reading stands.
 */
import type { Device, HealthStatus } from '../model/index.js';
import { errorMessage } from '../model/index.js';

export interface TemperatureReading {
  /** °C, or null when unknown. */
  readonly temperatureC: number | null;
  readonly status: HealthStatus;
}

/** The latest temperature and the health of whatever measures it. May throw (counted as failed). */
export type TemperatureSource = () => TemperatureReading;

/** A TemperatureSource over a Device's numeric property (default "temperature") and its health. */
export function temperatureFromDevice(device: Device, property = 'temperature'): TemperatureSource {
  return () => {
    const value = device.read()[property];
    return { temperatureC: typeof value === 'number' ? value : null, status: device.health().status };
  };
}

export interface FailSafeOptions {
  /** A Device with a temperature property, or a function. */
  readonly source: Device | TemperatureSource;
  /** Full speed at or above this temperature, °C. */
  readonly thresholdC: number;
  /** Back to the commanded speed below thresholdC − hysteresisC; default 2 °C. */
  readonly hysteresisC?: number;
  /** How long a missing reading (null, source not failed) is tolerated; default 30 000 ms. */
  readonly graceMs?: number;
}

export type FailSafeDecision = { readonly engage: true; readonly reason: string } | { readonly engage: false; readonly reason: string } | undefined;

/** Decides, at each fan poll, whether the fail-safe engages, releases or stays as it is (undefined). */
export class FailSafeMonitor {
  private readonly source: TemperatureSource;
  private readonly hysteresisC: number;
  private readonly graceMs: number;
  private lastKnownMs: number;
  private engaged = false;
  private readingSeen = false;

  constructor(
    private readonly options: FailSafeOptions,
    startMs: number,
  ) {
    this.source = typeof options.source === 'function' ? options.source : temperatureFromDevice(options.source);
    this.hysteresisC = options.hysteresisC ?? 2;
    this.graceMs = options.graceMs ?? 30_000;
    this.lastKnownMs = startMs;
    if (!Number.isFinite(options.thresholdC) || !(this.hysteresisC >= 0)) {
      throw new RangeError(`fail-safe: thresholdC must be a number and hysteresisC ≥ 0 (got ${options.thresholdC}, ${this.hysteresisC})`);
    }
  }

  get isEngaged(): boolean {
    return this.engaged;
  }

  /** A healthy reading has arrived since the last reset. */
  get hasReading(): boolean {
    return this.readingSeen;
  }

  /** Starts the grace period again (on fan start). */
  reset(nowMs: number): void {
    this.lastKnownMs = nowMs;
    this.engaged = false;
    this.readingSeen = false;
  }

  evaluate(nowMs: number): FailSafeDecision {
    const { thresholdC } = this.options;
    let reading: TemperatureReading;
    try {
      reading = this.source();
    } catch (e) {
      return this.engage(`the temperature source threw: ${errorMessage(e)}`);
    }
    const t = reading.temperatureC;
    if (t !== null) this.lastKnownMs = nowMs;
    if (reading.status === 'failed') return this.engage('the temperature source failed');
    if (t !== null) this.readingSeen = true;
    if (t === null) {
      return nowMs - this.lastKnownMs > this.graceMs ? this.engage(`no temperature for ${Math.round((nowMs - this.lastKnownMs) / 1000)} s`) : undefined;
    }
    if (t >= thresholdC) return this.engage(`temperature ${t} °C ≥ threshold ${thresholdC} °C`);
    const releaseBelow = thresholdC - this.hysteresisC;
    if (this.engaged && t < releaseBelow) {
      this.engaged = false;
      return { engage: false, reason: `temperature ${t} °C < ${releaseBelow} °C and its source is healthy` };
    }
    return undefined;
  }

  private engage(reason: string): FailSafeDecision {
    if (this.engaged) return undefined;
    this.engaged = true;
    return { engage: true, reason };
  }
}
