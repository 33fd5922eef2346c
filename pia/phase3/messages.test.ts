/**
 * The §9.2 layouts byte by byte, the checks that make a payload malformed, and the size rule:
 * the largest message of every type plus ESP/UDP overhead (§3: at most 93 bytes) and an outer
 * IPv6 header (40) stays under 1280 bytes.
 */
import { describe, it, expect } from 'vitest';
import { PiaDecodeError } from '../errors.js';
import { decodeP3, encodeP3, peekP3Type } from './messages.js';
import * as Z from './sizes.js';

const b = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);
const id = (v: number): Uint8Array => b(16, v);

describe('layouts', () => {
  it('P3_REQ is version | type 16 | N_A | ID_A | ID_B* | SPI_A\' | MAC_A (102 bytes)', () => {
    const bytes = encodeP3({ kind: 'req', nA: b(32, 1), idA: id(2), idBStar: id(0), spiA: 0x01020304, macA: b(32, 5) });
    expect(Buffer.from(bytes).toString('hex')).toBe(`0110${'01'.repeat(32)}${'02'.repeat(16)}${'00'.repeat(16)}01020304${'05'.repeat(32)}`);
    expect(peekP3Type(bytes)).toBe(16);
  });

  it('P3_RESP granted carries SPI_B\', the ticket with its length and MAC_FR; denied has neither SPI nor MAC', () => {
    const ticket = b(Z.MIN_GRANTED_TICKET_BYTES, 9);
    const granted = encodeP3({ kind: 'resp', nA: b(32, 1), status: 0, reason: 0, spiB: 0x1000, ticketA: ticket, macFR: b(32, 7) });
    expect(Buffer.from(granted.subarray(0, 42)).toString('hex')).toBe(`0113${'01'.repeat(32)}0000000010000053`);
    expect(granted.length).toBe(42 + ticket.length + 32);
    const denied = encodeP3({ kind: 'resp', nA: b(32, 1), status: 1, reason: 5, spiB: 0, ticketA: new Uint8Array(0), macFR: new Uint8Array(0) });
    expect(Buffer.from(denied).toString('hex')).toBe(`0113${'01'.repeat(32)}0105000000000000`);
  });

  it('P3_VERDICT, P3_FIN, ENROLL, ENROLL_RESULT', () => {
    const v = encodeP3({ kind: 'verdict', nB: b(32, 3), t: b(32, 4), status: 1, reason: 7, ticketA: new Uint8Array(0), ticketB: new Uint8Array(0) });
    expect(Buffer.from(v).toString('hex')).toBe(`0112${'03'.repeat(32)}${'04'.repeat(32)}010700000000`);
    expect(encodeP3({ kind: 'fin', nA: b(32, 1), macFI: b(32, 2) })).toHaveLength(66);
    const e = encodeP3({ kind: 'enroll', nE: b(32, 1), idE: id(3), sealed: b(30, 8) });
    expect(Buffer.from(e.subarray(0, 52)).toString('hex')).toBe(`0115${'01'.repeat(32)}${'03'.repeat(16)}001e`);
    const r = encodeP3({ kind: 'enroll-result', nE: b(32, 1), status: 1, reason: 10, sealed: new Uint8Array(0) });
    expect(Buffer.from(r).toString('hex')).toBe(`0116${'01'.repeat(32)}010a0000`);
  });
});

