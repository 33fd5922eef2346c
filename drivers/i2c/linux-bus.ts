/**
 * `I2cBus` on Linux /dev/i2c-N through i2c-bus 5.2.3's promisified API.
 *
 * Flow of one call:
 *  1. check the arguments (validate.ts): a bad one is `I2cError('invalid')`, nothing is sent;
 *  2. queue behind every earlier transaction on the same bus number (one Mutex per bus per
 *     opener: i2c-bus sets the target address with an ioctl and then reads/writes, two
 *     syscalls that must not interleave with another caller's);
 *  3. call i2c-bus; an errno becomes an I2cError kind (`mapI2cError`), the original as `cause`.
 *
 * i2c-bus 5.2.3 quirks handled here (docs/hardware.md#i2c):
 * - `openPromisified` succeeds even without /dev/i2c-N: the first transfer fails with ENOENT
 *   (→ 'no-bus'), but `scan()` swallows that and returns []: so scan checks the file first.
 * - `readWord`/`writeWord` are SMBus words, little-endian on the wire: passed through as is.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { Mutex } from '../../common/index.js';
import { I2cError, type I2cErrorKind } from './errors.js';
import type { I2cBus, I2cBusOpener } from './types.js';
import { checkAddress, checkBlockLength, checkByte, checkPlainLength, checkWord } from './validate.js';

/** The part of i2c-bus's PromisifiedBus this driver uses. */
export interface I2cBusModuleBus {
  i2cRead(address: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }>;
  i2cWrite(address: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }>;
  readByte(address: number, command: number): Promise<number>;
  writeByte(address: number, command: number, byte: number): Promise<void>;
  readWord(address: number, command: number): Promise<number>;
  writeWord(address: number, command: number, word: number): Promise<void>;
  readI2cBlock(address: number, command: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }>;
  writeI2cBlock(address: number, command: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }>;
  scan(startAddr: number, endAddr: number): Promise<number[]>;
  close(): Promise<void>;
}

/** The part of the i2c-bus module this driver uses. */
export interface I2cBusModule {
  openPromisified(busNumber: number, options?: { forceAccess?: boolean }): Promise<I2cBusModuleBus>;
}

export interface LinuxI2cBusOptions {
  /** The i2c-bus module; default the real one, loaded on first open (a native addon). */
  readonly module?: I2cBusModule;
  /** Resolves when the bus device file is there and usable; default fs access(R|W). */
  readonly checkBusFile?: (path: string) => Promise<void>;
  /** Device file prefix; default "/dev/i2c-". */
  readonly devicePrefix?: string;
  /** i2c-bus `forceAccess`: talk to addresses a kernel driver has claimed. */
  readonly forceAccess?: boolean;
}

async function loadRealModule(): Promise<I2cBusModule> {
  const m = await import('i2c-bus');
  return m.default;
}

export class LinuxI2cBusOpener implements I2cBusOpener {
  private readonly mutexes = new Map<number, Mutex>();
  private module: I2cBusModule | undefined;

  constructor(private readonly options: LinuxI2cBusOptions = {}) {
    this.module = options.module;
  }

  async open(busNumber: number): Promise<I2cBus> {
    if (!Number.isInteger(busNumber) || busNumber < 0) {
      throw new I2cError('invalid', Number(busNumber), undefined, `bus number ${String(busNumber)} is not a whole number ≥ 0`);
    }
    this.module ??= await loadRealModule();
    let raw: I2cBusModuleBus;
    try {
      const opts = this.options.forceAccess === undefined ? undefined : { forceAccess: this.options.forceAccess };
      raw = await this.module.openPromisified(busNumber, opts);
    } catch (e) {
      throw mapI2cError(e, busNumber, undefined, 'open');
    }
    let mutex = this.mutexes.get(busNumber);
    if (mutex === undefined) {
      mutex = new Mutex();
      this.mutexes.set(busNumber, mutex);
    }
    const path = `${this.options.devicePrefix ?? '/dev/i2c-'}${busNumber}`;
    return new LinuxI2cBus(busNumber, raw, mutex, path, this.options.checkBusFile ?? defaultCheckBusFile);
  }
}

async function defaultCheckBusFile(path: string): Promise<void> {
  await access(path, constants.R_OK | constants.W_OK);
}

class LinuxI2cBus implements I2cBus {
  private closed = false;

  constructor(
    readonly busNumber: number,
    private readonly raw: I2cBusModuleBus,
    private readonly mutex: Mutex,
    private readonly path: string,
    private readonly checkBusFile: (path: string) => Promise<void>,
  ) {}

  async i2cWrite(address: number, data: Uint8Array): Promise<void> {
    checkAddress(this.busNumber, address);
    checkPlainLength(this.busNumber, address, data.length, 0);
    const buf = Buffer.from(data);
    const r = await this.run(address, 'i2cWrite', () => this.raw.i2cWrite(address, buf.length, buf));
    if (r.bytesWritten !== buf.length) throw this.short(address, 'i2cWrite', r.bytesWritten, buf.length);
  }

