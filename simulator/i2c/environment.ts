/**
 * What a virtual sensor measures, and helpers shared by the sensor parts.
 *
 * A `Room` (simulator/physics/room.ts) is an `Environment` as it stands: its
 * `temperatureC` getter integrates the thermal model up to `clock.now()`. Tests may pass a
 * plain object and change its fields, or build one from functions with `environmentFrom`.
 */
import { I2cError } from '../../drivers/i2c/index.js';

export interface Environment {
  /** Air temperature in °C. */
  readonly temperatureC: number;
  /** Relative humidity in %. */
  readonly humidityPct: number;
  /** Absolute pressure in Pa; sensors use 101 325 Pa (sea level) when absent. */
  readonly pressurePa?: number;
}

export const SEA_LEVEL_PA = 101_325;

/** An Environment whose readings come from functions (sampled at each measurement). */
export function environmentFrom(read: {
  temperatureC: () => number;
  humidityPct?: () => number;
  pressurePa?: () => number;
}): Environment {
  return {
    get temperatureC() {
      return read.temperatureC();
    },
    get humidityPct() {
      return read.humidityPct?.() ?? 45;
    },
    get pressurePa() {
      return read.pressurePa?.() ?? SEA_LEVEL_PA;
    },
  };
}

/**
 * The NACK a part gives (address or data byte not acknowledged). The virtual bus re-issues
 * it with its own bus number, so the bus number here is a placeholder.
 */
export function nack(part: { readonly part: string; readonly address: number }, detail: string): I2cError {
  return new I2cError('nack', 0, part.address, detail);
}

/** Checks that `address` is one the part can be strapped to. */
export function checkStrap(part: string, address: number, allowed: readonly number[]): number {
  if (!allowed.includes(address)) {
    const list = allowed.map((a) => `0x${a.toString(16)}`).join(', ');
    throw new RangeError(`${part}: address 0x${address.toString(16)} is not one the part can be strapped to (${list})`);
  }
  return address;
}

/**
 * The reply to a read of `length` bytes when the part has `data` ready: the master may stop
 * early; past the end of the data nobody drives SDA and the pull-ups read 0xFF.
 */
export function readOut(data: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length, 0xff);
  data.copy(out, 0, 0, Math.min(length, data.length));
  return out;
}

/** Saturation vapour pressure over water (Magnus, Sonntag 1990), in hPa. */
export function saturationHpa(tC: number): number {
  return 6.112 * Math.exp((17.62 * tC) / (243.12 + tC));
}

/** Relative humidity the same air shows when warmed from `tC` by `deltaC` (a sensor heater). */
export function humidityWhenWarmed(rhPct: number, tC: number, deltaC: number): number {
  return (rhPct * saturationHpa(tC)) / saturationHpa(tC + deltaC);
}
