/**
 * Sensirion SHT3x-DIS (SHT30/31/35) humidity and temperature sensor at 0x44 (ADDR low) or 0x45.
 *
 * What holds on the wire (SHT3x-DIS datasheet §4, docs/hardware.md#sht31):
 * - Commands are 16-bit, MSB first. Single shot without clock stretching: 0x2400 / 0x240B /
 *   0x2416 (high / medium / low repeatability), max duration 15 / 6 / 4 ms (Table 4).
 *   While it measures the sensor NACKs every header; afterwards a read header gets 6 bytes:
 *   T msb, T lsb, CRC, RH msb, RH lsb, CRC. A read with no result pending is NACKed (so a
 *   bare-read scan misses an idle SHT3x). Data are read once.
 * - Read serial 0x3780 → two words with CRCs. Status 0xF32D → word + CRC; power-up value
 *   0x8010 (alert pending, reset detected; Table 17). Clear status 0x3041 clears bits 15,
 *   11, 10, 4. Soft reset 0x30A2: busy (NACK) for up to 1.5 ms, status back to 0x8010,
 *   heater off. Heater on/off 0x306D/0x3066: status bit 13, and the die runs a few °C warm.
 * - At least 1 ms between commands: a command sooner is NACKed.
 * - An unknown 16-bit command is acknowledged and not processed: status bit 1 (command
 *   status) is set; every processed command other than the status read clears it.
 * Not modelled: periodic mode (0x2xxx with rates, fetch 0xE000, ART), clock-stretching
 * commands 0x2Cxx, alert limits: treated as unknown commands.
 */
import type { Clock } from '../../common/index.js';
import { sensirionWord } from '../../drivers/i2c/index.js';
import { FaultInjector } from '../faults.js';
import type { I2cTarget } from '../types.js';
import { checkStrap, humidityWhenWarmed, nack, readOut, type Environment } from './environment.js';
import { measurementReply, serialReply, temperatureTicks, toTicks } from './sensirion-ticks.js';

export interface Sht31Options {
  readonly clock: Clock;
  readonly environment: Environment;
  /** 0x44 (ADDR to VSS, default) or 0x45 (ADDR to VDD). */
  readonly address?: number;
  /** 32-bit serial number; default 0x0C41_2D7A. */
  readonly serialNumber?: number;
}

/** Single-shot, no clock stretching: command → max duration in ms (Table 4). */
const SINGLE_SHOT_MS: ReadonlyMap<number, number> = new Map([
  [0x2400, 15],
  [0x240b, 6],
  [0x2416, 4],
]);
const CMD_READ_SERIAL = 0x3780;
const CMD_READ_STATUS = 0xf32d;
const CMD_CLEAR_STATUS = 0x3041;
const CMD_SOFT_RESET = 0x30a2;
const CMD_HEATER_ON = 0x306d;
const CMD_HEATER_OFF = 0x3066;

export const SHT3X_STATUS = {
  alertPending: 1 << 15,
  heater: 1 << 13,
  rhAlert: 1 << 11,
  tAlert: 1 << 10,
  resetDetected: 1 << 4,
  commandFailed: 1 << 1,
  writeChecksumFailed: 1 << 0,
} as const;
const POWER_UP_STATUS = SHT3X_STATUS.alertPending | SHT3X_STATUS.resetDetected;
const CLEARED_BY_0x3041 = SHT3X_STATUS.alertPending | SHT3X_STATUS.rhAlert | SHT3X_STATUS.tAlert | SHT3X_STATUS.resetDetected;

const SOFT_RESET_MS = 1.5;
const MIN_COMMAND_GAP_MS = 1;
/** How much warmer the sensing element runs with the heater on (datasheet §4.9: "a few degrees"). */
export const SHT3X_HEATER_RISE_C = 3;

export class Sht31 implements I2cTarget {
  readonly part = 'SHT31';
  readonly address: number;
  readonly faults = new FaultInjector();
  private readonly clock: Clock;
  private readonly env: Environment;
  private readonly serial: number;
  private status = POWER_UP_STATUS;
  private busyUntil = Number.NEGATIVE_INFINITY;
  private busyWith = '';
  private lastCommandAt = Number.NEGATIVE_INFINITY;
  private pending: Buffer | undefined;

  constructor(o: Sht31Options) {
    this.address = checkStrap('SHT31', o.address ?? 0x44, [0x44, 0x45]);
    this.clock = o.clock;
    this.env = o.environment;
    this.serial = (o.serialNumber ?? 0x0c41_2d7a) >>> 0;
  }

  /** The status register as the sensor holds it (for tests and `pia-sim` output). */
  get statusRegister(): number {
    return this.status;
  }

  transfer(write: Buffer, readLength: number): Buffer {
    const now = this.clock.now();
    if (now < this.busyUntil) throw nack(this, `busy ${this.busyWith} for another ${fmt(this.busyUntil - now)} ms`);
    if (write.length >= 2) this.command(now, write.readUInt16BE(0), write.length);
    // A single byte is half a command: acknowledged, then dropped at STOP.
    if (readLength === 0) return Buffer.alloc(0);
    if (now < this.busyUntil) {
      throw nack(this, `read header during ${this.busyWith}; wait for the measurement (up to 15 ms)`);
    }
    const data = this.pending;
    if (data === undefined) throw nack(this, 'read header with no result pending; send a measurement command first');
    this.pending = undefined;
    return readOut(data, readLength);
  }

  private command(now: number, cmd: number, length: number): void {
    if (now - this.lastCommandAt < MIN_COMMAND_GAP_MS) {
      throw nack(this, `command 0x${cmd.toString(16)} came ${fmt(now - this.lastCommandAt)} ms after the previous one (needs ≥ 1 ms)`);
    }
    this.lastCommandAt = now;
    this.pending = undefined;
    if (length !== 2) return this.unknown();
    const duration = SINGLE_SHOT_MS.get(cmd);
    if (duration !== undefined) {
      this.pending = this.measure();
      this.busy(now, duration, 'measuring');
      return this.processed();
    }
    switch (cmd) {
      case CMD_READ_SERIAL:
        this.pending = serialReply(this.serial);
        return this.processed();
      case CMD_READ_STATUS:
        this.pending = sensirionWord(this.status);
        return;
      case CMD_CLEAR_STATUS:
        this.status &= ~CLEARED_BY_0x3041;
        return this.processed();
      case CMD_SOFT_RESET:
        this.status = POWER_UP_STATUS;
        this.busy(now, SOFT_RESET_MS, 'resetting');
        return;
      case CMD_HEATER_ON:
        this.status |= SHT3X_STATUS.heater;
        return this.processed();
      case CMD_HEATER_OFF:
        this.status &= ~SHT3X_STATUS.heater;
        return this.processed();
      default:
        return this.unknown();
    }
  }

  private measure(): Buffer {
    const t = this.env.temperatureC;
    const rh = this.env.humidityPct;
    const rise = this.status & SHT3X_STATUS.heater ? SHT3X_HEATER_RISE_C : 0;
    const rhSeen = rise === 0 ? rh : humidityWhenWarmed(rh, t, rise);
    return measurementReply(temperatureTicks(t + rise), toTicks(rhSeen, 0, 100));
  }

  private busy(now: number, ms: number, what: string): void {
    this.busyUntil = now + ms;
    this.busyWith = what;
  }

  private processed(): void {
    this.status &= ~SHT3X_STATUS.commandFailed;
  }

  private unknown(): void {
    this.status |= SHT3X_STATUS.commandFailed;
  }
}

function fmt(ms: number): string {
  return ms.toFixed(2);
}
