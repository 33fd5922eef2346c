/**
 * Sensirion signal conversion, inverted: physical value → 16-bit ticks S, so that the
 * datasheet's formula gives the value back (SHT3x datasheet §4.13, SHT4x §4.6):
 *   T  = −45 + 175 · S / 65535            (both families)
 *   RH = 100 · S / 65535                  (SHT3x)
 *   RH = −6 + 125 · S / 65535             (SHT4x; may leave 0..100, the host crops)
 * Rounded to the nearest tick and clamped to 0..65535 (the sensor's range ends there).
 */
import { sensirionWord } from '../../drivers/i2c/index.js';

export function toTicks(value: number, offset: number, span: number): number {
  const s = Math.round(((value - offset) * 65535) / span);
  return Math.min(0xffff, Math.max(0, s));
}

export const temperatureTicks = (tC: number): number => toTicks(tC, -45, 175);

/** The 6-byte measurement reply: T msb, lsb, CRC, RH msb, lsb, CRC. */
export function measurementReply(tTicks: number, rhTicks: number): Buffer {
  return Buffer.concat([sensirionWord(tTicks), sensirionWord(rhTicks)]);
}

/** A 32-bit serial number as two CRC-protected words (SHT3x 0x3780, SHT4x 0x89). */
export function serialReply(serial: number): Buffer {
  return Buffer.concat([sensirionWord((serial >>> 16) & 0xffff), sensirionWord(serial & 0xffff)]);
}
