/**
 * Bosch BME280 driver (BST-BME280-DS002 §3.3, §5, docs/hardware.md#bme280): forced mode, one
 * measurement per poll, then the datasheet's compensation (bme280-compensation.ts).
 *
 * Flow:
 *  init:    1. chip ID 0xD0 must read 0x60 (0x58 is a BMP280: no humidity);
 *           2. soft reset (0xB6 → 0xE0), wait while status im_update (bit 0) is set (NVM copy, 2 ms);
 *           3. read the trimming: 26 bytes from 0x88, 7 bytes from 0xE1.
 *  measure: 1. ctrl_hum 0xF2 = ×1, then ctrl_meas 0xF4 = T ×1, P ×1, forced (ctrl_hum takes
 *              effect only after the ctrl_meas write: §5.4.3);
 *           2. wait t_measure,max (Appendix B: 1.25 + 2.3 + 2.875 + 2.875 ≈ 9.3 ms), then until
 *              status.measuring (bit 3) clears (bounded);
 *           3. burst-read 0xF7..0xFE; a skipped reading (0x80000) is an error; compensate T first.
 */
import { ThermometerPartError, partLabel, plausible, type ThermometerPartContext, type ThermometerReading, type ThermometerPart } from './part.js';
import { compensateH, compensateP, compensateT, parseTrimming, type Trimming } from './bme280-compensation.js';

const REG = { chipId: 0xd0, reset: 0xe0, ctrlHum: 0xf2, status: 0xf3, ctrlMeas: 0xf4, data: 0xf7, trim88: 0x88, trimE1: 0xe1 } as const;
const CHIP_ID = 0x60;
const BMP280_ID = 0x58;
const RESET_WORD = 0xb6;
const OSRS_H_X1 = 0x01;
/** osrs_t ×1 (001) · osrs_p ×1 (001) · mode forced (01). */
const CTRL_MEAS_FORCED_X1 = (0b001 << 5) | (0b001 << 2) | 0b01;
const MEASURE_MAX_MS = 9.3;
const STATUS = { measuring: 0x08, imUpdate: 0x01 } as const;
const SKIPPED_20_BIT = 0x80000;

export interface Bme280PartOptions {
  /** Wait between status polls; default 2 ms, up to 10 polls. */
  readonly statusPollMs?: number;
}

export function bme280Part(ctx: ThermometerPartContext, options: Bme280PartOptions = {}): ThermometerPart {
  const { bus, address, clock } = ctx;
  const label = partLabel('BME280', ctx);
  const pollMs = options.statusPollMs ?? 2;
  let trimming: Trimming | undefined;

  const waitWhile = async (bit: number, what: string): Promise<void> => {
    for (let i = 0; i < 10; i++) {
      if (((await bus.readByte(address, REG.status)) & bit) === 0) return;
      await clock.sleep(pollMs);
    }
    throw new ThermometerPartError(`${label}: still ${what} after ${10 * pollMs} ms (status bit stuck); power-cycle the part`);
  };

  return {
    label,
    measures: { humidity: true, pressure: true },
    async init() {
      trimming = undefined;
      const id = await bus.readByte(address, REG.chipId);
      if (id !== CHIP_ID) {
        const hint = id === BMP280_ID ? 'that is a BMP280 (no humidity), not a BME280' : 'another part answers at this address';
        throw new ThermometerPartError(`${label}: chip ID 0x${id.toString(16).padStart(2, '0')}, expected 0x60; ${hint}: check the address and part in the config`);
      }
      await bus.writeByte(address, REG.reset, RESET_WORD);
      await clock.sleep(pollMs);
      await waitWhile(STATUS.imUpdate, 'copying its trimming from NVM');
      trimming = parseTrimming(await bus.readI2cBlock(address, REG.trim88, 26), await bus.readI2cBlock(address, REG.trimE1, 7));
    },
    async measure(): Promise<ThermometerReading> {
      if (trimming === undefined) throw new ThermometerPartError(`${label}: measure before init (a bug in the thermometer device)`);
      const trim = trimming;
      await bus.writeByte(address, REG.ctrlHum, OSRS_H_X1);
      await bus.writeByte(address, REG.ctrlMeas, CTRL_MEAS_FORCED_X1);
      await clock.sleep(MEASURE_MAX_MS);
      await waitWhile(STATUS.measuring, 'measuring');
      const b = await bus.readI2cBlock(address, REG.data, 8);
      const at = (i: number): number => b[i] ?? 0;
      const adcP = (at(0) << 12) | (at(1) << 4) | (at(2) >> 4);
      const adcT = (at(3) << 12) | (at(4) << 4) | (at(5) >> 4);
      const adcH = (at(6) << 8) | at(7);
      if (adcT === SKIPPED_20_BIT || adcP === SKIPPED_20_BIT) {
        throw new ThermometerPartError(`${label}: the data registers hold the reset value (no measurement ran); the part may have reset: it is set up again on the next poll`);
      }
      const { centiC, tFine } = compensateT(adcT, trim);
      return {
        temperatureC: plausible(label, 'temperature', centiC / 100, -40, 85, '°C'),
        pressurePa: plausible(label, 'pressure', compensateP(adcP, tFine, trim), 30_000, 110_000, 'Pa'),
        humidityPct: compensateH(adcH, tFine, trim),
      };
    },
  };
}
