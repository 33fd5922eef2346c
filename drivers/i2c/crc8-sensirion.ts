/**
 * Sensirion CRC-8 over each 16-bit word on the wire (SHT3x datasheet §4.12, SHT4x §4.4):
 * polynomial 0x31 (x⁸ + x⁵ + x⁴ + 1), init 0xFF, no reflection, no final XOR.
 * Check values (docs/hardware.md#sensirion-crc8): CRC(0xBE 0xEF) = 0x92; CRC(0x00) = 0xAC.
 */
export function crc8Sensirion(bytes: Uint8Array): number {
  let crc = 0xff;
  for (const b of bytes) {
    crc ^= b;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** A 16-bit word as Sensirion sends it: MSB, LSB, CRC. */
export function sensirionWord(value: number): Buffer {
  const word = Buffer.of((value >> 8) & 0xff, value & 0xff);
  return Buffer.of(word[0] ?? 0, word[1] ?? 0, crc8Sensirion(word));
}

/**
 * Splits a Sensirion reply (MSB, LSB, CRC per word) into words, or returns the index of the
 * first word whose CRC does not match, so a device model can report which word was corrupted.
 */
export function parseSensirionWords(reply: Uint8Array): { words: number[] } | { badWord: number } {
  const words: number[] = [];
  for (let i = 0; i + 2 < reply.length; i += 3) {
    const msb = reply[i] ?? 0;
    const lsb = reply[i + 1] ?? 0;
    if (crc8Sensirion(Uint8Array.of(msb, lsb)) !== reply[i + 2]) return { badWord: i / 3 };
    words.push((msb << 8) | lsb);
  }
  return { words };
}
