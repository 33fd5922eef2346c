/**
 * Texas Instruments TMP102 digital temperature sensor, 0x48..0x4B (ADD0 to GND, V+, SDA, SCL).
 *
 * What holds on the wire (TMP102 datasheet SBOS397 §7.5, docs/hardware.md#tmp102):
 * - No ID register. The first written byte sets the pointer (bits 1..0: 0 temperature,
 *   1 configuration, 2 TLOW, 3 THIGH); two more bytes write the register MSB first. A read
 *   returns the pointed register MSB first; a bare read re-reads the last pointer.
 * - Temperature: 12-bit two's complement, left-justified (bits 15..4), 0.0625 °C/LSB; in
 *   extended mode (EM, config bit 4) 13-bit (bits 15..3) and bit 0 reads 1 to tell the formats
 *   apart. TLOW/THIGH use the same format; reset 75 °C (0x4B00) and 80 °C (0x5000).
 * - Configuration, reset 0x60A0: OS(15) R1 R0(14..13, read 11) F1 F0(12..11) POL(10) TM(9)
 *   SD(8) | CR1 CR0(7..6, 0.25/1/4/8 Hz, reset 4 Hz) AL(5, read-only) EM(4).
 *   SD stops conversions; writing OS = 1 in shutdown starts one conversion, during which OS
 *   reads 0, and 1 once done. A conversion takes 26 ms (typ.); a result is there after it.
 * - AL (comparator mode): active once the temperature is ≥ THIGH for F consecutive
 *   conversions (F = 1/2/4/6), inactive once < TLOW for F; AL reads POL when active, ¬POL not.
 * Not modelled: interrupt mode (TM = 1) behaves as comparator mode; SMBus alert response.
 */
import type { Clock } from '../../common/index.js';
import { FaultInjector } from '../faults.js';
import type { I2cTarget } from '../types.js';
import { FreeRunningConversion, signExtend } from './conversion.js';
import { checkStrap, type Environment } from './environment.js';

export interface Tmp102Options {
  readonly clock: Clock;
  readonly environment: Pick<Environment, 'temperatureC'>;
  /** 0x48 (ADD0 to GND, default) to 0x4B. */
  readonly address?: number;
}

export const TMP102_REG = { temperature: 0, config: 1, tLow: 2, tHigh: 3 } as const;

const CONVERSION_MS = 26;
const RATE_PERIOD_MS = [4000, 1000, 250, 125] as const;
const FAULT_QUEUE = [1, 2, 4, 6] as const;
const CFG = { os: 0x8000, res: 0x6000, fq: 0x1800, pol: 0x0400, tm: 0x0200, sd: 0x0100, cr: 0x00c0, al: 0x0020, em: 0x0010 };
const WRITABLE = CFG.fq | CFG.pol | CFG.tm | CFG.sd | CFG.cr | CFG.em;

export class Tmp102 implements I2cTarget {
  readonly part = 'TMP102';
  readonly address: number;
  readonly faults = new FaultInjector();
  private readonly clock: Clock;
  private readonly env: Pick<Environment, 'temperatureC'>;
  private readonly adc: FreeRunningConversion;
  private pointer = 0;
  private config = 0x60a0 & WRITABLE;
  private tLow = 0x4b00;
  private tHigh = 0x5000;
  /** Latest conversion in 1/16 °C (signed). */
  private sixteenths = 0;
  private alertActive = false;
  private faultCount = 0;
  private oneShotDone = false;

  constructor(o: Tmp102Options) {
    this.address = checkStrap('TMP102', o.address ?? 0x48, [0x48, 0x49, 0x4a, 0x4b]);
    this.clock = o.clock;
    this.env = o.environment;
    this.adc = new FreeRunningConversion(this.clock, CONVERSION_MS, this.periodMs());
  }

  transfer(write: Buffer, readLength: number): Buffer {
    if (write.length > 0) {
      this.pointer = (write[0] ?? 0) & 0x03;
      if (write.length >= 3) this.writeRegister(write.readUInt16BE(1));
    }
    if (readLength === 0) return Buffer.alloc(0);
    const value = this.readRegister();
    const out = Buffer.alloc(readLength);
    for (let i = 0; i < readLength; i++) out[i] = i % 2 === 0 ? value >> 8 : value & 0xff;
    return out;
  }

  private get extended(): boolean {
    return (this.config & CFG.em) !== 0;
  }

  private periodMs(): number {
    return RATE_PERIOD_MS[(this.config & CFG.cr) >> 6] ?? 250;
  }

  private readRegister(): number {
    this.update();
    switch (this.pointer) {
      case TMP102_REG.temperature:
        return this.extended ? ((this.sixteenths << 3) & 0xfff8) | 0x0001 : (this.sixteenths << 4) & 0xfff0;
      case TMP102_REG.config: {
        const shutdown = (this.config & CFG.sd) !== 0;
        const os = shutdown && this.oneShotDone ? CFG.os : 0;
        const pol = (this.config & CFG.pol) !== 0;
        const al = this.alertActive === pol ? CFG.al : 0;
        return os | CFG.res | this.config | al;
      }
      case TMP102_REG.tLow:
        return this.tLow;
      default:
        return this.tHigh;
    }
  }

  private writeRegister(value: number): void {
    this.update();
    switch (this.pointer) {
      case TMP102_REG.temperature:
        return; // read-only
      case TMP102_REG.config:
        return this.writeConfig(value);
      case TMP102_REG.tLow:
        this.tLow = value & (this.extended ? 0xfff8 : 0xfff0);
        return;
      default:
        this.tHigh = value & (this.extended ? 0xfff8 : 0xfff0);
        return;
    }
  }

  private writeConfig(value: number): void {
    const before = this.config;
    this.config = value & WRITABLE;
    const shutdown = (this.config & CFG.sd) !== 0;
    if (shutdown && value & CFG.os) {
      // One-shot: a single conversion, then back to shutdown.
      this.oneShotDone = false;
      this.adc.restart(CONVERSION_MS, Number.POSITIVE_INFINITY);
    } else if (shutdown && !(before & CFG.sd)) {
      this.adc.stop();
    } else if (!shutdown && (before & CFG.sd || (before & CFG.cr) !== (this.config & CFG.cr))) {
      this.adc.restart(CONVERSION_MS, this.periodMs());
    }
  }

  /** Takes a new sample and runs the comparator when conversions completed since the last look. */
  private update(): void {
    const fresh = this.adc.poll();
    if (fresh === 0) return;
    if (this.config & CFG.sd) {
      this.oneShotDone = true;
      this.adc.stop();
    }
    const max = this.extended ? 4095 : 2047;
    this.sixteenths = Math.min(max, Math.max(-max - 1, Math.round(this.env.temperatureC * 16)));
    const queue = FAULT_QUEUE[(this.config & CFG.fq) >> 11] ?? 1;
    const shift = this.extended ? 3 : 4;
    const bits = this.extended ? 13 : 12;
    const high = signExtend(this.tHigh >> shift, bits);
    const low = signExtend(this.tLow >> shift, bits);
    const outside = this.alertActive ? this.sixteenths < low : this.sixteenths >= high;
    this.faultCount = outside ? this.faultCount + fresh : 0;
    if (this.faultCount >= queue) {
      this.alertActive = !this.alertActive;
      this.faultCount = 0;
    }
  }
}
