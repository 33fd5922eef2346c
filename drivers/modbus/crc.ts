/**
 * CRC-16/MODBUS (Modbus over Serial Line V1.02 §6.2.2): reflected polynomial 0xA001,
 * initial value 0xFFFF, no final XOR; sent low byte first (docs/hardware.md#modbus-rtu).
 * Check value: "123456789" → 0x4B37; `01 03 00 00 00 01` → CRC bytes `84 0A`.
 */
import { crc16Reflected8005 } from '../../common/index.js';

export function crc16Modbus(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc16Reflected8005(0xffff, bytes, start, end);
}

/** Appends the CRC (low byte first) to a frame without one. */
export function withCrc(frame: Uint8Array): Buffer {
  const out = Buffer.alloc(frame.length + 2);
  out.set(frame);
  out.writeUInt16LE(crc16Modbus(frame), frame.length);
  return out;
}

/** True when the last two bytes are the CRC of the rest. */
export function hasValidCrc(frame: Uint8Array): boolean {
  if (frame.length < 3) return false;
  const expected = crc16Modbus(frame, 0, frame.length - 2);
  return (frame[frame.length - 2] ?? -1) === (expected & 0xff) && (frame[frame.length - 1] ?? -1) === expected >>> 8;
}