describe('malformed payloads are PiaDecodeErrors naming the problem', () => {
  const req = encodeP3({ kind: 'req', nA: b(32, 1), idA: id(2), idBStar: id(0), spiA: 0x1000, macA: b(32, 5) });
  const bad = (bytes: Uint8Array, pattern: RegExp): void => {
    expect(() => decodeP3(bytes)).toThrow(PiaDecodeError);
    expect(() => decodeP3(bytes)).toThrow(pattern);
  };
  it('version, type, exact length', () => {
    bad(Uint8Array.from([2, ...req.subarray(1)]), /version 2/);
    bad(Uint8Array.from([1, 23, ...req.subarray(2)]), /unknown type 23/);
    bad(req.subarray(0, 101), /exactly 102/);
    bad(Uint8Array.from([...req, 0]), /exactly 102/);
  });
  it('an all-zero ID_A, an SPI below 256, a reason with "granted", "pending" from S, a short ticket', () => {
    bad(encodeP3Raw(req, 34, id(0)), /ID_A is all zero/);
    bad(encodeP3Raw(req, 66, Uint8Array.of(0, 0, 0, 255)), /SPI_A' 255/);
    const verdict = encodeP3({ kind: 'verdict', nB: b(32, 3), t: b(32, 4), status: 1, reason: 7, ticketA: new Uint8Array(0), ticketB: new Uint8Array(0) });
    bad(encodeP3Raw(verdict, 66, Uint8Array.of(0, 7)), /reason 7 with status 0/);
    bad(encodeP3Raw(verdict, 66, Uint8Array.of(2, 0)), /status 2 is not allowed/);
    bad(encodeP3Raw(verdict, 66, Uint8Array.of(1, 11)), /reasons are 1–10/);
    bad(Uint8Array.from([...verdict.subarray(0, 68), 0, 5, 1, 2, 3, 4, 5, 0, 0]), /ticket_A of 5 bytes/);
  });
  it('the encoder refuses what the decoder refuses (RangeError)', () => {
    expect(() => encodeP3({ kind: 'req', nA: b(31, 1), idA: id(2), idBStar: id(0), spiA: 0x1000, macA: b(32, 5) })).toThrow(RangeError);
    expect(() => encodeP3({ kind: 'resp', nA: b(32, 1), status: 0, reason: 0, spiB: 0, ticketA: b(90, 1), macFR: b(32, 1) })).toThrow(/SPI_B'/);
  });
});

describe('sizes (§9.2, §3)', () => {
  it('the largest P3_VERDICT, P3_RESP, ENROLL and ENROLL_RESULT + 93 bytes of ESP/UDP + 40 of IPv6 < 1280', () => {
    const big = Z.MAX_TICKET_BYTES;
    const largest = [
      encodeP3({ kind: 'verdict', nB: b(32, 1), t: b(32, 1), status: 0, reason: 0, ticketA: b(big, 1), ticketB: b(big, 2) }),
      encodeP3({ kind: 'resp', nA: b(32, 1), status: 0, reason: 0, spiB: 0x1000, ticketA: b(big, 1), macFR: b(32, 1) }),
      encodeP3({ kind: 'enroll', nE: b(32, 1), idE: id(1), sealed: b(Z.MAX_ENROLL_SEALED_BYTES, 1) }),
      encodeP3({ kind: 'enroll-result', nE: b(32, 1), status: 0, reason: 0, sealed: b(Z.MAX_ENROLL_SEALED_BYTES, 1) }),
      encodeP3({ kind: 'vouch', t: b(32, 1), nA: b(32, 1), idA: id(1), idBStar: id(0), macA: b(32, 1), nB: b(32, 1), idB: id(2), macB: b(32, 1) }),
    ];
    expect(largest.map((m) => m.length)).toEqual([1134, 605, 592, 578, 210]);
    for (const m of largest) expect(m.length + Z.ESP_OVERHEAD_MAX + Z.OUTER_IPV6_BYTES).toBeLessThan(1280);
    // one byte more in a ticket is refused by the codec
    expect(() => encodeP3({ kind: 'resp', nA: b(32, 1), status: 0, reason: 0, spiB: 0x1000, ticketA: b(big + 1, 1), macFR: b(32, 1) })).toThrow(RangeError);
  });

  it('the caps behind those sizes: a granted ticket is 83 + JSON (≤ 448) bytes, a denial 29 + text (≤ 200)', () => {
    expect([Z.MIN_GRANTED_TICKET_BYTES, Z.MAX_TICKET_BYTES, Z.MIN_DENIED_TICKET_BYTES, Z.MAX_DENIED_TICKET_BYTES]).toEqual([83, 531, 29, 229]);
  });
});

function encodeP3Raw(bytes: Uint8Array, at: number, patch: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  out.set(patch, at);
  return out;
}
