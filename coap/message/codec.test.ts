import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PIA_DISCOVERY_OPTION, decodeDiscoveryOption, encodeDiscoveryOption } from '../../pia/discovery/index.js';
import { decodeMessage, encodeMessage } from './codec.js';
import { CoapCode } from './codes.js';
import { CoapDecodeError } from './errors.js';
import type { CoapMessage } from './message.js';
import { stringOption, uintOption, uriPath } from './options.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Hand-encoded per RFC 7252 §3 (header, token, option delta/length nibbles, payload marker). */
const VECTORS: { name: string; bytes: string; message: CoapMessage }[] = [
  {
    name: 'CON GET /temp, token 0102, MID 0x1234',
    bytes: '42 01 1234 0102 b4 74656d70',
    message: { type: 'CON', code: CoapCode.GET, messageId: 0x1234, token: hex('0102'), options: [stringOption(11, 'temp')], payload: new Uint8Array(0) },
  },
  {
    name: 'ACK 2.05, Content-Format 50, payload "22.5"',
    bytes: '60 45 0001 c1 32 ff 32322e35',
    message: { type: 'ACK', code: CoapCode.Content, messageId: 1, token: new Uint8Array(0), options: [uintOption(12, 50)], payload: text('22.5') },
  },
  {
    name: 'NON GET with Uri-Path "a" and the PIA option 65000 (delta 64989: 14-bit extended, 64989 − 269 = 0xFCD0)',
    bytes: '51 01 0002 07 b1 61 e4 fcd0 01011194',
    message: { type: 'NON', code: CoapCode.GET, messageId: 2, token: hex('07'), options: [stringOption(11, 'a'), { number: 65000, value: hex('01011194') }], payload: new Uint8Array(0) },
  },
  { name: 'RST (Empty), MID 0xbeef', bytes: '70 00 beef', message: { type: 'RST', code: 0, messageId: 0xbeef, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) } },
  {
    name: 'Block2 (23 = delta 13 + ext 10) after Observe (6)',
    bytes: '40 45 0003 61 05 d1 04 26',
    message: { type: 'CON', code: CoapCode.Content, messageId: 3, token: new Uint8Array(0), options: [uintOption(6, 5), { number: 23, value: hex('26') }], payload: new Uint8Array(0) },
  },
];

describe('CoAP codec over coap-packet (RFC 7252 §3)', () => {
  for (const v of VECTORS) {
    it(`encodes and decodes: ${v.name}`, () => {
      expect(Buffer.from(encodeMessage(v.message)).toString('hex')).toBe(v.bytes.replace(/\s/g, ''));
      const m = decodeMessage(hex(v.bytes));
      expect(m).toEqual(v.message);
    });
  }

  it('passes the PIA discovery option through opaque; pia/discovery decodes the value', () => {
    const value = encodeDiscoveryOption({ canInitiate: true, latched: false, port: 4500 });
    const bytes = encodeMessage({ type: 'CON', code: CoapCode.GET, messageId: 9, token: hex('aa'), options: [stringOption(11, 'x'), { number: PIA_DISCOVERY_OPTION, value }], payload: new Uint8Array(0) });
    const m = decodeMessage(bytes);
    expect(m.options.map((o) => o.number)).toEqual([11, 65000]);
    expect(decodeDiscoveryOption(m.options[1]!.value)).toEqual({ canInitiate: true, latched: false, port: 4500 });
    expect(uriPath(m.options)).toEqual(['x']);
  });

  it.each([
    ['empty datagram', '', /needs 4/],
    ['3 bytes', '400100', /needs 4/],
    ['version 2', '80010001', /version 2/],
    ['token length 9 (RFC 7252 §3: 9–15 reserved)', '490100010102030405060708 09', /token length 9/],
    ['reserved class 1 (code 1.00)', '40200001', /reserved class/],
    ['reserved class 7', '40e00001', /reserved class/],
    ['payload marker with no payload', '40450001ff', /payload marker/],
    ['option value running past the end (Uri-Path of 4 bytes, 2 present)', '40010001b47465', /past the end/],
    ['option delta nibble 15 without the marker', '40010001f1', /delta|option/i],
    ['option length nibble 15', '400100011f', /length/i],
    ['truncated extended delta', '40010001d0', /./],
    ['Empty message with a token', '41000001aa', /./],
    ['option number beyond 65535 (two 14-bit deltas)', '40010001e0ffff e0ffff', /65535/],
  ])('refuses %s with CoapDecodeError only', (_name, bytes, problem) => {
    let caught: unknown;
    try {
      decodeMessage(hex(bytes));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CoapDecodeError);
    expect((caught as CoapDecodeError).problem).toMatch(problem);
  });

  it('keeps the header of a malformed Confirmable message so it can be Reset (RFC 7252 §4.2)', () => {
    try {
      decodeMessage(hex('40451234ff'));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CoapDecodeError);
      expect((e as CoapDecodeError).header).toEqual({ type: 'CON', messageId: 0x1234 });
    }
  });

  it('refuses to encode what must never be sent', () => {
    const base: CoapMessage = { type: 'CON', code: CoapCode.GET, messageId: 1, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) };
    expect(() => encodeMessage({ ...base, token: new Uint8Array(9) })).toThrow(RangeError);
    expect(() => encodeMessage({ ...base, messageId: 0x10000 })).toThrow(RangeError);
    expect(() => encodeMessage({ ...base, code: 0x20 })).toThrow(RangeError);
    expect(() => encodeMessage({ ...base, code: 0, payload: text('x') })).toThrow(RangeError);
    expect(() => encodeMessage({ ...base, options: [{ number: 70000, value: new Uint8Array(0) }] })).toThrow(RangeError);
  });
});

