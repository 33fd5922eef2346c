import { describe, expect, it } from 'vitest';
import {
  BME280_TYPICAL_CALIBRATION as CAL,
  compensateHumidity,
  compensatePressure,
  compensateTemperature,
  encodeBme280Calibration,
  parseBme280Burst,
  parseBme280Calibration,
  type Bme280Calibration,
} from './bme280-compensation.js';

/** The datasheet's double-precision formulas (BME280 §8.1), an independent check on the integer ones. */
function doubles(adcT: number, adcP: number, adcH: number, c: Bme280Calibration): { t: number; p: number; h: number } {
  let v1 = (adcT / 16384 - c.digT1 / 1024) * c.digT2;
  let v2 = (adcT / 131072 - c.digT1 / 8192) ** 2 * c.digT3;
  const tFine = Math.trunc(v1 + v2);
  const t = (v1 + v2) / 5120;
  v1 = tFine / 2 - 64000;
  v2 = (v1 * v1 * c.digP6) / 32768;
  v2 = v2 + v1 * c.digP5 * 2;
  v2 = v2 / 4 + c.digP4 * 65536;
  v1 = ((c.digP3 * v1 * v1) / 524288 + c.digP2 * v1) / 524288;
  v1 = (1 + v1 / 32768) * c.digP1;
  let p = 1048576 - adcP;
  p = ((p - v2 / 4096) * 6250) / v1;
  p = p + ((c.digP9 * p * p) / 2147483648 + (p * c.digP8) / 32768 + c.digP7) / 16;
  let h = tFine - 76800;
  h = (adcH - (c.digH4 * 64 + (c.digH5 / 16384) * h)) * ((c.digH2 / 65536) * (1 + (c.digH6 / 67108864) * h * (1 + (c.digH3 / 67108864) * h)));
  h = h * (1 - (c.digH1 * h) / 524288);
  return { t, p, h: Math.min(100, Math.max(0, h)) };
}

describe('Bosch BME280 integer compensation', () => {
  it('reproduces the datasheet worked example (BMP280 DS001 §3.12: adc_T 519888, adc_P 415148)', () => {
    const t = compensateTemperature(519888, CAL);
    expect(t).toEqual({ centiC: 2508, tFine: 128422 });
    // Double precision gives 100653.27 Pa; the 32-bit integer version lands on 100656.
    expect(compensatePressure(415148, t.tFine, CAL)).toBe(100656);
    expect(doubles(519888, 415148, 0, CAL).p).toBeCloseTo(100653.27, 1);
    // A different raw value gives a different answer (the check can fail).
    expect(compensateTemperature(519888 + 160, CAL).centiC).not.toBe(2508);
  });

  it('agrees with the double-precision formulas across the operating range', () => {
    for (let adcT = 300_000; adcT <= 700_000; adcT += 50_000) {
      for (let adcP = 250_000; adcP <= 750_000; adcP += 125_000) {
        for (let adcH = 22_000; adcH <= 36_000; adcH += 3_500) {
          const { centiC, tFine } = compensateTemperature(adcT, CAL);
          const d = doubles(adcT, adcP, adcH, CAL);
          expect(Math.abs(centiC / 100 - d.t)).toBeLessThanOrEqual(0.01);
          expect(Math.abs(compensatePressure(adcP, tFine, CAL) - d.p)).toBeLessThan(d.p * 1e-4);
          expect(Math.abs(compensateHumidity(adcH, tFine, CAL) / 1024 - d.h)).toBeLessThan(0.05);
        }
      }
    }
  });

  it('clamps humidity to 0..100 %RH (Q22.10: 0..102400)', () => {
    expect(compensateHumidity(0, 128422, CAL)).toBe(0);
    expect(compensateHumidity(0xffff, 128422, CAL)).toBe(102400);
  });

  it('lays out and parses the trimming parameters, sign of dig_H4/H5/H6 included', () => {
    const odd: Bme280Calibration = { ...CAL, digH4: -300, digH5: -7, digH6: -5, digH2: -2, digP9: -32768, digT1: 65535 };
    for (const c of [CAL, odd]) {
      const { block88, blockE1 } = encodeBme280Calibration(c);
      expect(block88).toHaveLength(26);
      expect(blockE1).toHaveLength(7);
      expect(parseBme280Calibration(block88, blockE1)).toEqual(c);
    }
    const { block88, blockE1 } = encodeBme280Calibration(CAL);
    expect([...block88.subarray(0, 2)]).toEqual([27504 & 0xff, 27504 >> 8]);
    expect(block88[25]).toBe(CAL.digH1);
    // dig_H4 = 0xE4 << 4 | 0xE5[3:0]; dig_H5 = 0xE6 << 4 | 0xE5[7:4]
    expect(((blockE1[3]! << 4) | (blockE1[4]! & 0x0f))).toBe(CAL.digH4);
    expect(((blockE1[5]! << 4) | (blockE1[4]! >> 4))).toBe(CAL.digH5);
    expect(() => parseBme280Calibration(block88.subarray(0, 24), blockE1)).toThrow(/26 bytes/);
  });

  it('splits a data burst into 20-bit P and T and 16-bit H', () => {
    expect(parseBme280Burst(Uint8Array.of(0x65, 0x5a, 0xc0, 0x7e, 0xed, 0x00, 0x6a, 0x3c))).toEqual({
      adcP: 0x655ac,
      adcT: 0x7eed0,
      adcH: 0x6a3c,
    });
  });
});
