/**
 * ATECC608 packets, host side (cryptoauthlib lib/calib/calib_command.c: atCRC, atCalcCrc,
 * atCheckCrc, isATCAError; docs/hardware.md#atecc608).
 *
 * Must hold:
 * - Command group: count, opcode, param1, param2 (u16 LE), data, CRC (LE); count = 7 + data.
 *   On the wire it follows word address 0x03.
 * - Response group: count, data, CRC; count 4 means a single status byte.
 * - CRC-16: polynomial 0x8005, input bits least significant first, init 0, no final XOR,
 *   low byte first. Check: CRC(04 11) = 33 43, the wake response's CRC.
 */
export const WORD_ADDRESS = { reset: 0x00, sleep: 0x01, idle: 0x02, command: 0x03 } as const;

/** The chip's answer to a wake pulse: count 4, status 0x11, CRC. */
export const WAKE_OK: readonly number[] = [0x04, 0x11, 0x33, 0x43];

/** Largest response group (ATCA_RSP_SIZE_MAX, GenKey/Verify) and smallest. */
export const MAX_RESPONSE = 75;
export const MIN_RESPONSE = 4;

/** Status bytes (calib_command.h CMD_STATUS_*, isATCAError). */
export const STATUS = {
  success: 0x00,
  miscompare: 0x01,
  parse: 0x03,
  ecc: 0x05,
  selfTest: 0x07,
  healthTest: 0x08,
  execution: 0x0f,
  wake: 0x11,
  watchdog: 0xee,
  comm: 0xff,
} as const;

const STATUS_NAMES = new Map<number, string>([
  [STATUS.miscompare, 'CheckMac/Verify miscompare (0x01)'],
  [STATUS.parse, 'parse error: length, opcode or parameter illegal (0x03)'],
  [STATUS.ecc, 'ECC computation fault (0x05)'],
  [STATUS.selfTest, 'self-test failure mode (0x07)'],
  [STATUS.healthTest, 'random number generator health test error (0x08)'],
  [STATUS.execution, 'execution error: the chip cannot execute this command in its state (0x0F)'],
  [STATUS.wake, 'woken up, command not received (0x11)'],
  [STATUS.watchdog, 'watchdog about to expire (0xEE)'],
  [STATUS.comm, 'bad CRC or other communication error (0xFF)'],
]);

export function statusName(status: number): string {
  return STATUS_NAMES.get(status) ?? `unknown status 0x${status.toString(16).padStart(2, '0')}`;
}

export function atcaCrc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i] ?? 0;
    for (let bit = 0; bit < 8; bit++) {
      const feedback = ((byte >> bit) & 1) ^ (crc >>> 15);
      crc = (crc << 1) & 0xffff;
      if (feedback !== 0) crc ^= 0x8005;
    }
  }
  return crc;
}

/** The command group (without the word address). */
export function buildCommand(opcode: number, param1: number, param2: number, data: Uint8Array = new Uint8Array(0)): Buffer {
  const count = 7 + data.length;
  const out = Buffer.alloc(count);
  out[0] = count;
  out[1] = opcode;
  out[2] = param1;
  out.writeUInt16LE(param2, 3);
  out.set(data, 5);
  out.writeUInt16LE(atcaCrc(out, 0, count - 2), count - 2);
  return out;
}

/** True when `packet` is a whole response group whose CRC matches. */
export function responseCrcOk(packet: Uint8Array): boolean {
  const count = packet[0] ?? 0;
  if (count < MIN_RESPONSE || count > packet.length) return false;
  const crc = atcaCrc(packet, 0, count - 2);
  return packet[count - 2] === (crc & 0xff) && packet[count - 1] === crc >> 8;
}
