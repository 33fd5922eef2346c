/**
 * The thermometer device: one Device kind over any of the part drivers (SHT31, SHT4x,
 * MCP9808, BME280, TMP102). Properties: temperature (Cel) always, humidity (%RH) and
 * pressure (Pa) where the part measures them; all read-only and observable.
 *
 * Flow of a poll (Poller, every `intervalMs`, backing off while failing):
 *  1. if the part is not set up (first poll, or any failure since): `init` (identity check,
 *     configuration; a replugged part is set up again);
 *  2. `measure`; round to 0.01 (below every part's resolution but SHT3x's 0.003 °C) and
 *     `update`, which tells listeners what changed;
 *  3. a rejection is a failure: health goes degraded, then failed ('sensor-failed' event) and
 *     the readings go null (unknown) until a poll succeeds again ('recovered').
 */
import type { Clock } from '../../common/index.js';
import type { I2cBus } from '../../drivers/index.js';
import { DeviceBase } from '../model/base.js';
import type { Device, DeviceDescription, HealthStatus, PropertySpec } from '../model/types.js';
import { bme280Part } from './bme280.js';
import { mcp9808Part } from './mcp9808.js';
import type { ThermometerPartContext, ThermometerPart } from './part.js';
import { sht31Part, sht4xPart } from './sensirion.js';
import { tmp102Part } from './tmp102.js';

export type ThermometerPartName = 'sht31' | 'sht4x' | 'mcp9808' | 'bme280' | 'tmp102';

/** Each part's default address (docs/hardware.md#i2c-addresses: the address with the strap pins low). */
export const THERMOMETER_DEFAULT_ADDRESS: Readonly<Record<ThermometerPartName, number>> = {
  sht31: 0x44,
  sht4x: 0x44,
  mcp9808: 0x18,
  bme280: 0x76,
  tmp102: 0x48,
};

/** A built-in part on an I2C bus, or any driver implementing ThermometerPart. */
export type ThermometerSource =
  | { readonly part: ThermometerPartName; readonly bus: I2cBus; readonly address?: number }
  | { readonly driver: ThermometerPart };

export type ThermometerOptions = ThermometerSource & {
  readonly name: string;
  readonly clock: Clock;
  /** Poll period while healthy; default 2000 ms. */
  readonly intervalMs?: number;
  /** Longest wait between polls while failing; default 60 000 ms. */
  readonly maxIntervalMs?: number;
  /** Consecutive failures before 'failed'; default 3. */
  readonly failAfter?: number;
  /** Jitter source for the backoff; default Math.random. */
  readonly random?: () => number;
};

export function createThermometerPart(name: ThermometerPartName, ctx: ThermometerPartContext): ThermometerPart {
  switch (name) {
    case 'sht31':
      return sht31Part(ctx);
    case 'sht4x':
      return sht4xPart(ctx);
    case 'mcp9808':
      return mcp9808Part(ctx);
    case 'bme280':
      return bme280Part(ctx);
    case 'tmp102':
      return tmp102Part(ctx);
  }
}

export function createThermometer(options: ThermometerOptions): Device {
  const driver =
    'driver' in options
      ? options.driver
      : createThermometerPart(options.part, { bus: options.bus, address: options.address ?? THERMOMETER_DEFAULT_ADDRESS[options.part], clock: options.clock });
  return new Thermometer(driver, options);
}

const reading = (name: string, unit: string, rt: string, description: string): PropertySpec => ({
  name,
  type: 'number',
  unit,
  writable: false,
  observable: true,
  rt,
  description,
});

function describeThermometer(name: string, driver: ThermometerPart): DeviceDescription {
  const properties = [reading('temperature', 'Cel', 'pia.temperature', 'Air temperature in °C')];
  if (driver.measures.humidity) properties.push(reading('humidity', '%RH', 'pia.humidity', 'Relative humidity in %'));
  if (driver.measures.pressure) properties.push(reading('pressure', 'Pa', 'pia.pressure', 'Absolute air pressure in Pa'));
  return { name, kind: 'thermometer', part: driver.label, properties, actions: [], blobs: [] };
}

class Thermometer extends DeviceBase {
  private ready = false;
  private readonly poller;

  constructor(
    private readonly driver: ThermometerPart,
    options: ThermometerOptions,
  ) {
    super({
      description: describeThermometer(options.name, driver),
      clock: options.clock,
      failedEventKind: 'sensor-failed',
      ...(options.failAfter === undefined ? {} : { failAfter: options.failAfter }),
    });
    this.poller = this.createPoller(() => this.poll(), {
      intervalMs: options.intervalMs ?? 2000,
      maxIntervalMs: options.maxIntervalMs ?? 60_000,
      ...(options.random === undefined ? {} : { random: options.random }),
    });
  }

  /** No outputs to make safe: polling starts (the first poll at once). */
  start(): Promise<void> {
    this.poller.start();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return this.poller.stop();
  }

  protected override healthChanged(_from: HealthStatus, to: HealthStatus): void {
    if (to !== 'failed') return;
    const unknown: Record<string, null> = {};
    for (const p of this.describe().properties) unknown[p.name] = null;
    this.update(unknown);
  }

  private async poll(): Promise<void> {
    try {
      if (!this.ready) {
        await this.driver.init();
        this.ready = true;
      }
      const r = await this.driver.measure();
      this.update({
        temperature: round2(r.temperatureC),
        ...(this.driver.measures.humidity && r.humidityPct !== undefined ? { humidity: round2(r.humidityPct) } : {}),
        ...(this.driver.measures.pressure && r.pressurePa !== undefined ? { pressure: Math.round(r.pressurePa) } : {}),
      });
    } catch (e) {
      this.ready = false;
      throw e;
    }
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
