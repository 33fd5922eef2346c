/**
 * Microchip MCP9808 digital temperature sensor, 0x18..0x1F (A2..A0 straps).
 *
 * What holds on the wire (MCP9808 datasheet DS25095 §5.1, docs/hardware.md#mcp9808):
 * - A write's first byte sets the register pointer; two more bytes write a 16-bit register,
 *   MSB first (the resolution register takes one byte). A read returns the pointed register
 *   MSB first; a bare read re-reads the last pointer. The pointer does not auto-increment:
 *   reading on repeats the register's bytes.
 * - 0x06 manufacturer ID = 0x0054; 0x07 device ID / revision = 0x0400.
 * - 0x05 TA: bits 12..0 temperature, 13-bit two's complement in 1/16 °C (°C = (raw & 0x0FFF)/16,
 *   minus 256 if bit 0x1000), bits 15/14/13 = TA ≥ TCRIT / TA > TUPPER / TA < TLOWER.
 * - 0x02 TUPPER, 0x03 TLOWER, 0x04 TCRIT: bits 12..2 (0.25 °C), other bits read 0; reset 0.
 *   Crit. Lock (config bit 7) freezes TCRIT, Win. Lock (bit 6) freezes TUPPER/TLOWER; the lock
 *   bits and THYST cannot be changed while locked; SHDN can be cleared but not set.
 * - 0x01 CONFIG (reset 0x0000): SHDN (bit 8) stops conversions, TA holds its last value.
 * - 0x08 resolution (reset 0x03): 0.5 / 0.25 / 0.125 / 0.0625 °C, tCONV 30 / 65 / 130 / 250 ms
 *   (Table 1-1, typical). Conversions run back to back; TA reads 0 until the first completes.
 * - Alert output status (config bit 4) in comparator mode with the output enabled (bit 3):
 *   set while TA is outside TLOWER..TUPPER or ≥ TCRIT (only ≥ TCRIT with Alert Sel, bit 2).
 * Not modelled: interrupt mode (Int. Clear), THYST applied to the flags.
 */
import type { Clock } from '../../common/index.js';
import { FaultInjector } from '../faults.js';
import type { I2cTarget } from '../types.js';
import { FreeRunningConversion, signExtend } from './conversion.js';
import { checkStrap, type Environment } from './environment.js';

export interface Mcp9808Options {
  readonly clock: Clock;
  readonly environment: Pick<Environment, 'temperatureC'>;
  /** 0x18 (A2..A0 low, default) to 0x1F. */
  readonly address?: number;
}

export const MCP9808_REG = {
  config: 0x01,
  upper: 0x02,
  lower: 0x03,
  crit: 0x04,
  ambient: 0x05,
  manufacturerId: 0x06,
  deviceId: 0x07,
  resolution: 0x08,
} as const;

const CONVERSION_MS = [30, 65, 130, 250] as const;
const LIMIT_MASK = 0x1ffc;
const CFG = { thyst: 0x0600, shdn: 0x0100, critLock: 0x0080, winLock: 0x0040, intClear: 0x0020, alertStat: 0x0010, alertCnt: 0x0008, alertSel: 0x0004 };

export class Mcp9808 implements I2cTarget {
  readonly part = 'MCP9808';
  readonly address: number;
  readonly faults = new FaultInjector();
  private readonly clock: Clock;
  private readonly env: Pick<Environment, 'temperatureC'>;
  private readonly adc: FreeRunningConversion;
  private pointer = 0;
  private config = 0;
  private upper = 0;
  private lower = 0;
  private crit = 0;
  private resolution = 0x03;
  /** Latest conversion in 1/16 °C (signed). */
  private sixteenths = 0;

  constructor(o: Mcp9808Options) {
    this.address = checkStrap('MCP9808', o.address ?? 0x18, [0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f]);
    this.clock = o.clock;
    this.env = o.environment;
    const t = CONVERSION_MS[this.resolution & 3] ?? 250;
    this.adc = new FreeRunningConversion(this.clock, t, t);
  }

