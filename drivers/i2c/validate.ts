/**
 * Argument checks shared by every `I2cBus` implementation (Linux and virtual), so both
 * refuse the same calls with the same `I2cError('invalid')`.
 *
 * Must hold:
 * - 7-bit addresses 0x03..0x77 only: 0x00..0x02 and 0x78..0x7F are reserved (I2C spec
 *   UM10204 §3.1.12: general call, CBUS, HS-mode, 10-bit addressing); i2c-bus's scan range.
 * - SMBus/I2C block transfers carry 1..32 data bytes (I2C_SMBUS_BLOCK_MAX, docs/hardware.md#i2c).
 * - Plain reads/writes go through the i2c-dev read()/write() path, limited to 8192 bytes.
 */
import { I2cError } from './errors.js';

export const MIN_ADDRESS = 0x03;
export const MAX_ADDRESS = 0x77;
export const MAX_BLOCK_LENGTH = 32;
export const MAX_PLAIN_LENGTH = 8192;

export function checkAddress(busNumber: number, address: number): void {
  if (!Number.isInteger(address) || address < MIN_ADDRESS || address > MAX_ADDRESS) {
    throw new I2cError('invalid', busNumber, undefined, `address ${String(address)} is not a 7-bit address in 0x03..0x77`);
  }
}

export function checkBlockLength(busNumber: number, address: number, length: number): void {
  if (!Number.isInteger(length) || length < 1 || length > MAX_BLOCK_LENGTH) {
    throw new I2cError('invalid', busNumber, address, `block length ${String(length)} is outside 1..${MAX_BLOCK_LENGTH}`);
  }
}

export function checkPlainLength(busNumber: number, address: number, length: number, min: 0 | 1): void {
  if (!Number.isInteger(length) || length < min || length > MAX_PLAIN_LENGTH) {
    throw new I2cError('invalid', busNumber, address, `transfer length ${String(length)} is outside ${min}..${MAX_PLAIN_LENGTH}`);
  }
}

/** A command/register byte or a data byte: an integer 0..255. */
export function checkByte(busNumber: number, address: number, what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new I2cError('invalid', busNumber, address, `${what} ${String(value)} is not a byte (0..255)`);
  }
}

/** An SMBus word: an integer 0..65535. */
export function checkWord(busNumber: number, address: number, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new I2cError('invalid', busNumber, address, `word ${String(value)} is not 0..65535`);
  }
}
