import { describe, expect, it } from 'vitest';
import { PiaDecodeError } from '../errors.js';
import { INNER_DST_OFFSET, INNER_SRC_OFFSET, buildInnerPacket, checkInnerPacket, innerDstPort, innerSrcPort, parseInnerPacket, writeInnerPacket } from './inner-packet.js';
import { addressFromText, addressToText } from '../address.js';
import { hex, toHex } from './test-support/index.js';

/**
 * Computed independently (Python struct/socket, RFC 8200 §8.1 pseudo-header):
 * 2001:db8::1 port 49152 → 2001:db8::f1 port 5683, payload "PIA" (odd length), checksum 0x3bf7.
 */
const KNOWN = hex('60000000000b114020010db800000000000000000000000120010db80000000000000000000000f1c0001633000b3bf7504941');

const fields = {
  src: addressFromText('2001:db8::1'),
  dst: addressFromText('2001:db8::f1'),
  srcPort: 49152,
  dstPort: 5683,
  payload: Buffer.from('PIA'),
};

function mutate(packet: Uint8Array, at: number, value: number): Uint8Array {
  const copy = Uint8Array.from(packet);
  copy[at] = value;
  return copy;
}

describe('inner IPv6/UDP packet', () => {
  it('builds the known packet byte for byte (version 6, hop limit 64, next header 17, checksum)', () => {
    expect(toHex(buildInnerPacket(fields))).toBe(toHex(KNOWN));
  });

  it('parses it back into views of the input', () => {
    const p = parseInnerPacket(KNOWN);
    expect(addressToText(p.src)).toBe('2001:db8::1');
    expect(addressToText(p.dst)).toBe('2001:db8::f1');
    expect([p.srcPort, p.dstPort, p.hopLimit]).toEqual([49152, 5683, 64]);
    expect(Buffer.from(p.payload).toString()).toBe('PIA');
    expect(p.payload.buffer).toBe(KNOWN.buffer);
  });

  it('round-trips payloads of every small length (odd and even checksum tails) and an empty one', () => {
    for (let n = 0; n < 40; n++) {
      const payload = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const p = parseInnerPacket(buildInnerPacket({ ...fields, payload }));
      expect(toHex(p.payload)).toBe(toHex(payload));
    }
  });

  it('sends a computed checksum of 0 as 0xffff (RFC 768) and accepts it', () => {
    // Choose the source port so the one's-complement sum is 0xffff before complementing.
    const base = buildInnerPacket({ ...fields, srcPort: 0 });
    const checksumAtZeroPort = (base[46]! << 8) | base[47]!;
    const packet = buildInnerPacket({ ...fields, srcPort: checksumAtZeroPort });
    expect(toHex(packet.subarray(46, 48))).toBe('ffff');
    expect(parseInnerPacket(packet).srcPort).toBe(checksumAtZeroPort);
  });

  const refusals: [string, Uint8Array, RegExp][] = [
    ['truncated', KNOWN.subarray(0, 47), /truncated: 47 bytes/],
    ['IPv4 version', mutate(KNOWN, 0, 0x45), /IP version 4, expected 6/],
    ['payload length too long', mutate(KNOWN, 5, 0x0c), /payload length 12 disagrees/],
    ['trailing bytes', Uint8Array.of(...KNOWN, 0), /payload length 11 disagrees with the 12 bytes/],
    ['an extension header', mutate(KNOWN, 6, 0), /next header 0, expected 17/],
    ['UDP length', mutate(KNOWN, 45, 0x0a), /UDP length 10 disagrees/],
    ['zero checksum', mutate(mutate(KNOWN, 46, 0), 47, 0), /checksum 0/],
    ['a flipped payload bit', mutate(KNOWN, 50, KNOWN[50]! ^ 1), /checksum does not verify/],
    ['a changed source address', mutate(KNOWN, 23, 2), /checksum does not verify/],
  ];
  it.each(refusals)('refuses %s with PiaDecodeError', (_name, packet, message) => {
    expect(() => parseInnerPacket(packet)).toThrow(PiaDecodeError);
    expect(() => parseInnerPacket(packet)).toThrow(message);
  });

  it('refuses destination port 0 even with a correct checksum', () => {
    expect(() => parseInnerPacket(buildInnerPacket({ ...fields, dstPort: 0 }))).toThrow(/destination port 0/);
  });

  it('refuses to build what it cannot express', () => {
    expect(() => buildInnerPacket({ ...fields, src: new Uint8Array(4) })).toThrow(/addresses must be 16 bytes/);
    expect(() => buildInnerPacket({ ...fields, dstPort: 70000 })).toThrow(/port 70000/);
    expect(() => buildInnerPacket({ ...fields, payload: new Uint8Array(65528) })).toThrow(/exceeds 65527/);
  });
});