  transfer(write: Buffer, readLength: number): Buffer {
    if (write.length > 0) {
      this.pointer = (write[0] ?? 0) & 0x0f;
      if (write.length > 1) this.writeRegister(write.subarray(1));
    }
    if (readLength === 0) return Buffer.alloc(0);
    const reg = this.readRegister();
    const out = Buffer.alloc(readLength);
    for (let i = 0; i < readLength; i++) out[i] = reg[i % reg.length] ?? 0;
    return out;
  }

  private readRegister(): Buffer {
    switch (this.pointer) {
      case MCP9808_REG.config:
        return u16((this.config & ~CFG.intClear) | (this.alertAsserted() ? CFG.alertStat : 0));
      case MCP9808_REG.upper:
        return u16(this.upper);
      case MCP9808_REG.lower:
        return u16(this.lower);
      case MCP9808_REG.crit:
        return u16(this.crit);
      case MCP9808_REG.ambient:
        return u16(this.ambient());
      case MCP9808_REG.manufacturerId:
        return u16(0x0054);
      case MCP9808_REG.deviceId:
        return u16(0x0400);
      case MCP9808_REG.resolution:
        return Buffer.of(this.resolution);
      default:
        return u16(0);
    }
  }

  private writeRegister(data: Buffer): void {
    if (this.pointer === MCP9808_REG.resolution) {
      this.resolution = (data[0] ?? 0) & 0x03;
      this.restartConversions();
      return;
    }
    if (data.length < 2) return; // half a register: dropped at STOP
    const value = data.readUInt16BE(0);
    const locked = (this.config & (CFG.critLock | CFG.winLock)) !== 0;
    switch (this.pointer) {
      case MCP9808_REG.config:
        return this.writeConfig(value, locked);
      case MCP9808_REG.upper:
        if (!(this.config & CFG.winLock)) this.upper = value & LIMIT_MASK;
        return;
      case MCP9808_REG.lower:
        if (!(this.config & CFG.winLock)) this.lower = value & LIMIT_MASK;
        return;
      case MCP9808_REG.crit:
        if (!(this.config & CFG.critLock)) this.crit = value & LIMIT_MASK;
        return;
      default:
        return; // read-only registers ignore writes
    }
  }

  private writeConfig(value: number, locked: boolean): void {
    const wasShutdown = (this.config & CFG.shdn) !== 0;
    let next = value & 0x07ff & ~CFG.alertStat & ~CFG.intClear;
    if (locked) {
      next = (next & ~CFG.thyst) | (this.config & CFG.thyst);
      next |= this.config & (CFG.critLock | CFG.winLock);
      if (!wasShutdown) next &= ~CFG.shdn;
    }
    this.update();
    this.config = next;
    const shutdown = (next & CFG.shdn) !== 0;
    if (shutdown && !wasShutdown) this.adc.stop();
    if (!shutdown && wasShutdown) this.restartConversions();
  }

  private restartConversions(): void {
    this.update();
    if (this.config & CFG.shdn) return;
    const t = CONVERSION_MS[this.resolution] ?? 250;
    this.adc.restart(t, t);
  }

  /** Takes a new sample if a conversion has completed since the last look. */
  private update(): void {
    if (this.adc.poll() === 0) return;
    const step = 8 >> this.resolution; // 1/16 °C units per LSB at this resolution
    const raw = Math.round((this.env.temperatureC * 16) / step) * step;
    this.sixteenths = Math.min(4095, Math.max(-4096, raw));
  }

  private ambient(): number {
    this.update();
    const t = this.sixteenths;
    let flags = 0;
    if (t >= signExtend(this.crit, 13)) flags |= 0x8000;
    if (t > signExtend(this.upper, 13)) flags |= 0x4000;
    if (t < signExtend(this.lower, 13)) flags |= 0x2000;
    return flags | (t & 0x1fff);
  }

  private alertAsserted(): boolean {
    if (!(this.config & CFG.alertCnt)) return false;
    const flags = this.ambient() & 0xe000;
    return this.config & CFG.alertSel ? (flags & 0x8000) !== 0 : flags !== 0;
  }
}

function u16(value: number): Buffer {
  return Buffer.of((value >> 8) & 0xff, value & 0xff);
}
