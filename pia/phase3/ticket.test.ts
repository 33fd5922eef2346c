/** The ticket plaintext codec (§9.3, §9.6): layout, caps, and only PiaDecodeError out. */
import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { PiaDecodeError } from '../errors.js';
import { decodeDeniedTicket, decodeGrantedTicket, encodeDeniedTicket, encodeGrantedTicket, truncateUtf8 } from './ticket.js';

const ticket = { kAB: new Uint8Array(32).fill(1), peerId: new Uint8Array(16).fill(2), peerKind: 'station' as const, lifetimeS: 300, label: 'line-3', grants: [{ id: 'g', devices: '*', rights: ['read'], validS: 300 }] };

describe('granted tickets', () => {
  it('round-trip with the kind byte 3 for a station and the lifetime big-endian', () => {
    const p = encodeGrantedTicket(ticket);
    expect([p[48], p[49], p[50], p[51], p[52]]).toEqual([3, 0, 0, 1, 44]);
    const back = decodeGrantedTicket(p);
    expect({ ...back, kAB: Array.from(back.kAB) }).toEqual({ kind: 'granted', ...ticket, kAB: Array.from(ticket.kAB) });
    expect(String(back.kAB)).toContain('redacted');
  });

  it('refuses a lifetime over 600 s, a grant valid longer than the ticket, over 16 grants, a zero peer', () => {
    expect(() => encodeGrantedTicket({ ...ticket, lifetimeS: 601 })).toThrow(/lifetime 601/);
    expect(() => encodeGrantedTicket({ ...ticket, grants: [{ ...ticket.grants[0]!, validS: 301 }] })).toThrow(/validS must be an integer 0–300/);
    expect(() => encodeGrantedTicket({ ...ticket, grants: Array.from({ length: 17 }, (_, i) => ({ id: `${i}`, devices: '', rights: [], validS: 1 })) })).toThrow(RangeError); // (17 grants never fit 448 bytes anyway)
    expect(() => encodeGrantedTicket({ ...ticket, peerId: new Uint8Array(16) })).toThrow(/peer ID is all zero/);
    expect(() => encodeGrantedTicket({ ...ticket, label: 'x'.repeat(450) })).toThrow(/bytes of JSON, at most 448/);
  });

  it('anything else decodes to a ticket or a PiaDecodeError', () => {
    const base = encodeGrantedTicket(ticket);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (random, at, xor) => {
        const changed = Uint8Array.from(base);
        changed[at % changed.length]! ^= xor;
        for (const input of [random, changed]) {
          try {
            decodeGrantedTicket(input);
            decodeDeniedTicket(input);
          } catch (err) {
            if (!(err instanceof PiaDecodeError)) throw err;
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('denied tickets', () => {
  it('carry the reason and up to 200 bytes of UTF-8 text, cut on a character boundary', () => {
    expect(decodeDeniedTicket(encodeDeniedTicket(5, 'no grant'))).toEqual({ kind: 'denied', reason: 5, text: 'no grant' });
    const long = encodeDeniedTicket(2, 'é'.repeat(150));
    expect(long.length).toBe(201);
    expect(decodeDeniedTicket(long).text).toBe('é'.repeat(100));
    expect(truncateUtf8('aé', 2)).toEqual(Uint8Array.of(0x61));
    expect(() => decodeDeniedTicket(Uint8Array.of(0))).toThrow(PiaDecodeError);
    expect(() => decodeDeniedTicket(Uint8Array.of(3, 0xff))).toThrow(/UTF-8/);
  });
});