  async i2cRead(address: number, length: number): Promise<Buffer> {
    checkAddress(this.busNumber, address);
    checkPlainLength(this.busNumber, address, length, 1);
    const r = await this.run(address, 'i2cRead', () => this.raw.i2cRead(address, length, Buffer.alloc(length)));
    if (r.bytesRead !== length) throw this.short(address, 'i2cRead', r.bytesRead, length);
    return r.buffer.subarray(0, length);
  }

  async readByte(address: number, command: number): Promise<number> {
    this.checkCommand(address, command);
    return await this.run(address, 'readByte', () => this.raw.readByte(address, command));
  }

  async writeByte(address: number, command: number, value: number): Promise<void> {
    this.checkCommand(address, command);
    checkByte(this.busNumber, address, 'value', value);
    await this.run(address, 'writeByte', () => this.raw.writeByte(address, command, value));
  }

  async readWord(address: number, command: number): Promise<number> {
    this.checkCommand(address, command);
    return await this.run(address, 'readWord', () => this.raw.readWord(address, command));
  }

  async writeWord(address: number, command: number, value: number): Promise<void> {
    this.checkCommand(address, command);
    checkWord(this.busNumber, address, value);
    await this.run(address, 'writeWord', () => this.raw.writeWord(address, command, value));
  }

  async readI2cBlock(address: number, command: number, length: number): Promise<Buffer> {
    this.checkCommand(address, command);
    checkBlockLength(this.busNumber, address, length);
    const r = await this.run(address, 'readI2cBlock', () => this.raw.readI2cBlock(address, command, length, Buffer.alloc(length)));
    if (r.bytesRead !== length) throw this.short(address, 'readI2cBlock', r.bytesRead, length);
    return r.buffer.subarray(0, length);
  }

  async writeI2cBlock(address: number, command: number, data: Uint8Array): Promise<void> {
    this.checkCommand(address, command);
    checkBlockLength(this.busNumber, address, data.length);
    const buf = Buffer.from(data);
    await this.run(address, 'writeI2cBlock', () => this.raw.writeI2cBlock(address, command, buf.length, buf));
  }

  /** i2c-bus's scan returns [] for a missing bus: check the device file first (docs/hardware.md#i2c). */
  async scan(): Promise<number[]> {
    this.checkOpen(undefined);
    try {
      await this.checkBusFile(this.path);
    } catch (e) {
      throw mapI2cError(e, this.busNumber, undefined, `scan (${this.path})`);
    }
    return await this.run(undefined, 'scan', () => this.raw.scan(0x03, 0x77));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.mutex.run(async () => {
      try {
        await this.raw.close();
      } catch (e) {
        throw mapI2cError(e, this.busNumber, undefined, 'close');
      }
    });
  }

  private checkCommand(address: number, command: number): void {
    checkAddress(this.busNumber, address);
    checkByte(this.busNumber, address, 'command', command);
  }

  private checkOpen(address: number | undefined): void {
    if (this.closed) throw new I2cError('invalid', this.busNumber, address, 'the bus was closed; open it again');
  }

  private async run<T>(address: number | undefined, operation: string, call: () => Promise<T>): Promise<T> {
    this.checkOpen(address);
    return await this.mutex.run(async () => {
      try {
        return await call();
      } catch (e) {
        throw mapI2cError(e, this.busNumber, address, operation);
      }
    });
  }

  private short(address: number, operation: string, got: number, wanted: number): I2cError {
    return new I2cError('io', this.busNumber, address, `${operation} moved ${got} of ${wanted} bytes`);
  }
}

/** errno names and numbers (Linux asm-generic/errno*.h) → the kinds a device model tells apart. */
const KIND_BY_CODE: Readonly<Record<string, I2cErrorKind>> = {
  EREMOTEIO: 'nack',
  ENXIO: 'nack',
  ENOENT: 'no-bus',
  EACCES: 'no-bus',
  ETIMEDOUT: 'timeout',
};
const CODE_BY_ERRNO: Readonly<Record<number, string>> = { 121: 'EREMOTEIO', 6: 'ENXIO', 2: 'ENOENT', 13: 'EACCES', 110: 'ETIMEDOUT', 5: 'EIO' };

/**
 * Maps an error from i2c-bus (or fs) to an I2cError; `cause` keeps the original.
 * Node fs errors carry `code` and a negative `errno`; the addon's (Nan::ErrnoException) a
 * positive `errno` and `code`: either is accepted. An I2cError passes through unchanged.
 */
export function mapI2cError(error: unknown, busNumber: number, address: number | undefined, operation: string): I2cError {
  if (error instanceof I2cError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; errno?: unknown; message?: unknown };
  const code =
    typeof e.code === 'string' ? e.code : typeof e.errno === 'number' ? CODE_BY_ERRNO[Math.abs(e.errno)] : undefined;
  const kind = (code === undefined ? undefined : KIND_BY_CODE[code]) ?? 'io';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const detail =
    kind === 'nack'
      ? `no acknowledge during ${operation} (${message})`
      : kind === 'no-bus'
        ? `bus device cannot be opened during ${operation} (${message})`
        : `${operation} failed (${message})`;
  return new I2cError(kind, busNumber, address, detail, { cause: error });
}
