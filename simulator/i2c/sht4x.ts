/**
 * Sensirion SHT4x (SHT40/41/45) humidity and temperature sensor, at 0x44 (SHT4x-AD1B;
 * the -BD1B and -CD1B variants answer at 0x45 and 0x46).
 *
 * What holds on the wire (SHT4x datasheet §4, docs/hardware.md#sht4x):
 * - Commands are one byte. Measure T and RH: 0xFD / 0xF6 / 0xE0 (high / medium / low
 *   precision), max duration 8.3 / 4.5 / 1.7 ms; while measuring the sensor NACKs every
 *   header; afterwards a read header gets T msb, T lsb, CRC, RH msb, RH lsb, CRC with
 *   T = −45 + 175·S/65535 and RH = −6 + 125·S/65535 (not cropped: the host crops to 0..100).
 * - Serial number 0x89 → two words with CRCs. Soft reset 0x94: busy (NACK) up to 1 ms.
 * - A read with no result pending is NACKed (so a bare-read scan misses an idle SHT4x).
 * - A byte that is not a command is NACKed; so is a second command byte in one write.
 * Not modelled: the heater commands (0x39, 0x32, 0x2F, 0x24, 0x1E, 0x15): NACKed.
 * The serial number is ready at once (the datasheet gives no duration; vendor drivers wait 10 ms).
 */
import type { Clock } from '../../common/index.js';
import { FaultInjector } from '../faults.js';
import type { I2cTarget } from '../types.js';
import { checkStrap, nack, readOut, type Environment } from './environment.js';
import { measurementReply, serialReply, temperatureTicks, toTicks } from './sensirion-ticks.js';

export interface Sht4xOptions {
  readonly clock: Clock;
  readonly environment: Environment;
  /** 0x44 (default), 0x45 or 0x46 depending on the variant. */
  readonly address?: number;
  /** 32-bit serial number; default 0x1234_5678. */
  readonly serialNumber?: number;
}

/** Measurement command → max duration in ms (datasheet Table 4 / §4.5). */
const MEASURE_MS: ReadonlyMap<number, number> = new Map([
  [0xfd, 8.3],
  [0xf6, 4.5],
  [0xe0, 1.7],
]);
const CMD_SERIAL = 0x89;
const CMD_SOFT_RESET = 0x94;
const SOFT_RESET_MS = 1;

export class Sht4x implements I2cTarget {
  readonly part = 'SHT4x';
  readonly address: number;
  readonly faults = new FaultInjector();
  private readonly clock: Clock;
  private readonly env: Environment;
  private readonly serial: number;
  private busyUntil = Number.NEGATIVE_INFINITY;
  private busyWith = '';
  private pending: Buffer | undefined;

  constructor(o: Sht4xOptions) {
    this.address = checkStrap('SHT4x', o.address ?? 0x44, [0x44, 0x45, 0x46]);
    this.clock = o.clock;
    this.env = o.environment;
    this.serial = (o.serialNumber ?? 0x1234_5678) >>> 0;
  }

  transfer(write: Buffer, readLength: number): Buffer {
    const now = this.clock.now();
    if (now < this.busyUntil) throw nack(this, `busy ${this.busyWith} for another ${(this.busyUntil - now).toFixed(2)} ms`);
    if (write.length > 1) throw nack(this, `commands are one byte; got ${write.length}`);
    const cmd = write[0];
    if (cmd !== undefined) this.command(now, cmd);
    if (readLength === 0) return Buffer.alloc(0);
    if (now < this.busyUntil) throw nack(this, `read header during ${this.busyWith}; wait for the measurement (up to 8.3 ms)`);
    const data = this.pending;
    if (data === undefined) throw nack(this, 'read header with no result pending; send a measurement command first');
    this.pending = undefined;
    return readOut(data, readLength);
  }

  private command(now: number, cmd: number): void {
    const duration = MEASURE_MS.get(cmd);
    if (duration !== undefined) {
      const t = this.env.temperatureC;
      this.pending = measurementReply(temperatureTicks(t), toTicks(this.env.humidityPct, -6, 125));
      this.busyUntil = now + duration;
      this.busyWith = 'measuring';
      return;
    }
    if (cmd === CMD_SERIAL) {
      this.pending = serialReply(this.serial);
      return;
    }
    if (cmd === CMD_SOFT_RESET) {
      this.pending = undefined;
      this.busyUntil = now + SOFT_RESET_MS;
      this.busyWith = 'resetting';
      return;
    }
    throw nack(this, `0x${cmd.toString(16).padStart(2, '0')} is not a command this model knows`);
  }
}
