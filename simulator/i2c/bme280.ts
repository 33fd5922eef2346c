/**
 * Bosch BME280 humidity, pressure and temperature sensor at 0x76 (SDO low) or 0x77.
 *
 * What holds on the wire (BST-BME280-DS002 §5–6, docs/hardware.md#bme280):
 * - Write: register address, data, [address, data]… (pairs, no auto-increment); a write of
 *   the address alone sets the read pointer. Read: from the pointer, auto-incrementing.
 * - 0xD0 chip ID 0x60. 0xE0 reset: writing 0xB6 resets every register (reads 0x00); the NVM
 *   copy then runs for 2 ms (status im_update, bit 0). Trimming: 26 B at 0x88..0xA1, 7 B at
 *   0xE1..0xE7 (bme280-compensation.ts).
 * - 0xF2 ctrl_hum osrs_h: takes effect only after a write to 0xF4 ctrl_meas (§5.4.3).
 *   0xF4 ctrl_meas: osrs_t[7:5] osrs_p[4:2] mode[1:0] (00 sleep, 01/10 forced, 11 normal).
 *   Forced: one measurement, then back to sleep (mode reads 00). Normal: measurements
 *   every t_measure + t_standby (0xF5 t_sb[7:5]). 0xF5 config: t_sb, filter[4:2]; writes in
 *   normal mode are ignored (§5.4.6). 0xF3 status: measuring (bit 3) while converting.
 * - Data 0xF7..0xFE: press msb, lsb, xlsb[7:4], temp msb, lsb, xlsb[7:4], hum msb, lsb;
 *   reset value 0x80000 / 0x80000 / 0x8000, which is also what a skipped (osrs 0) reading gives.
 *   Updated at the end of each measurement; resolution 16 + (osrs − 1) bits for T and P
 *   (20 bits with the IIR filter on), H 16 bits.
 * - t_measure,max = 1.25 + 2.3·T_os + (2.3·P_os + 0.575) + (2.3·H_os + 0.575) ms (Appendix B §9.1).
 * - IIR filter on T and P (§3.4.4): x ← (x·(c − 1) + new) / c, c = 2/4/8/16, started at the
 *   first sample after a reset.
 * The raw values are the Bosch int32 compensation formulas inverted (bme280-encode.ts), so a
 * host running those formulas reads back the environment's °C, Pa, %RH.
 */
import type { Clock } from '../../common/index.js';
import { FaultInjector } from '../faults.js';
import type { I2cTarget } from '../types.js';
import { BME280_TYPICAL_CALIBRATION, encodeBme280Calibration, type Bme280Calibration } from './bme280-compensation.js';
import { codeStep, encodeHumidity, encodePressure, encodeTemperature } from './bme280-encode.js';
import { FreeRunningConversion } from './conversion.js';
import { SEA_LEVEL_PA, checkStrap, type Environment } from './environment.js';

export interface Bme280Options {
  readonly clock: Clock;
  readonly environment: Environment;
  /** 0x76 (SDO to GND, default) or 0x77. */
  readonly address?: number;
  readonly calibration?: Bme280Calibration;
}

export const BME280_REG = { chipId: 0xd0, reset: 0xe0, ctrlHum: 0xf2, status: 0xf3, ctrlMeas: 0xf4, config: 0xf5, data: 0xf7 } as const;
const OVERSAMPLING = [0, 1, 2, 4, 8, 16, 16, 16] as const;
const STANDBY_MS = [0.5, 62.5, 125, 250, 500, 1000, 10, 20] as const;
const FILTER = [1, 2, 4, 8, 16, 16, 16, 16] as const;
const NVM_COPY_MS = 2;

interface Sample {
  readonly t: number;
  readonly p: number;
  readonly h: number;
}

export class Bme280 implements I2cTarget {
  readonly part = 'BME280';
  readonly address: number;
  readonly faults = new FaultInjector();
  private readonly clock: Clock;
  private readonly env: Environment;
  private readonly cal: Bme280Calibration;
  private readonly trim: { block88: Buffer; blockE1: Buffer };
  private readonly adc: FreeRunningConversion;
  private pointer = 0;
  private ctrlHum = 0;
  private humOsrs = 0;
  private ctrlMeas = 0;
  private config = 0;
  private data = Buffer.of(0x80, 0, 0, 0x80, 0, 0, 0x80, 0);
  private measureStart = 0;
  private measureMs = 0;
  private nvmUntil = Number.NEGATIVE_INFINITY;
  private filtered: { t: number; p: number } | undefined;
  /** Forced mode: the environment as it was when the measurement started. */
  private forcedSample: Sample | undefined;

  constructor(o: Bme280Options) {
    this.address = checkStrap('BME280', o.address ?? 0x76, [0x76, 0x77]);
    this.clock = o.clock;
    this.env = o.environment;
    this.cal = o.calibration ?? BME280_TYPICAL_CALIBRATION;
    this.trim = encodeBme280Calibration(this.cal);
    this.adc = new FreeRunningConversion(this.clock, 0, Number.POSITIVE_INFINITY);
    this.adc.stop();
  }

  transfer(write: Buffer, readLength: number): Buffer {
    this.update();
    if (write.length > 0) this.pointer = write[0] ?? 0;
    for (let i = 0; i + 1 < write.length; i += 2) {
      this.pointer = write[i] ?? 0;
      this.writeRegister(this.pointer, write[i + 1] ?? 0);
    }
    if (write.length > 2 && write.length % 2 === 1) this.pointer = write[write.length - 1] ?? 0;
    const out = Buffer.alloc(readLength);
    for (let i = 0; i < readLength; i++) out[i] = this.readRegister((this.pointer + i) & 0xff);
    return out;
  }

