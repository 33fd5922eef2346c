/**
 * ATECC608 I/O framing, chip side (datasheet DS40001977 §6 "I2C Interface", cryptoauthlib
 * lib/calib/calib_command.c; docs/hardware.md#atecc608).
 *
 * Must hold:
 * - Word address byte (first byte of every write): 0x00 reset (I/O buffer address counter
 *   back to 0), 0x01 sleep, 0x02 idle, 0x03 command.
 * - Command group after word address 0x03: count, opcode, param1, param2 (u16 LE), data,
 *   CRC-16 (LE). `count` covers itself through the CRC, so it is 7 + data length.
 * - Response group: count, data, CRC; a status-only response is 4 bytes: 04 status crc crc.
 * - CRC: cryptoauthlib atCRC — polynomial 0x8005, data bits fed least significant first,
 *   register starts at 0, no final XOR, result sent low byte first. Check: `04 11` → `33 43`
 *   (the wake response).
 * This file is independent of the host client's CRC (drivers/atecc608/packet.ts) on purpose:
 * the two must agree on the wire.
 */

/** Status bytes (cryptoauthlib isATCAError, calib_command.h CMD_STATUS_*). */
export const Status = {
  success: 0x00,
  checkmacMiscompare: 0x01,
  parseError: 0x03,
  eccFault: 0x05,
  selfTestError: 0x07,
  healthTestError: 0x08,
  executionError: 0x0f,
  afterWake: 0x11,
  watchdogAboutToExpire: 0xee,
  crcOrCommError: 0xff,
} as const;

export const WordAddress = { reset: 0x00, sleep: 0x01, idle: 0x02, command: 0x03 } as const;

/** Smallest command group (no data) and cryptoauthlib's largest (ATCA_CMD_SIZE_MAX, Verify). */
export const MIN_COMMAND_COUNT = 7;
export const MAX_COMMAND_COUNT = 4 * 36 + 7;

export function atCrc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i] ?? 0;
    for (let mask = 0x01; mask <= 0x80; mask <<= 1) {
      const dataBit = byte & mask ? 1 : 0;
      const crcBit = crc >>> 15;
      crc = (crc << 1) & 0xffff;
      if (dataBit !== crcBit) crc ^= 0x8005;
    }
  }
  return crc;
}

/** A response group: count, data, CRC (LE). */
export function responsePacket(data: Uint8Array): Buffer {
  const out = Buffer.alloc(data.length + 3);
  out[0] = out.length;
  out.set(data, 1);
  out.writeUInt16LE(atCrc(out, 0, out.length - 2), out.length - 2);
  return out;
}

export function statusPacket(status: number): Buffer {
  return responsePacket(Uint8Array.of(status));
}

export interface CommandPacket {
  readonly opcode: number;
  readonly param1: number;
  readonly param2: number;
  readonly data: Buffer;
}

/**
 * Parses the bytes written after word address 0x03. A count that disagrees with the bytes
 * received, or a bad CRC, is a communication error (status 0xFF): the chip did not receive
 * the command and executes nothing.
 */
export function parseCommand(group: Buffer): CommandPacket | { readonly status: number } {
  const count = group[0] ?? 0;
  if (count < MIN_COMMAND_COUNT || count > MAX_COMMAND_COUNT || group.length !== count) {
    return { status: Status.crcOrCommError };
  }
  const crc = group.readUInt16LE(count - 2);
  if (crc !== atCrc(group, 0, count - 2)) return { status: Status.crcOrCommError };
  return {
    opcode: group[1] ?? 0,
    param1: group[2] ?? 0,
    param2: group.readUInt16LE(3),
    data: Buffer.from(group.subarray(5, count - 2)),
  };
}
