/**
 * Property tests: whatever arrives, decodeKx answers with a message or a PiaDecodeError,
 * never anything else; what it returns holds no more bytes than it was given; a decoded
 * message re-encodes to exactly the datagram (one encoding per message).
 */
import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { PiaDecodeError } from '../errors.js';
import { decodeKx, encodeKx, type KxMessage } from './messages.js';

const spi = fc.integer({ min: 256, max: 0xffffffff });
const b32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

const message: fc.Arbitrary<KxMessage> = fc.oneof(
  fc.record({
    kind: fc.constant('init' as const), spiI: spi, ni: b32, gi: b32,
    suites: fc.uniqueArray(fc.integer({ min: 1, max: 255 }), { minLength: 1, maxLength: 255 }),
    cookie: fc.uint8Array({ maxLength: 32 }),
  }),
  fc.record({ kind: fc.constant('resp' as const), spiI: spi, spiR: spi, nr: b32, gr: b32, suite: fc.constantFrom(1 as const, 2 as const), macR: b32 }),
  fc.record({ kind: fc.constant('confirm' as const), spiI: spi, spiR: spi, nr: b32, macI: b32 }),
  fc.record({ kind: fc.constant('cookie' as const), spiI: spi, cookie: fc.uint8Array({ minLength: 17, maxLength: 17 }) }),
  fc.record({ kind: fc.constant('refuse' as const), spiI: spi, reason: fc.constantFrom(1 as const, 2 as const, 3 as const) }),
);

/** Bytes held by the decoded message's byte fields, plus one per suite id. */
function heldBytes(msg: KxMessage): number {
  let n = 0;
  for (const v of Object.values(msg)) {
    if (v instanceof Uint8Array) n += v.length;
    else if (Array.isArray(v)) n += v.length;
  }
  return n;
}

function decodeSafely(bytes: Uint8Array): KxMessage | undefined {
  try {
    const msg = decodeKx(bytes);
    expect(heldBytes(msg)).toBeLessThanOrEqual(bytes.length);
    expect(Buffer.compare(encodeKx(msg), bytes)).toBe(0);
    return msg;
  } catch (err) {
    if (!(err instanceof PiaDecodeError)) throw err;
    return undefined;
  }
}

describe('decodeKx under fuzzing', () => {
  it('random bytes give a message or a PiaDecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => void decodeSafely(bytes)), { numRuns: 3000 });
  });

  it('random bytes behind a valid header reach the body decoders safely', () => {
    const header = fc.tuple(fc.integer({ min: 0, max: 31 }), fc.constantFrom(0, 0, 0, 1, 0x80), spi, fc.oneof(fc.constant(0), spi));
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 400 }), ([type, f, spiI, spiR], body) => {
        const bytes = new Uint8Array(16 + body.length);
        const view = new DataView(bytes.buffer);
        bytes.set([1, type, f, 0], 4);
        view.setUint32(8, spiI);
        view.setUint32(12, spiR);
        bytes.set(body, 16);
        decodeSafely(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('every valid message round-trips and stays < 1280 bytes', () => {
    fc.assert(
      fc.property(message, (msg) => {
        const bytes = encodeKx(msg);
        expect(bytes.length).toBeLessThan(1280);
        expect(decodeKx(bytes)).toEqual(msg);
      }),
      { numRuns: 2000 },
    );
  });

  it('valid messages with a changed byte, cut short or lengthened decode safely', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.uint8Array({ minLength: 1, maxLength: 8 }), (msg, at, xor, extra) => {
        const bytes = encodeKx(msg);
        const i = at % bytes.length;
        const changed = Uint8Array.from(bytes);
        changed[i] = (changed[i] ?? 0) ^ xor;
        const decoded = decodeSafely(changed);
        if (decoded !== undefined) expect(decoded).not.toEqual(msg);
        decodeSafely(bytes.subarray(0, i));
        decodeSafely(Uint8Array.from([...bytes, ...extra]));
      }),
      { numRuns: 2000 },
    );
  });
});
