/**
 * Host client for a 24C32 HAT ID EEPROM on an `I2cBus` (24LC32A datasheet §6 "Write
 * operations", §7 "Acknowledge polling", §8 "Read operations"; docs/hardware.md#eeprom-24c32).
 *
 * Flow of `write(offset, data)`:
 *  1. split at 32-byte page boundaries (a write that crossed one would roll over to the
 *     start of its page and overwrite it);
 *  2. per page: one I2C write of the 16-bit address (big-endian) and the page's bytes;
 *  3. ACK polling: re-send the address bytes (a dummy write, no data) every 1 ms until the
 *     chip acknowledges again, i.e. its write cycle (≤ 5 ms) is over;
 *  4. a NACKed page write is told apart: if the chip ACKs the address right after (twice in
 *     a row, so one glitch is not taken for it), it takes the address and refuses the data
 *     → WP is high; if not, it is busy or absent → wait and retry until the deadline.
 * Reads: a dummy write loads the address counter, then sequential reads in chunks.
 */
import type { Clock } from '../../common/index.js';
import { I2cError, type I2cBus } from '../i2c/index.js';
import { HatEepromError } from './errors.js';
import { HEADER_SIZE, decodeHatImage, imageLength, type HatImage } from './format.js';

export interface HatEepromOptions {
  readonly clock: Clock;
  /** Default 0x50, the HAT ID EEPROM address. */
  readonly address?: number;
  /** Bytes; default 4096 (24C32). */
  readonly size?: number;
  /** Bytes; default 32 (24C32). */
  readonly pageSize?: number;
  /** How long to poll for the end of a write cycle before giving up; default 10 ms (tWC ≤ 5 ms). */
  readonly writeTimeoutMs?: number;
  /** Bytes per read transaction; default 32. */
  readonly readChunk?: number;
}

const POLL_MS = 1;

export class HatEeprom {
  readonly where: string;
  private readonly clock: Clock;
  private readonly address: number;
  private readonly size: number;
  private readonly pageSize: number;
  private readonly writeTimeoutMs: number;
  private readonly readChunk: number;

  constructor(
    private readonly bus: I2cBus,
    options: HatEepromOptions,
  ) {
    this.clock = options.clock;
    this.address = options.address ?? 0x50;
    this.size = options.size ?? 4096;
    this.pageSize = options.pageSize ?? 32;
    this.writeTimeoutMs = options.writeTimeoutMs ?? 10;
    this.readChunk = options.readChunk ?? 32;
    this.where = `HAT EEPROM at i2c-${bus.busNumber} 0x${this.address.toString(16).padStart(2, '0')}`;
  }

  async read(offset: number, length: number): Promise<Buffer> {
    this.checkRange(offset, length);
    const parts: Buffer[] = [];
    await this.addressed(offset);
    for (let done = 0; done < length; done += this.readChunk) {
      parts.push(await this.bus.i2cRead(this.address, Math.min(this.readChunk, length - done)));
    }
    return Buffer.concat(parts);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.checkRange(offset, data.length);
    for (let at = offset; at < offset + data.length; ) {
      const end = Math.min(offset + data.length, at - (at % this.pageSize) + this.pageSize);
      await this.writePage(at, data.subarray(at - offset, end - offset));
      at = end;
    }
  }

  /** Reads and checks the whole image (header first, then eeplen bytes). */
  async readImage(): Promise<HatImage> {
    const length = imageLength(await this.read(0, HEADER_SIZE));
    if (length > this.size) {
      throw new HatEepromError('format', `${this.where}: header says eeplen ${length}, larger than the ${this.size}-byte chip`, 'the header is corrupt: rewrite the image');
    }
    return decodeHatImage(await this.read(0, length));
  }

  /** Writes an image and, by default, reads it back to compare. */
  async writeImage(image: Uint8Array, options: { verify?: boolean } = {}): Promise<void> {
    if (image.length > this.size) {
      throw new HatEepromError('invalid', `${this.where}: the image is ${image.length} bytes, the chip holds ${this.size}`, 'drop the device tree atom or use a larger EEPROM');
    }
    await this.write(0, image);
    if (options.verify ?? true) {
      const back = await this.read(0, image.length);
      const at = back.findIndex((b, i) => b !== image[i]);
      if (at >= 0) throw new HatEepromError('verify', `${this.where}: read-back differs from the image at byte ${at}`, 'check WP and the wiring, then write again');
    }
  }

  private async writePage(at: number, bytes: Uint8Array): Promise<void> {
    const deadline = this.clock.now() + this.writeTimeoutMs;
    const frame = Buffer.concat([addressBytes(at), bytes]);
    let refusals = 0;
    for (;;) {
      const triedAt = this.clock.now();
      try {
        await this.bus.i2cWrite(this.address, frame);
        break;
      } catch (e) {
        if (!isNack(e)) throw e;
        // Address ACKed right after a NACKed frame, twice: the chip refuses data bytes, WP is high.
        refusals = e instanceof I2cError && e.kind === 'nack' && (await this.acks(at)) ? refusals + 1 : 0;
        if (refusals >= 2) {
          throw new HatEepromError('write-protected', `${this.where}: the chip takes the address but refuses the data at ${at} (WP is high)`, 'pull WP low (fit the write-enable jumper) while writing', { cause: e });
        }
        if (triedAt >= deadline) throw this.noResponse(e);
        if (refusals === 0) await this.clock.sleep(POLL_MS);
      }
    }
    await this.ackPoll(at);
  }

  /**
   * Dummy-writes the address until ACKed (the write cycle is over) or a poll begun after the
   * deadline is still NACKed: time the process spent elsewhere (a busy event loop) never
   * counts as the chip being busy.
   */
  private async ackPoll(at: number): Promise<void> {
    const deadline = this.clock.now() + this.writeTimeoutMs;
    for (let polledAt = this.clock.now(); !(await this.acks(at)); polledAt = this.clock.now()) {
      if (polledAt >= deadline) {
        throw new HatEepromError('timeout', `${this.where}: still busy ${this.writeTimeoutMs} ms after a page write (tWC is at most 5 ms)`, 'check power and the part number (a 24C32 or larger is needed)');
      }
      await this.clock.sleep(POLL_MS);
    }
  }

  /** Loads the address counter, waiting out a write cycle in progress. */
  private async addressed(at: number): Promise<void> {
    const deadline = this.clock.now() + this.writeTimeoutMs;
    for (let polledAt = this.clock.now(); !(await this.acks(at)); polledAt = this.clock.now()) {
      if (polledAt >= deadline) throw this.noResponse(undefined);
      await this.clock.sleep(POLL_MS);
    }
  }

  private async acks(at: number): Promise<boolean> {
    try {
      await this.bus.i2cWrite(this.address, addressBytes(at));
      return true;
    } catch (e) {
      if (isNack(e)) return false;
      throw e;
    }
  }

  private noResponse(cause: unknown): HatEepromError {
    return new HatEepromError('no-response', `${this.where}: nothing acknowledged the address`, 'check that the HAT is seated, powered, and its EEPROM is at 0x50 (ID_SD/ID_SC pins 27/28)', { cause });
  }

  private checkRange(offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new HatEepromError('invalid', `${this.where}: bytes ${offset}..${offset + length - 1} are outside 0..${this.size - 1}`, 'fix the offset or length');
    }
  }
}

function addressBytes(at: number): Buffer {
  return Buffer.of((at >> 8) & 0xff, at & 0xff);
}

function isNack(e: unknown): boolean {
  return e instanceof I2cError && (e.kind === 'nack' || e.kind === 'timeout');
}
