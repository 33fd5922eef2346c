/**
 * The simulator's side of the BME280 compensation: the raw ADC value that the Bosch integer
 * formulas (bme280-compensation.ts) turn back into a wanted °C, Pa or %RH. Each formula is
 * monotonic in its ADC input over the sensor's range, so a bisection over the ADC codes
 * (in steps of the resolution the oversampling gives) finds the nearest code.
 */
import {
  compensateHumidity,
  compensatePressure,
  compensateTemperature,
  type Bme280Calibration,
} from './bme280-compensation.js';

/** Integer x in lo..hi (multiples of `step`) whose f(x) is nearest `target`; f monotonic there. */
function nearestCode(f: (x: number) => number, target: number, lo: number, hi: number, step: number, increasing: boolean): number {
  let a = Math.ceil(lo / step);
  let b = Math.floor(hi / step);
  while (b - a > 1) {
    const m = Math.floor((a + b) / 2);
    const below = f(m * step) < target;
    if (below === increasing) a = m;
    else b = m;
  }
  const da = Math.abs(f(a * step) - target);
  const db = Math.abs(f(b * step) - target);
  return (db < da ? b : a) * step;
}

/** Code step for a 20-bit reading at oversampling setting 1..5 (×1..×16): 16 + (osrs − 1) bits (§3.4.3, §3.4.2). */
export function codeStep(osrs: number): number {
  return 1 << Math.max(0, 5 - osrs);
}

/** adc_T whose t_fine/5120 is nearest `tC`, and the t_fine a host will compute from it. */
export function encodeTemperature(tC: number, c: Bme280Calibration, step = 1): { adcT: number; tFine: number } {
  const adcT = nearestCode((x) => compensateTemperature(x, c).tFine / 5120, tC, 0, 0xfffff, step, true);
  return { adcT, tFine: compensateTemperature(adcT, c).tFine };
}

/**
 * Pressure falls as adc_P rises. Above 1048576 − (var2 >> 12) the formula's unsigned term
 * wraps (no physical pressure lies there), so the search stops below it.
 */
export function encodePressure(pa: number, tFine: number, c: Bme280Calibration, step = 1): number {
  const v1 = (tFine >> 1) - 64000;
  let v2 = Math.imul(Math.imul(v1 >> 2, v1 >> 2) >> 11, c.digP6);
  v2 = (v2 + (Math.imul(v1, c.digP5) << 1)) | 0;
  v2 = ((v2 >> 2) + (c.digP4 << 16)) | 0;
  const hi = Math.min(0xfffff, 1048576 - (v2 >> 12) - 1);
  return nearestCode((x) => compensatePressure(x, tFine, c), pa, 0, hi, step, false);
}

export function encodeHumidity(rhPct: number, tFine: number, c: Bme280Calibration): number {
  return nearestCode((x) => compensateHumidity(x, tFine, c) / 1024, rhPct, 0, 0xffff, 1, true);
}
