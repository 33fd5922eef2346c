/**
 * CRC-16/ARC, the HAT EEPROM atom checksum (raspberrypi/hats eepromutils/eeptypes.h
 * `getcrc`: polynomial 0x8005, input bits least significant first, init 0, result bit-reversed,
 * stored little-endian; docs/hardware.md#hat-eeprom). Equivalent table form: reflected
 * polynomial 0xA001.
 * Check value: "123456789" → 0xBB3D.
 */
import { crc16Reflected8005 } from '../../common/index.js';

export function crc16Arc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc16Reflected8005(0, bytes, start, end);
}
