/**
 * CRC-16 with the reflected polynomial 0xA001 (0x8005 bit-reversed), table-driven.
 * Two standard members of the family differ only in the initial value:
 * - CRC-16/MODBUS: init 0xFFFF ("123456789" → 0x4B37), Modbus over Serial Line V1.02 §6.2.2;
 * - CRC-16/ARC:    init 0x0000 ("123456789" → 0xBB3D), the Raspberry Pi HAT EEPROM atom CRC.
 */
const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc16Reflected8005(init: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = init;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ (TABLE[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0);
  return crc;
}
