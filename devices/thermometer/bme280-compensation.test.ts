import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { BME280_TYPICAL_CALIBRATION, compensateBme280, encodeBme280Calibration } from '../../simulator/index.js';
import { compensateH, compensateP, compensateT, parseTrimming } from './bme280-compensation.js';

const sim = encodeBme280Calibration(BME280_TYPICAL_CALIBRATION);
const trimming = parseTrimming(sim.block88, sim.blockE1);

describe('BME280 compensation (datasheet int32 formulas)', () => {
  it('parses the trimming layout of Table 16, the split 12-bit H4/H5 included', () => {
    const c = BME280_TYPICAL_CALIBRATION;
    expect(trimming).toEqual({
      T1: c.digT1, T2: c.digT2, T3: c.digT3,
      P1: c.digP1, P2: c.digP2, P3: c.digP3, P4: c.digP4, P5: c.digP5, P6: c.digP6, P7: c.digP7, P8: c.digP8, P9: c.digP9,
      H1: c.digH1, H2: c.digH2, H3: c.digH3, H4: c.digH4, H5: c.digH5, H6: c.digH6,
    });
    const negative = Buffer.from(sim.blockE1);
    negative[3] = 0xff; // H4 = 0xFF << 4 | low nibble → negative 12-bit
    expect(parseTrimming(sim.block88, negative).H4).toBeLessThan(0);
  });

  it('gives the worked example of the BMP280 datasheet §3.12: 25.08 °C, ≈100 653 Pa', () => {
    const { centiC, tFine } = compensateT(519888, trimming);
    expect(tFine).toBe(128422);
    expect(centiC).toBe(2508);
    // Double precision gives 100 653.27 Pa; the 32-bit integer version's coarser arithmetic
    // (p computed in steps of 2 Pa before the correction) lands at 100 656 Pa.
    expect(compensateP(415148, tFine, trimming)).toBe(100656);
  });

  it('agrees bit for bit with the simulator\'s independent implementation over the ADC range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 300_000, max: 700_000 }), fc.integer({ min: 200_000, max: 600_000 }), fc.integer({ min: 0, max: 0xffff }), (adcT, adcP, adcH) => {
        const theirs = compensateBme280({ adcT, adcP, adcH }, BME280_TYPICAL_CALIBRATION);
        const { centiC, tFine } = compensateT(adcT, trimming);
        expect(centiC / 100).toBe(theirs.temperatureC);
        expect(compensateP(adcP, tFine, trimming)).toBe(theirs.pressurePa);
        expect(compensateH(adcH, tFine, trimming)).toBe(theirs.humidityPct);
      }),
      { numRuns: 500 },
    );
  });

  it('clamps humidity to 0..100 %RH and guards the pressure division', () => {
    const { tFine } = compensateT(519888, trimming);
    expect(compensateH(0, tFine, trimming)).toBe(0);
    expect(compensateH(0xffff, tFine, trimming)).toBeLessThanOrEqual(100);
    expect(compensateP(415148, tFine, { ...trimming, P1: 0 })).toBe(0);
  });
});
