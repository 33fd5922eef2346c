/**
 * I2C: the subset of i2c-bus's promisified bus that the device models need, with plain
 * Buffers in and out. Implementations serialize transactions per bus (one at a time).
 *
 * Word order: `readWord`/`writeWord` are SMBus words, little-endian on the wire (i2c-bus
 * quirk, docs/hardware.md#i2c); most sensors are big-endian, so device models use
 * `readI2cBlock` or swap.
 */
export interface I2cBus {
  /** e.g. 1 for /dev/i2c-1. */
  readonly busNumber: number;
  /** Plain write: START, address+W, data, STOP. */
  i2cWrite(address: number, data: Uint8Array): Promise<void>;
  /** Plain read: START, address+R, `length` bytes, STOP. */
  i2cRead(address: number, length: number): Promise<Buffer>;
  /** SMBus read byte data: write `command`, repeated START, read 1 byte. */
  readByte(address: number, command: number): Promise<number>;
  /** SMBus write byte data. */
  writeByte(address: number, command: number, value: number): Promise<void>;
  /** SMBus read word data (little-endian on the wire). */
  readWord(address: number, command: number): Promise<number>;
  /** SMBus write word data (little-endian on the wire). */
  writeWord(address: number, command: number, value: number): Promise<void>;
  /** I2C block read: write `command`, repeated START, read `length` (1..32) bytes. */
  readI2cBlock(address: number, command: number, length: number): Promise<Buffer>;
  /** I2C block write: `command` then up to 32 bytes. */
  writeI2cBlock(address: number, command: number, data: Uint8Array): Promise<void>;
  /** Addresses 0x03..0x77 that ACK a probe (a part that NACKs a bare read is missed: docs/hardware.md#i2c). */
  scan(): Promise<number[]>;
  close(): Promise<void>;
}

/** Opens a bus by number; a missing bus is reported by the first transfer as `I2cError('no-bus')`. */
export interface I2cBusOpener {
  open(busNumber: number): Promise<I2cBus>;
}
