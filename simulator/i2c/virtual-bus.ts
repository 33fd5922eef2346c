/**
 * A virtual I2C bus: the `I2cBus` driver interface over `I2cTarget` parts held by address.
 *
 * Flow of one call:
 *  1. check the arguments exactly as the Linux bus does (drivers/i2c/validate.ts);
 *  2. queue behind earlier transactions (one at a time per bus, as the adapter does);
 *  3. map the call to the one I2C message sequence it puts on the wire (table below) and
 *     hand it to the part at that address: no part → NACK on the address byte;
 *  4. the part's armed fault, if any, is consumed by this transaction and changes it:
 *     nack / unplug → NACK; timeout → 'timeout' after `timeoutMs` on the clock; crc → the
 *     last byte read is flipped (for Sensirion-style replies that is the CRC byte); garbage →
 *     the read bytes are replaced by random ones. crc and garbage only touch transactions
 *     that read, so they stay armed across a command write and hit the read that follows.
 *
 * Calls → messages (i2c-dev / SMBus 2.0 §6.5):
 *   i2cWrite(d)          → [d…], read 0            i2cRead(n)            → [], read n
 *   readByte(c)          → [c], read 1 (Sr)        writeByte(c, v)       → [c, v]
 *   readWord(c)          → [c], read 2 → lo | hi<<8
 *   writeWord(c, w)      → [c, lo, hi]             readI2cBlock(c, n)    → [c], read n
 *   writeI2cBlock(c, d)  → [c, d…]                 scan probe            → [], read 1
 */
import { randomBytes } from 'node:crypto';
import { Mutex, systemClock, type Clock } from '../../common/index.js';
import { I2cError } from '../../drivers/i2c/index.js';
import type { I2cBus } from '../../drivers/i2c/index.js';
import {
  MAX_ADDRESS,
  MIN_ADDRESS,
  checkAddress,
  checkBlockLength,
  checkByte,
  checkPlainLength,
  checkWord,
} from '../../drivers/i2c/index.js';
import { corruptLastByte } from '../faults.js';
import type { I2cTarget } from '../types.js';

export interface VirtualI2cBusOptions {
  /** Bus number reported in errors; default 1 (/dev/i2c-1 on a Pi). */
  readonly busNumber?: number;
  /** Drives the timeout fault; default the system clock. Parts take their own clock. */
  readonly clock?: Clock;
  /** How long a 'timeout' fault hangs before failing, in clock ms; default 25 (SMBus tTIMEOUT max 35). */
  readonly timeoutMs?: number;
  /** Random bytes for the 'garbage' fault; inject for deterministic tests. */
  readonly random?: (length: number) => Buffer;
  /** Record every transaction in `log` (tests, `pia-sim` traces). */
  readonly log?: boolean;
}

/** One transaction as it went on the wire. */
export interface I2cTransaction {
  readonly at: number;
  readonly address: number;
  readonly write: Buffer;
  readonly readLength: number;
  /** What the master received (after faults); absent when it failed. */
  readonly read?: Buffer;
  readonly error?: I2cError['kind'];
}

export class VirtualI2cBus implements I2cBus {
  readonly busNumber: number;
  /** Transactions in order, when constructed with `log: true`. */
  readonly log: I2cTransaction[] = [];
  private readonly targets = new Map<number, I2cTarget>();
  private readonly mutex = new Mutex();
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly random: (length: number) => Buffer;
  private readonly logging: boolean;
  private closed = false;

  constructor(options: VirtualI2cBusOptions = {}) {
    this.busNumber = options.busNumber ?? 1;
    this.clock = options.clock ?? systemClock();
    this.timeoutMs = options.timeoutMs ?? 25;
    this.random = options.random ?? ((n) => randomBytes(n));
    this.logging = options.log ?? false;
  }

  /** Puts a part on the bus. Two parts at one address would corrupt each other's replies: refused. */
  attach(target: I2cTarget): void {
    checkAddress(this.busNumber, target.address);
    const present = this.targets.get(target.address);
    if (present !== undefined && present !== target) {
      throw new RangeError(
        `i2c-${this.busNumber} 0x${hex(target.address)}: cannot attach ${target.part}, ${present.part} already answers there; use the part's other address`,
      );
    }
    this.targets.set(target.address, target);
  }

  /** Takes a part (or whatever is at an address) off the bus. */
  detach(target: I2cTarget | number): void {
    const address = typeof target === 'number' ? target : target.address;
    if (typeof target === 'number' || this.targets.get(address) === target) this.targets.delete(address);
  }

  /** The part at `address`, if any. */
  targetAt(address: number): I2cTarget | undefined {
    return this.targets.get(address);
  }

  async i2cWrite(address: number, data: Uint8Array): Promise<void> {
    checkAddress(this.busNumber, address);
    checkPlainLength(this.busNumber, address, data.length, 0);
    await this.transaction(address, Buffer.from(data), 0);
  }

  async i2cRead(address: number, length: number): Promise<Buffer> {
    checkAddress(this.busNumber, address);
    checkPlainLength(this.busNumber, address, length, 1);
    return await this.transaction(address, Buffer.alloc(0), length);
  }

