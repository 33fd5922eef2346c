/**
 * A simulated 24C32 serial EEPROM (32 Kbit = 4096 × 8) as used for the Raspberry Pi HAT ID
 * EEPROM at 0x50 (Microchip 24AA32A/24LC32A and Atmel AT24C32 datasheets; raspberrypi/hats
 * designguide.md; docs/hardware.md#eeprom-24c32).
 *
 * Must hold:
 * - Every access starts with a 16-bit word address, high byte first; a 4 KiB part ignores
 *   the top 4 bits.
 * - Byte/page write: address, then data; at STOP the write cycle starts. Data lands in one
 *   32-byte page: past the page end the address rolls over to the start of the same page,
 *   overwriting what was sent earlier ("page write" roll-over).
 * - During the write cycle (tWC, up to 5 ms) the chip NACKs its own address; the host polls
 *   for the ACK ("ACK polling").
 * - A write of only the two address bytes (a "dummy write") loads the address counter and
 *   starts no write cycle; a read then starts there (random read). A read without a write
 *   continues at the counter (current address read). Sequential reads roll over from the
 *   last byte of memory to byte 0.
 * - WP high: the address and word address are ACKed, the data bytes are NACKed and nothing
 *   is written (no write cycle).
 * Faults are applied by the bus (simulator/i2c/virtual-bus.ts).
 */
import type { Clock } from '../../common/index.js';
import { I2cError } from '../../drivers/i2c/index.js';
import { FaultInjector } from '../faults.js';
import type { I2cTarget } from '../types.js';

export const HAT_EEPROM_ADDRESS = 0x50;
export const EEPROM_24C32_SIZE = 4096;
export const EEPROM_24C32_PAGE = 32;
/** tWC maximum (24LC32A Table 1-2: 5 ms). */
export const EEPROM_WRITE_CYCLE_MS = 5;

export interface HatEepromSimOptions {
  readonly clock: Clock;
  /** 0x50–0x57 set by A2..A0; the HAT spec puts the ID EEPROM at 0x50. */
  readonly address?: number;
  /** Initial contents (at most 4096 bytes); the rest reads 0xFF as shipped. */
  readonly contents?: Uint8Array;
  /** Time the chip stays busy after a write, in clock ms; default 5 (the maximum). */
  readonly writeCycleMs?: number;
}

export class HatEepromSim implements I2cTarget {
  readonly part = '24C32';
  readonly address: number;
  readonly faults = new FaultInjector();
  /** Level of the WP input; true protects the whole array. */
  writeProtect = false;
  private readonly clock: Clock;
  private readonly memory = Buffer.alloc(EEPROM_24C32_SIZE, 0xff);
  private readonly writeCycleMs: number;
  private counter = 0;
  private busyUntil = 0;

  constructor(options: HatEepromSimOptions) {
    this.clock = options.clock;
    this.address = options.address ?? HAT_EEPROM_ADDRESS;
    this.writeCycleMs = options.writeCycleMs ?? EEPROM_WRITE_CYCLE_MS;
    if (options.contents !== undefined) {
      if (options.contents.length > EEPROM_24C32_SIZE) throw new RangeError(`24C32 holds 4096 bytes, got ${options.contents.length}`);
      this.memory.set(options.contents);
    }
  }

  /** A copy of the array, for tests and `pia-sim` inspection. */
  get contents(): Buffer {
    return Buffer.from(this.memory);
  }

  /** True while a write cycle is running. */
  get busy(): boolean {
    return this.clock.now() < this.busyUntil;
  }

  transfer(write: Buffer, readLength: number): Buffer {
    if (this.busy) throw this.nack('busy in its write cycle; poll for the ACK');
    if (write.length >= 2) {
      this.counter = (((write[0] ?? 0) << 8) | (write[1] ?? 0)) % EEPROM_24C32_SIZE;
      if (write.length > 2) this.pageWrite(write.subarray(2));
    }
    if (readLength === 0) return Buffer.alloc(0);
    const out = Buffer.alloc(readLength);
    for (let i = 0; i < readLength; i++) {
      out[i] = this.memory[this.counter] ?? 0xff;
      this.counter = (this.counter + 1) % EEPROM_24C32_SIZE;
    }
    return out;
  }

  private pageWrite(data: Buffer): void {
    if (this.writeProtect) throw this.nack('refused the data byte: WP is high (write-protected)');
    const page = this.counter - (this.counter % EEPROM_24C32_PAGE);
    let offset = this.counter % EEPROM_24C32_PAGE;
    for (const byte of data) {
      this.memory[page + offset] = byte;
      offset = (offset + 1) % EEPROM_24C32_PAGE;
    }
    this.counter = page + offset;
    this.busyUntil = this.clock.now() + this.writeCycleMs;
  }

  private nack(detail: string): I2cError {
    return new I2cError('nack', 0, this.address, `${this.part} ${detail}`);
  }
}
