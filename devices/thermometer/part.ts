/**
 * What the thermometer device needs from a part driver: identify/configure, then measure.
 * One driver per part family (sht31.ts, sht4x.ts, mcp9808.ts, bme280.ts, tmp102.ts), each
 * speaking the part's real command sequence on an `I2cBus` (docs/hardware.md: #i2c-addresses
 * and each part's section).
 *
 * Must hold: `init` and `measure` reject (never hang: every wait is bounded) with an error
 * that names the part, its bus and address, the problem and the fix; a CRC mismatch or an
 * implausible value is an error, never a reading.
 */
import type { Clock } from '../../common/index.js';
import type { I2cBus } from '../../drivers/index.js';

export interface ThermometerReading {
  readonly temperatureC: number;
  readonly humidityPct?: number;
  readonly pressurePa?: number;
}

export interface ThermometerPart {
  /** e.g. "SHT31 at i2c-1 0x44" (DeviceDescription.part). */
  readonly label: string;
  readonly measures: { readonly humidity: boolean; readonly pressure: boolean };
  /** Identifies and configures the part; run before the first measurement and after any failure (it may have been replugged). */
  init(): Promise<void>;
  measure(): Promise<ThermometerReading>;
}

/** The bus, address and clock a part driver works with. */
export interface ThermometerPartContext {
  readonly bus: I2cBus;
  readonly address: number;
  readonly clock: Clock;
}

export class ThermometerPartError extends Error {
  override readonly name = 'ThermometerPartError';
}

/** "SHT31 at i2c-1 0x44". */
export function partLabel(part: string, ctx: ThermometerPartContext): string {
  return `${part} at i2c-${ctx.bus.busNumber} 0x${ctx.address.toString(16).padStart(2, '0')}`;
}

/** Refuses a reading outside the part's operating range (a garbled transfer that passed every other check). */
export function plausible(label: string, what: string, value: number, min: number, max: number, unit: string): number {
  if (!(Number.isFinite(value) && value >= min && value <= max)) {
    throw new ThermometerPartError(`${label}: ${what} ${value} ${unit} is outside the part's range ${min}..${max} ${unit} (a garbled transfer); check wiring and pull-ups`);
  }
  return value;
}

/** Two's complement of the low `bits` bits. */
export function signed(value: number, bits: number): number {
  const v = value & ((1 << bits) - 1);
  return v & (1 << (bits - 1)) ? v - (1 << bits) : v;
}
