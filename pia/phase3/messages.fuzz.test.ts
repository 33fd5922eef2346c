/**
 * Property tests of the §9.2 codec: whatever arrives, decodeP3 answers with a message or a
 * PiaDecodeError, never anything else; the message holds no more bytes than it was given; a
 * decoded message re-encodes to exactly the payload; valid messages round-trip.
 */
import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { PiaDecodeError } from '../errors.js';
import { decodeP3, encodeP3, type P3Message } from './messages.js';
import * as Z from './sizes.js';

const spi = fc.integer({ min: 256, max: 0xffffffff });
const bytes = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n });
const id = bytes(16).filter((b) => b.some((x) => x !== 0));
const anyId = fc.oneof(id, fc.constant(new Uint8Array(16)));
const ticket = (min: number, max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: min, maxLength: max });
const granted = ticket(Z.MIN_GRANTED_TICKET_BYTES, Z.MAX_TICKET_BYTES);
const deniedTicket = fc.oneof(fc.constant(new Uint8Array(0)), ticket(Z.MIN_DENIED_TICKET_BYTES, Z.MAX_DENIED_TICKET_BYTES));
const reason = fc.integer({ min: 1, max: 10 }) as fc.Arbitrary<1>;
const empty = new Uint8Array(0);

const message: fc.Arbitrary<P3Message> = fc.oneof(
  fc.record({ kind: fc.constant('req' as const), nA: bytes(32), idA: id, idBStar: anyId, spiA: spi, macA: bytes(32) }),
  fc.record({ kind: fc.constant('vouch' as const), t: bytes(32), nA: bytes(32), idA: id, idBStar: anyId, macA: bytes(32), nB: bytes(32), idB: id, macB: bytes(32) }),
  fc.record({ kind: fc.constant('verdict' as const), nB: bytes(32), t: bytes(32), status: fc.constant(0 as const), reason: fc.constant(0 as const), ticketA: granted, ticketB: granted }),
  fc.record({ kind: fc.constant('verdict' as const), nB: bytes(32), t: bytes(32), status: fc.constant(1 as const), reason, ticketA: deniedTicket, ticketB: deniedTicket }),
  fc.record({ kind: fc.constant('resp' as const), nA: bytes(32), status: fc.constant(0 as const), reason: fc.constant(0 as const), spiB: spi, ticketA: granted, macFR: bytes(32) }),
  fc.record({ kind: fc.constant('resp' as const), nA: bytes(32), status: fc.constant(1 as const), reason, spiB: fc.constant(0), ticketA: deniedTicket, macFR: fc.constant(empty) }),
  fc.record({ kind: fc.constant('resp' as const), nA: bytes(32), status: fc.constant(2 as const), reason: fc.constant(0 as const), spiB: fc.constant(0), ticketA: fc.constant(empty), macFR: fc.constant(empty) }),
  fc.record({ kind: fc.constant('fin' as const), nA: bytes(32), macFI: bytes(32) }),
  fc.record({ kind: fc.constant('enroll' as const), nE: bytes(32), idE: id, sealed: ticket(Z.MIN_ENROLL_SEALED_BYTES, Z.MAX_ENROLL_SEALED_BYTES) }),
  fc.record({ kind: fc.constant('enroll-result' as const), nE: bytes(32), status: fc.constant(0 as const), reason: fc.constant(0 as const), sealed: ticket(Z.MIN_ENROLL_SEALED_BYTES, Z.MAX_ENROLL_SEALED_BYTES) }),
  fc.record({ kind: fc.constant('enroll-result' as const), nE: bytes(32), status: fc.constant(1 as const), reason, sealed: fc.oneof(fc.constant(empty), ticket(Z.MIN_ENROLL_SEALED_BYTES, Z.MAX_ENROLL_SEALED_BYTES)) }),
);

function heldBytes(msg: P3Message): number {
  let n = 0;
  for (const v of Object.values(msg)) if (v instanceof Uint8Array) n += v.length;
  return n;
}

function decodeSafely(input: Uint8Array): P3Message | undefined {
  try {
    const msg = decodeP3(input);
    expect(heldBytes(msg)).toBeLessThanOrEqual(input.length);
    expect(Buffer.compare(encodeP3(msg), input)).toBe(0);
    return msg;
  } catch (err) {
    if (!(err instanceof PiaDecodeError)) throw err;
    return undefined;
  }
}

describe('decodeP3 under fuzzing', () => {
  it('random bytes give a message or a PiaDecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1300 }), (b) => void decodeSafely(b)), { numRuns: 3000 });
  });

  it('random bodies behind a valid header reach every body decoder safely', () => {
    fc.assert(
      fc.property(fc.integer({ min: 14, max: 24 }), fc.uint8Array({ maxLength: 1200 }), (type, body) => {
        decodeSafely(Uint8Array.from([1, type, ...body]));
      }),
      { numRuns: 4000 },
    );
  });

  it('every valid message round-trips (also from a Buffer, whose slice would be a view)', () => {
    fc.assert(
      fc.property(message, (msg) => {
        const encoded = encodeP3(msg);
        expect(encoded.length).toBeLessThanOrEqual(Z.MAX_P3_PAYLOAD_BYTES);
        expect(decodeP3(encoded)).toEqual(msg);
        const buf = Buffer.from(encoded);
        const decoded = decodeP3(buf);
        buf.fill(0);
        expect(decoded).toEqual(msg); // fields are copies, not views of the input
      }),
      { numRuns: 800 },
    );
  });

  it('valid messages with a changed byte, cut short or lengthened decode safely', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.uint8Array({ minLength: 1, maxLength: 8 }), (msg, at, xor, extra) => {
        const encoded = encodeP3(msg);
        const i = at % encoded.length;
        const changed = Uint8Array.from(encoded);
        changed[i] = (changed[i] ?? 0) ^ xor;
        const decoded = decodeSafely(changed);
        if (decoded !== undefined) expect(decoded).not.toEqual(msg);
        expect(decodeSafely(encoded.subarray(0, i))).toBeUndefined();
        expect(decodeSafely(Uint8Array.from([...encoded, ...extra]))).toBeUndefined();
      }),
      { numRuns: 1500 },
    );
  });
});