  private get mode(): number {
    return this.ctrlMeas & 0x03;
  }

  private readRegister(reg: number): number {
    if (reg >= 0x88 && reg <= 0xa1) return this.trim.block88[reg - 0x88] ?? 0;
    if (reg >= 0xe1 && reg <= 0xe7) return this.trim.blockE1[reg - 0xe1] ?? 0;
    if (reg >= BME280_REG.data && reg <= 0xfe) return this.data[reg - BME280_REG.data] ?? 0;
    switch (reg) {
      case BME280_REG.chipId:
        return 0x60;
      case BME280_REG.ctrlHum:
        return this.ctrlHum;
      case BME280_REG.status:
        return (this.measuring() ? 0x08 : 0) | (this.clock.now() < this.nvmUntil ? 0x01 : 0);
      case BME280_REG.ctrlMeas:
        return this.ctrlMeas;
      case BME280_REG.config:
        return this.config;
      default:
        return 0x00;
    }
  }

  private writeRegister(reg: number, value: number): void {
    switch (reg) {
      case BME280_REG.reset:
        if (value === 0xb6) this.reset();
        return;
      case BME280_REG.ctrlHum:
        this.ctrlHum = value & 0x07;
        return;
      case BME280_REG.ctrlMeas:
        this.ctrlMeas = value;
        this.humOsrs = this.ctrlHum;
        return this.startMode();
      case BME280_REG.config:
        if (this.mode !== 0x03) this.config = value & 0xfd;
        return;
      default:
        return; // read-only or reserved: ignored
    }
  }

  private reset(): void {
    this.ctrlHum = 0;
    this.humOsrs = 0;
    this.ctrlMeas = 0;
    this.config = 0;
    this.data = Buffer.of(0x80, 0, 0, 0x80, 0, 0, 0x80, 0);
    this.filtered = undefined;
    this.forcedSample = undefined;
    this.adc.stop();
    this.nvmUntil = this.clock.now() + NVM_COPY_MS;
  }

  private startMode(): void {
    const t = OVERSAMPLING[(this.ctrlMeas >> 5) & 7] ?? 0;
    const p = OVERSAMPLING[(this.ctrlMeas >> 2) & 7] ?? 0;
    const h = OVERSAMPLING[this.humOsrs & 7] ?? 0;
    this.measureMs = 1.25 + 2.3 * t + (p > 0 ? 2.3 * p + 0.575 : 0) + (h > 0 ? 2.3 * h + 0.575 : 0);
    this.measureStart = this.clock.now();
    this.forcedSample = undefined;
    if (this.mode === 0) this.adc.stop();
    else if (this.mode === 0x03) this.adc.restart(this.measureMs, this.measureMs + this.standbyMs());
    else {
      this.forcedSample = this.sample();
      this.adc.restart(this.measureMs, Number.POSITIVE_INFINITY);
    }
  }

  private sample(): Sample {
    return { t: this.env.temperatureC, p: this.env.pressurePa ?? SEA_LEVEL_PA, h: this.env.humidityPct };
  }

  private standbyMs(): number {
    return STANDBY_MS[(this.config >> 5) & 7] ?? 0.5;
  }

  private measuring(): boolean {
    if (!this.adc.isRunning) return false;
    const elapsed = this.clock.now() - this.measureStart;
    if (this.mode !== 0x03) return elapsed < this.measureMs;
    return elapsed % (this.measureMs + this.standbyMs()) < this.measureMs;
  }

  /**
   * Completes a measurement whose time has come: new data, and forced mode back to sleep.
   * Evaluated when the host next touches the part; a forced measurement uses the environment
   * of its start, a normal-mode one the environment now (the latest cycle).
   */
  private update(): void {
    if (this.adc.poll() === 0) return;
    this.measure(this.forcedSample ?? this.sample());
    this.forcedSample = undefined;
    if (this.mode === 0x01 || this.mode === 0x02) {
      this.ctrlMeas &= ~0x03;
      this.adc.stop();
    }
  }

  private measure(env: Sample): void {
    const osT = (this.ctrlMeas >> 5) & 7;
    const osP = (this.ctrlMeas >> 2) & 7;
    const coeff = FILTER[(this.config >> 2) & 7] ?? 1;
    const filterOn = coeff > 1;
    const t = encodeTemperature(env.t, this.cal, filterOn ? 1 : codeStep(osT));
    const pRaw = encodePressure(env.p, t.tFine, this.cal, filterOn ? 1 : codeStep(osP));
    const prev = this.filtered ?? { t: t.adcT, p: pRaw };
    this.filtered = { t: (prev.t * (coeff - 1) + t.adcT) / coeff, p: (prev.p * (coeff - 1) + pRaw) / coeff };
    const adcT = osT === 0 ? 0x80000 : Math.round(this.filtered.t);
    const adcP = osP === 0 ? 0x80000 : Math.round(this.filtered.p);
    const adcH = this.humOsrs === 0 ? 0x8000 : encodeHumidity(env.h, t.tFine, this.cal);
    this.data = Buffer.of(adcP >> 12, (adcP >> 4) & 0xff, (adcP & 0x0f) << 4, adcT >> 12, (adcT >> 4) & 0xff, (adcT & 0x0f) << 4, adcH >> 8, adcH & 0xff);
  }
}
