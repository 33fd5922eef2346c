import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { withCrc } from './crc.js';
import { ModbusFrameError } from './errors.js';
import { decodeReply, encodeRequest, replyLength, validateRequest, type ModbusReply } from './frame.js';
import type { ModbusRequest } from './request.js';

interface Vector {
  name: string;
  request: ModbusRequest;
  requestAdu: string;
  replyAdu: string;
  reply: ModbusReply;
}

const vectors = JSON.parse(readFileSync(new URL('./vectors/frames.json', import.meta.url), 'utf8')) as Vector[];

function problemOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof ModbusFrameError ? err.problem : `not a frame error: ${String(err)}`;
  }
  return 'no error';
}

const read3: ModbusRequest = { fn: 0x03, unit: 17, address: 107, count: 3 };

describe('frame vectors (vectors/README.md)', () => {
  for (const v of vectors) {
    it(`${v.name}: encodes the request, decodes the reply, rejects any flipped bit`, () => {
      expect(encodeRequest(v.request).toString('hex')).toBe(v.requestAdu);
      const reply = Buffer.from(v.replyAdu, 'hex');
      expect(decodeReply(v.request, reply)).toEqual(v.reply);
      expect(replyLength(v.request, reply)).toBe(reply.length);
      for (let bit = 0; bit < reply.length * 8; bit++) {
        const t = Buffer.from(reply);
        t[bit >> 3] = (t[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        expect(() => decodeReply(v.request, t)).toThrow(ModbusFrameError);
      }
    });
  }
});

describe('decodeReply rejects', () => {
  it('short frames', () => {
    expect(problemOf(() => decodeReply(read3, Buffer.from('1183', 'hex')))).toBe('short');
  });

  it('a bad CRC, saying which value was expected', () => {
    expect(() => decodeReply(read3, Buffer.from('118302c135', 'hex'))).toThrow(/CRC is 0x35c1, expected 0x34c1/);
  });

  it('a reply from another unit', () => {
    expect(() => decodeReply(read3, withCrc(Buffer.from('1203060001000200 03'.replace(/ /g, ''), 'hex')))).toThrow(
      /from unit 18, not 17/,
    );
  });

  it('a reply for another function', () => {
    expect(problemOf(() => decodeReply(read3, withCrc(Buffer.from('1104060001000200 03'.replace(/ /g, ''), 'hex'))))).toBe('function');
  });

  it('a byte count that does not match the registers asked for', () => {
    expect(() => decodeReply(read3, withCrc(Buffer.from('11030400010002', 'hex')))).toThrow(/byte count is 4, expected 6/);
  });

  it('a frame longer or shorter than its byte count says', () => {
    expect(problemOf(() => decodeReply(read3, withCrc(Buffer.from('110306000100020003ff', 'hex'))))).toBe('length');
    expect(problemOf(() => decodeReply(read3, withCrc(Buffer.from('1103060001000200', 'hex'))))).toBe('length');
  });

  it('an exception frame of the wrong length', () => {
    expect(problemOf(() => decodeReply(read3, withCrc(Buffer.from('11830200', 'hex'))))).toBe('length');
  });

  it('a write echo with another address, value or quantity', () => {
    const w6: ModbusRequest = { fn: 0x06, unit: 17, address: 1, value: 3 };
    expect(() => decodeReply(w6, withCrc(Buffer.from('110600010004', 'hex')))).toThrow(/echoes address 1 value 4, request had address 1 value 3/);
    const w16: ModbusRequest = { fn: 0x10, unit: 17, address: 1, values: [10, 258] };
    expect(problemOf(() => decodeReply(w16, withCrc(Buffer.from('111000020002', 'hex'))))).toBe('echo');
    expect(problemOf(() => decodeReply(w16, withCrc(Buffer.from('111000010003', 'hex'))))).toBe('echo');
    expect(problemOf(() => decodeReply(w16, withCrc(Buffer.from('11100001000200', 'hex'))))).toBe('length');
  });

  it('frames over 256 bytes', () => {
    expect(problemOf(() => decodeReply(read3, Buffer.alloc(300)))).toBe('length');
  });
});

describe('replyLength', () => {
  it('needs the function byte, and for reads the byte count', () => {
    expect(replyLength(read3, Buffer.from('11', 'hex'))).toBeUndefined();
    expect(replyLength(read3, Buffer.from('1103', 'hex'))).toBeUndefined();
    expect(replyLength(read3, Buffer.from('110306', 'hex'))).toBe(11);
  });

  it('is 5 for an exception, 8 for write replies, null for an unknown function byte', () => {
    expect(replyLength(read3, Buffer.from('1183', 'hex'))).toBe(5);
    expect(replyLength({ fn: 0x10, unit: 1, address: 0, values: [1] }, Buffer.from('0110', 'hex'))).toBe(8);
    expect(replyLength({ fn: 0x06, unit: 1, address: 0, value: 1 }, Buffer.from('0106', 'hex'))).toBe(8);
    expect(replyLength(read3, Buffer.from('1105', 'hex'))).toBeNull();
  });
});

describe('validateRequest', () => {
  const bad: Array<[ModbusRequest, RegExp]> = [
    [{ fn: 0x03, unit: 0, address: 0, count: 1 }, /unit 0 is broadcast, which is allowed only for writes/],
    [{ fn: 0x04, unit: 248, address: 0, count: 1 }, /unit address must be an integer 1–247, got 248/],
    [{ fn: 0x06, unit: 256, address: 0, value: 1 }, /unit address must be an integer 0–247/],
    [{ fn: 0x03, unit: 1, address: 0, count: 0 }, /read count must be an integer 1–125, got 0/],
    [{ fn: 0x03, unit: 1, address: 0, count: 126 }, /read count .* got 126/],
    [{ fn: 0x03, unit: 1, address: 1.5, count: 1 }, /register address must be an integer 0–65535/],
    [{ fn: 0x03, unit: 1, address: 65535, count: 2 }, /last register address .* got 65536/],
    [{ fn: 0x06, unit: 1, address: 0, value: 65536 }, /register value must be an integer 0–65535, got 65536/],
    [{ fn: 0x06, unit: 1, address: 0, value: -1 }, /two’s complement/],
    [{ fn: 0x10, unit: 1, address: 0, values: [] }, /write count must be an integer 1–123, got 0/],
    [{ fn: 0x10, unit: 1, address: 0, values: new Array<number>(124).fill(0) }, /write count .* got 124/],
    [{ fn: 0x10, unit: 1, address: 0, values: [1, 70000] }, /register value \[1\] .* got 70000/],
  ];
  for (const [req, message] of bad) {
    it(`refuses ${JSON.stringify(req).slice(0, 60)}`, () => {
      expect(() => validateRequest(req)).toThrow(RangeError);
      expect(() => encodeRequest(req)).toThrow(message);
    });
  }

  it('accepts the limits: 125 reads, 123 writes, broadcast writes, unit 247, the last address', () => {
    expect(() => validateRequest({ fn: 0x03, unit: 247, address: 65535 - 124, count: 125 })).not.toThrow();
    expect(() => validateRequest({ fn: 0x10, unit: 0, address: 0, values: new Array<number>(123).fill(65535) })).not.toThrow();
    expect(encodeRequest({ fn: 0x10, unit: 0, address: 0, values: new Array<number>(123).fill(0) })).toHaveLength(9 + 246);
  });
});
