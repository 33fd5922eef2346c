import { describe, expect, it } from 'vitest';
import { crc8Sensirion, parseSensirionWords, sensirionWord } from './crc8-sensirion.js';

describe('crc8Sensirion', () => {
  it('matches the datasheet check values', () => {
    expect(crc8Sensirion(Uint8Array.of(0xbe, 0xef))).toBe(0x92);
    expect(crc8Sensirion(Uint8Array.of(0x00))).toBe(0xac);
    expect(crc8Sensirion(Uint8Array.of())).toBe(0xff);
  });

  it('encodes a word as MSB, LSB, CRC and parses it back', () => {
    expect([...sensirionWord(0xbeef)]).toEqual([0xbe, 0xef, 0x92]);
    const reply = Buffer.concat([sensirionWord(0x6666), sensirionWord(0x8000)]);
    expect(parseSensirionWords(reply)).toEqual({ words: [0x6666, 0x8000] });
  });

  it('detects any single flipped bit and names the word', () => {
    const reply = Buffer.concat([sensirionWord(0x1234), sensirionWord(0xabcd)]);
    for (let bit = 0; bit < reply.length * 8; bit++) {
      const bad = Buffer.from(reply);
      bad[bit >> 3] = bad[bit >> 3]! ^ (1 << (bit & 7));
      expect(parseSensirionWords(bad)).toEqual({ badWord: bit < 24 ? 0 : 1 });
    }
  });
});
