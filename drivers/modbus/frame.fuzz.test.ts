/**
 * Property tests: whatever arrives on the line, the decoder answers with a value or a
 * ModbusFrameError, never anything else, and never more than 125 values.
 */
import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { withCrc } from './crc.js';
import { ModbusFrameError } from './errors.js';
import { decodeReply, encodeRequest } from './frame.js';
import { MAX_READ_COUNT, type ModbusRequest } from './request.js';
import { ReplyAssembler } from './reply-assembler.js';
import { decodeRequest, encodeReadReply, encodeWriteReply } from './server-codec.js';
import { rtuTiming } from './timing.js';

const word = fc.integer({ min: 0, max: 0xffff });
const unit = fc.integer({ min: 1, max: 247 });

const request: fc.Arbitrary<ModbusRequest> = fc.oneof(
  fc.record({ fn: fc.constantFrom(0x03 as const, 0x04 as const), unit, address: fc.integer({ min: 0, max: 65535 - 124 }), count: fc.integer({ min: 1, max: 125 }) }),
  fc.record({ fn: fc.constant(0x06 as const), unit, address: word, value: word }),
  fc.record({ fn: fc.constant(0x10 as const), unit, address: fc.integer({ min: 0, max: 65535 - 122 }), values: fc.array(word, { minLength: 1, maxLength: 123 }) }),
);

/** A correct reply to `req` (registers for reads, an echo for writes). */
function goodReply(req: ModbusRequest, seed: number): Buffer {
  switch (req.fn) {
    case 0x03:
    case 0x04:
      return encodeReadReply(req.unit, req.fn, Array.from({ length: req.count }, (_, i) => (seed * 31 + i * 7919) & 0xffff));
    case 0x06:
    case 0x10:
      return encodeWriteReply(req);
  }
}

function decodeOrFrameError(req: ModbusRequest, bytes: Uint8Array): void {
  try {
    const r = decodeReply(req, bytes);
    if (r.kind === 'registers') {
      expect(r.values.length).toBeLessThanOrEqual(MAX_READ_COUNT);
      for (const v of r.values) expect(v >= 0 && v <= 0xffff).toBe(true);
    }
  } catch (err) {
    if (!(err instanceof ModbusFrameError)) throw err;
  }
}

describe('decodeReply under fuzzing', () => {
  it('random bytes give a reply or a ModbusFrameError', () => {
    fc.assert(
      fc.property(request, fc.uint8Array({ maxLength: 300 }), (req, bytes) => decodeOrFrameError(req, bytes)),
      { numRuns: 2000 },
    );
  });

  it('random bytes with a valid CRC and our unit/function get past the CRC and still decode safely', () => {
    fc.assert(
      fc.property(request, fc.uint8Array({ maxLength: 260 }), (req, body) => {
        decodeOrFrameError(req, withCrc(Buffer.concat([Buffer.of(req.unit, req.fn), body])));
        decodeOrFrameError(req, withCrc(Buffer.concat([Buffer.of(req.unit, req.fn | 0x80), body.subarray(0, 4)])));
      }),
      { numRuns: 2000 },
    );
  });

  it('correct replies decode to what was sent; mutated ones only ever fail as frame errors', () => {
    fc.assert(
      fc.property(request, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 2 }), (req, seed, where, how) => {
        const good = goodReply(req, seed);
        const decoded = decodeReply(req, good);
        expect(decoded.kind).toBe(req.fn === 0x03 || req.fn === 0x04 ? 'registers' : 'written');
        const i = where % good.length;
        const mutated =
          how === 0 ? Buffer.from(good).fill(good[i]! ^ 0x10, i, i + 1) : how === 1 ? good.subarray(0, i) : Buffer.concat([good, Buffer.of(where & 0xff)]);
        expect(() => decodeReply(req, mutated)).toThrow(ModbusFrameError);
      }),
      { numRuns: 1000 },
    );
  });

  it('a 100 kB blob is refused without decoding it', () => {
    expect(() => decodeReply({ fn: 0x03, unit: 1, address: 0, count: 1 }, Buffer.alloc(100_000))).toThrow(/at most 256/);
  });
});

describe('ReplyAssembler under fuzzing', () => {
  const timing = rtuTiming({ baudRate: 9600, parity: 'even' });

  it('reassembles a correct reply however it is chunked, ignoring bytes after it', () => {
    fc.assert(
      fc.property(request, fc.nat(), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }), (req, seed, sizes) => {
        const good = goodReply(req, seed);
        const stream = Buffer.concat([good, Buffer.of(1, 2, 3)]);
        const a = new ReplyAssembler(req, timing, false);
        let off = 0;
        let k = 0;
        for (;;) {
          const size = sizes[k++ % sizes.length]!;
          const r = a.push(stream.subarray(off, off + size), k);
          off += size;
          if (r.kind === 'complete') {
            expect(r.adu.equals(good)).toBe(true);
            return;
          }
          expect(r.kind).toBe('incomplete');
          expect(off).toBeLessThan(stream.length);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never holds more than 256 bytes whatever arrives', () => {
    fc.assert(
      fc.property(request, fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 12 }), (req, chunks) => {
        const a = new ReplyAssembler(req, timing, false);
        for (const c of chunks) {
          const r = a.push(c, 0);
          expect(a.received).toBeLessThanOrEqual(256);
          if (r.kind !== 'incomplete') return;
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('server-side decodeRequest under fuzzing', () => {
  it('round-trips every valid request and never throws on noise', () => {
    fc.assert(
      fc.property(request, (req) => {
        expect(decodeRequest(encodeRequest(req))).toEqual(req);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        decodeRequest(bytes);
      }),
      { numRuns: 2000 },
    );
  });
});