describe('inner packet in place (the per-packet path)', () => {
  it('writes the known packet at an offset of a larger buffer and checks it there', () => {
    const out = new Uint8Array(200).fill(0xcc);
    const length = writeInnerPacket(out, 16, fields.src, fields.dst, fields.srcPort, fields.dstPort, fields.payload);
    expect(length).toBe(KNOWN.length);
    expect(toHex(out.subarray(16, 16 + length))).toBe(toHex(KNOWN));
    expect(out[15]).toBe(0xcc);
    expect(out[16 + length]).toBe(0xcc);
    checkInnerPacket(out, 16, length);
    expect([innerSrcPort(out, 16), innerDstPort(out, 16)]).toEqual([49152, 5683]);
    expect(addressToText(out.subarray(16 + INNER_SRC_OFFSET, 16 + INNER_SRC_OFFSET + 16))).toBe('2001:db8::1');
    expect(addressToText(out.subarray(16 + INNER_DST_OFFSET, 16 + INNER_DST_OFFSET + 16))).toBe('2001:db8::f1');
  });

  it('checks only the bytes it is given: a bad checksum or length at the offset is refused', () => {
    const out = new Uint8Array(100);
    const length = writeInnerPacket(out, 4, fields.src, fields.dst, fields.srcPort, fields.dstPort, fields.payload);
    out[4 + 48]! ^= 1;
    expect(() => checkInnerPacket(out, 4, length)).toThrow(/UDP checksum does not verify/);
    out[4 + 48]! ^= 1;
    expect(() => checkInnerPacket(out, 4, length + 1)).toThrow(/IPv6 payload length 11 disagrees with the 12 bytes/);
    expect(() => checkInnerPacket(out, 4, length)).not.toThrow();
  });

  it('the same bytes at every alignment and length (4-aligned packets are summed 32 bits at a time)', () => {
    const memory = new Uint8Array(1400);
    let seed = 7;
    for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 63, 64, 65, 1199, 1200, 1201, 1202]) {
      const payload = Uint8Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
      const reference = buildInnerPacket({ ...fields, payload });
      for (let at = 0; at < 8; at++) {
        const length = writeInnerPacket(memory, at, fields.src, fields.dst, fields.srcPort, fields.dstPort, payload);
        expect(toHex(memory.subarray(at, at + length)), `${n} bytes at ${at}`).toBe(toHex(reference));
        checkInnerPacket(memory, at, length);
        memory[at + length - 1]! ^= 0x40; // any changed byte fails, aligned or not
        expect(() => checkInnerPacket(memory, at, length), `${n} bytes at ${at}, last byte changed`).toThrow(/does not verify/);
      }
    }
  });

  it('refuses a buffer without room before writing anything', () => {
    const out = new Uint8Array(40).fill(0xcc);
    expect(() => writeInnerPacket(out, 0, fields.src, fields.dst, 1, 2, fields.payload)).toThrow(/40 bytes of room for a 51-byte packet/);
    expect(out.every((b) => b === 0xcc)).toBe(true);
  });
});
