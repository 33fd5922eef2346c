/**
 * Fuzzing the decoders (fast-check): random and mutated input never makes them throw anything
 * but PiaDecodeError, and what they return never exceeds the input (views into it, or a
 * plaintext no longer than the ciphertext): nothing is sized from a length field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PiaDecodeError } from '../errors.js';
import { allAeads } from './aead-select.js';
import { EspNextHeader, openEsp, parseEspHeader, sealEsp } from './esp-packet.js';
import { buildInnerPacket, parseInnerPacket } from './inner-packet.js';
import { ReplayWindow, inferEsn } from './replay-window.js';
import { concat, hex, toHex } from './test-support/index.js';

const key = new Uint8Array(32).fill(0x3c);
const salt = Uint8Array.of(1, 2, 3, 4);
const SPI = 0x0badf00d;

/** Runs `decode`; a PiaDecodeError counts as a refusal, any other throw fails the property. */
function decodeOrRefuse<T>(decode: () => T): T | 'refused' {
  try {
    return decode();
  } catch (e) {
    if (e instanceof PiaDecodeError) return 'refused';
    throw e;
  }
}

const bytes = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max });

describe('parseEspHeader on random bytes', () => {
  it('returns views inside the datagram or throws PiaDecodeError', () => {
    fc.assert(
      fc.property(bytes(200), (datagram) => {
        const h = decodeOrRefuse(() => parseEspHeader(datagram));
        if (h === 'refused') return;
        expect(h.iv.buffer).toBe(datagram.buffer);
        expect(h.body.buffer).toBe(datagram.buffer);
        expect(16 + h.body.length).toBe(datagram.length);
      }),
      { numRuns: 2000 },
    );
  });
});

describe.each(allAeads().map((a) => [a.name, a] as const))('openEsp with a real key, %s', (_name, aead) => {
  const open = (datagram: Uint8Array, window: ReplayWindow): Uint8Array | undefined | 'refused' =>
    decodeOrRefuse(() => {
      const header = parseEspHeader(datagram);
      const seq = inferEsn(header.seqLow, window);
      if (window.check(seq) !== 'ok') return undefined;
      return openEsp({ header, seq, key, salt, aead })?.payload;
    });

  it('on random datagrams: ICV failure (undefined) or PiaDecodeError', () => {
    fc.assert(
      fc.property(bytes(120), fc.integer({ min: 0, max: 2 ** 40 }), (datagram, top) => {
        const window = new ReplayWindow();
        if (top > 0) window.accept(top);
        const result = open(datagram, window);
        expect(result === undefined || result === 'refused').toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('on mutated valid datagrams: ICV failure or PiaDecodeError, never a payload', () => {
    fc.assert(
      fc.property(bytes(64), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (payload, edits) => {
        const original = sealEsp({ spi: SPI, seq: 1, key, salt, aead, nextHeader: EspNextHeader.Ipv6, payload });
        const datagram = Uint8Array.from(original);
        for (const [at, x] of edits) datagram[at % datagram.length]! ^= x;
        const result = open(datagram, new ReplayWindow());
        // Every byte is authenticated (SPI and sequence number via the AAD, IV via the nonce).
        if (Buffer.compare(datagram, original) === 0) expect(result instanceof Uint8Array && toHex(result)).toBe(toHex(payload)); // edits cancelled out
        else expect(result === undefined || result === 'refused').toBe(true);
      }),
      { numRuns: 500, examples: [[Uint8Array.of(1, 2, 3), [[5, 7], [5, 7]]]] }, // edits that cancel out
    );
  });

  it('on authenticated random plaintexts (trailer fuzzing): a payload no longer than the datagram, or PiaDecodeError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), bytes(160), (words, seed) => {
        const plain = Uint8Array.from({ length: words * 4 }, (_, i) => seed[i % Math.max(1, seed.length)] ?? 0);
        const head = hex('0badf00d' + '00000001' + '0000000000000001');
        const datagram = concat(head, aead.seal(key, concat(salt, head.subarray(8)), hex('0badf00d0000000000000001'), plain));
        const result = open(datagram, new ReplayWindow());
        expect(result).not.toBeUndefined(); // the ICV verified
        if (result instanceof Uint8Array) expect(result.length).toBeLessThanOrEqual(plain.length - 2);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseInnerPacket', () => {
  it('on random bytes: views into the input or PiaDecodeError', () => {
    fc.assert(
      fc.property(bytes(120), (packet) => {
        const p = decodeOrRefuse(() => parseInnerPacket(packet));
        if (p === 'refused') return;
        expect(p.payload.buffer).toBe(packet.buffer);
        expect(p.src.buffer).toBe(packet.buffer);
      }),
      { numRuns: 2000 },
    );
  });

  it('on mutated valid packets: accepted only when the mutation left it valid, else PiaDecodeError', () => {
    fc.assert(
      fc.property(bytes(100), fc.nat(), fc.integer({ min: 1, max: 255 }), (payload, at, x) => {
        const packet = buildInnerPacket({ src: new Uint8Array(16).fill(1), dst: new Uint8Array(16).fill(2), srcPort: 5683, dstPort: 5683, payload });
        const i = at % packet.length;
        packet[i]! ^= x;
        const p = decodeOrRefuse(() => parseInnerPacket(packet));
        // Traffic class and flow label (low nibble of byte 0, bytes 1..3) and the hop limit
        // (byte 7) are not covered by the UDP checksum; every other change must be refused.
        const uncovered = (i === 0 && (x & 0xf0) === 0) || [1, 2, 3, 7].includes(i);
        expect(p !== 'refused').toBe(uncovered);
      }),
      { numRuns: 2000 },
    );
  });
});
