import { describe, it, expect } from 'vitest';
import { crc16Modbus, hasValidCrc, withCrc } from './crc.js';

describe('CRC-16/MODBUS (Serial Line V1.02 §6.2.2)', () => {
  it('gives the catalogue check value for "123456789"', () => {
    expect(crc16Modbus(Buffer.from('123456789', 'ascii'))).toBe(0x4b37);
  });

  it('appends 84 0A (low byte first) to 01 03 00 00 00 01', () => {
    expect(withCrc(Uint8Array.of(0x01, 0x03, 0x00, 0x00, 0x00, 0x01)).toString('hex')).toBe('010300000001840a');
  });

  it('accepts the example frame and rejects every single-bit change of it', () => {
    const frame = Buffer.from('010300000001840a', 'hex');
    expect(hasValidCrc(frame)).toBe(true);
    for (let bit = 0; bit < frame.length * 8; bit++) {
      const t = Buffer.from(frame);
      t[bit >> 3] = (t[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      expect(hasValidCrc(t)).toBe(false);
    }
  });

  it('rejects frames too short to carry a CRC', () => {
    expect(hasValidCrc(Uint8Array.of(0xff, 0xff))).toBe(false);
  });
});