const codeArb = fc.oneof(fc.integer({ min: 1, max: 31 }), fc.integer({ min: 0x40, max: 0xbf }));
const messageArb: fc.Arbitrary<CoapMessage> = fc
  .record({
    type: fc.constantFrom('CON' as const, 'NON' as const, 'ACK' as const, 'RST' as const),
    code: codeArb,
    messageId: fc.integer({ min: 0, max: 0xffff }),
    token: fc.uint8Array({ maxLength: 8 }),
    options: fc.array(fc.record({ number: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 0xffff })), value: fc.uint8Array({ maxLength: 300 }) }), { maxLength: 6 }),
    payload: fc.uint8Array({ maxLength: 400 }),
  })
  .map((m) => ({ ...m, options: [...m.options].sort((a, b) => a.number - b.number) }));

describe('CoAP codec properties (fast-check)', () => {
  it('decode(encode(m)) = m for every well-formed message', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const back = decodeMessage(encodeMessage(m));
        expect(back.type).toBe(m.type);
        expect(back.code).toBe(m.code);
        expect(back.messageId).toBe(m.messageId);
        expect([...back.token]).toEqual([...m.token]);
        expect(back.options.map((o) => [o.number, [...o.value]])).toEqual(m.options.map((o) => [o.number, [...o.value]]));
        expect([...back.payload]).toEqual([...m.payload]);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but CoapDecodeError on arbitrary bytes with a version-1 header', () => {
    const datagram = fc.tuple(fc.integer({ min: 0x40, max: 0x7f }), fc.uint8Array({ maxLength: 80 })).map(([b0, rest]) => Uint8Array.of(b0, ...rest));
    fc.assert(fc.property(fc.oneof(datagram, fc.uint8Array({ maxLength: 40 })), (bytes) => decodesOrRefuses(bytes)), { numRuns: 10_000 });
  });

  it('never throws anything but CoapDecodeError on mutated well-formed messages (flips, cuts, appends)', () => {
    const mutated = fc
      .tuple(messageArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), fc.uint8Array({ maxLength: 4 }))
      .map(([m, flips, cut, tail]) => {
        const bytes = Uint8Array.from(encodeMessage(m));
        for (const [at, v] of flips) bytes[at % bytes.length] = v;
        return Uint8Array.of(...bytes.subarray(0, Math.max(0, bytes.length - (cut % 6))), ...tail);
      });
    fc.assert(fc.property(mutated, (bytes) => decodesOrRefuses(bytes)), { numRuns: 10_000 });
  });

  it('a decoded message re-encodes to the same bytes (one encoding per message)', () => {
    fc.assert(
      fc.property(fc.tuple(fc.integer({ min: 0x40, max: 0x48 }), fc.uint8Array({ maxLength: 60 })), ([b0, rest]) => {
        const bytes = Uint8Array.of(b0, ...rest);
        try {
          const m = decodeMessage(bytes);
          expect(Buffer.from(encodeMessage(m)).equals(Buffer.from(bytes))).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(CoapDecodeError);
        }
      }),
      { numRuns: 10_000 },
    );
  });
});

function decodesOrRefuses(bytes: Uint8Array): void {
  try {
    decodeMessage(bytes);
  } catch (e) {
    if (!(e instanceof CoapDecodeError)) throw new Error(`decodeMessage(${Buffer.from(bytes).toString('hex')}) threw ${String(e)}`);
  }
}