  async readByte(address: number, command: number): Promise<number> {
    this.checkCommand(address, command);
    const r = await this.transaction(address, Buffer.of(command), 1);
    return r[0] ?? 0;
  }

  async writeByte(address: number, command: number, value: number): Promise<void> {
    this.checkCommand(address, command);
    checkByte(this.busNumber, address, 'value', value);
    await this.transaction(address, Buffer.of(command, value), 0);
  }

  async readWord(address: number, command: number): Promise<number> {
    this.checkCommand(address, command);
    const r = await this.transaction(address, Buffer.of(command), 2);
    return r.readUInt16LE(0);
  }

  async writeWord(address: number, command: number, value: number): Promise<void> {
    this.checkCommand(address, command);
    checkWord(this.busNumber, address, value);
    await this.transaction(address, Buffer.of(command, value & 0xff, value >> 8), 0);
  }

  async readI2cBlock(address: number, command: number, length: number): Promise<Buffer> {
    this.checkCommand(address, command);
    checkBlockLength(this.busNumber, address, length);
    return await this.transaction(address, Buffer.of(command), length);
  }

  async writeI2cBlock(address: number, command: number, data: Uint8Array): Promise<void> {
    this.checkCommand(address, command);
    checkBlockLength(this.busNumber, address, data.length);
    await this.transaction(address, Buffer.concat([Buffer.of(command), data]), 0);
  }

  /** Probes 0x03..0x77 with a bare one-byte read, as i2c-bus does: a part that NACKs it is missed. */
  async scan(): Promise<number[]> {
    this.checkOpen(undefined);
    const found: number[] = [];
    for (let address = MIN_ADDRESS; address <= MAX_ADDRESS; address++) {
      try {
        await this.transaction(address, Buffer.alloc(0), 1);
        found.push(address);
      } catch (e) {
        if (!(e instanceof I2cError)) throw e;
      }
    }
    return found;
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private checkCommand(address: number, command: number): void {
    checkAddress(this.busNumber, address);
    checkByte(this.busNumber, address, 'command', command);
  }

  private checkOpen(address: number | undefined): void {
    if (this.closed) throw new I2cError('invalid', this.busNumber, address, 'the bus was closed; open it again');
  }

  private async transaction(address: number, write: Buffer, readLength: number): Promise<Buffer> {
    this.checkOpen(address);
    return await this.mutex.run(async () => {
      const at = this.clock.now();
      try {
        const read = await this.onWire(address, write, readLength);
        if (this.logging) this.log.push({ at, address, write, readLength, read });
        return read;
      } catch (e) {
        if (this.logging && e instanceof I2cError) this.log.push({ at, address, write, readLength, error: e.kind });
        throw e;
      }
    });
  }

  private async onWire(address: number, write: Buffer, readLength: number): Promise<Buffer> {
    const target = this.targets.get(address);
    if (target === undefined) throw this.error('nack', address, 'no part acknowledged the address');
    const armed = target.faults.peek();
    const readOnly = armed === 'crc' || armed === 'garbage';
    const fault = readOnly && readLength === 0 ? undefined : target.faults.take();
    switch (fault) {
      case 'nack':
        throw this.error('nack', address, `${target.part} did not acknowledge (injected fault)`);
      case 'unplug':
        throw this.error('nack', address, `${target.part} is unplugged (injected fault)`);
      case 'timeout':
        await this.clock.sleep(this.timeoutMs);
        throw this.error('timeout', address, `${target.part} held the clock low for ${this.timeoutMs} ms (injected fault)`);
      case 'crc':
        return corruptLastByte(this.callTarget(target, write, readLength));
      case 'garbage':
        this.callTarget(target, write, readLength);
        return Buffer.from(this.random(readLength).subarray(0, readLength));
      case undefined:
        return this.callTarget(target, write, readLength);
    }
  }

  /** Calls the part; its I2cError (a NACK while busy) is re-issued with this bus's number. */
  private callTarget(target: I2cTarget, write: Buffer, readLength: number): Buffer {
    let read: Buffer;
    try {
      read = target.transfer(Buffer.from(write), readLength);
    } catch (e) {
      if (e instanceof I2cError) throw this.error(e.kind, target.address, `${target.part}: ${detailOf(e)}`, e);
      throw this.error('io', target.address, `virtual ${target.part} failed: ${e instanceof Error ? e.message : String(e)}`, e);
    }
    if (read.length !== readLength) {
      throw this.error('io', target.address, `virtual ${target.part} returned ${read.length} bytes for a ${readLength}-byte read`);
    }
    return read;
  }

  private error(kind: I2cError['kind'], address: number, detail: string, cause?: unknown): I2cError {
    return new I2cError(kind, this.busNumber, address, detail, cause === undefined ? undefined : { cause });
  }
}

/** The detail a part gave, without I2cError's location prefix and fix suffix. */
function detailOf(e: I2cError): string {
  const start = e.message.indexOf(': ');
  const end = e.message.lastIndexOf(` (${e.kind}); `);
  return start >= 0 && end > start ? e.message.slice(start + 2, end) : e.message;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
