/**
 * The inner packet ESP carries with next header 41 (docs/protocol.md §6, tunnel mode):
 *
 *   IPv6 header (RFC 8200 §3, 40 bytes): version 6 | traffic class 0 | flow label 0 |
 *     payload length | next header 17 (UDP) | hop limit 64 | source (16) | destination (16)
 *   UDP header (RFC 768, 8 bytes): source port | destination port | length | checksum
 *   payload
 *
 * The UDP checksum covers the IPv6 pseudo-header (source, destination, upper-layer length
 * (32 bits), three zero bytes, next header 17; RFC 8200 §8.1) plus the UDP header and payload.
 * A computed 0 is sent as 0xffff (RFC 768), and a received checksum of 0 is invalid in IPv6
 * (RFC 8200 §8.1). Parsing refuses anything PIA never sends: another version, extension headers
 * or a next header other than UDP, lengths that disagree with the datagram, a bad checksum, a
 * destination port of 0. Everything returned by `parseInnerPacket` is a view into the input.
 *
 * The per-packet path writes and checks the packet in place inside the ESP buffer
 * (writeInnerPacket, checkInnerPacket and the field readers): no allocation per packet.
 */
import { PiaDecodeError } from '../errors.js';
import { IPV6_ADDRESS_LENGTH } from '../address.js';

export const IPV6_HEADER_LENGTH = 40;
export const UDP_HEADER_LENGTH = 8;
export const INNER_OVERHEAD = IPV6_HEADER_LENGTH + UDP_HEADER_LENGTH;
export const IPPROTO_UDP = 17;
export const INNER_HOP_LIMIT = 64;
/** The IPv6 payload length field is 16 bits (no jumbograms). */
export const MAX_INNER_PAYLOAD = 0xffff - UDP_HEADER_LENGTH;

export interface InnerPacket {
  /** 16 bytes; IPv4 peers as IPv4-mapped addresses. */
  readonly src: Buffer;
  readonly dst: Buffer;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly hopLimit: number;
  readonly payload: Uint8Array;
}

export interface InnerPacketFields {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
}

const WHAT = 'inner IPv6/UDP packet';

export function buildInnerPacket(fields: InnerPacketFields): Uint8Array {
  const packet = new Uint8Array(INNER_OVERHEAD + fields.payload.length);
  writeInnerPacket(packet, 0, fields.src, fields.dst, fields.srcPort, fields.dstPort, fields.payload);
  return packet;
}

/**
 * buildInnerPacket into `out` from byte `at` (the per-packet path: the node writes it where
 * the ESP payload goes, docs/protocol.md §6), checksum included; returns its length. `out`
 * must have INNER_OVERHEAD + payload.length bytes from `at`. Throws a RangeError for bad
 * addresses, ports or length before writing anything.
 */
export function writeInnerPacket(out: Uint8Array, at: number, src: Uint8Array, dst: Uint8Array, srcPort: number, dstPort: number, payload: Uint8Array): number {
  if (src.length !== IPV6_ADDRESS_LENGTH || dst.length !== IPV6_ADDRESS_LENGTH) {
    throw new RangeError(`${WHAT}: addresses must be 16 bytes (got ${src.length} and ${dst.length}); convert text with addressFromText()`);
  }
  checkPort(srcPort);
  checkPort(dstPort);
  if (payload.length > MAX_INNER_PAYLOAD) {
    throw new RangeError(`${WHAT}: payload of ${payload.length} bytes exceeds ${MAX_INNER_PAYLOAD}; split it (CoAP Block2)`);
  }
  const udpLength = UDP_HEADER_LENGTH + payload.length;
  if (out.length - at < IPV6_HEADER_LENGTH + udpLength) throw new RangeError(`${WHAT}: ${out.length - at} bytes of room for a ${IPV6_HEADER_LENGTH + udpLength}-byte packet`);
  out[at] = 0x60; // version 6, traffic class 0, flow label 0
  out[at + 1] = 0;
  out[at + 2] = 0;
  out[at + 3] = 0;
  write16(out, at + 4, udpLength);
  out[at + 6] = IPPROTO_UDP;
  out[at + 7] = INNER_HOP_LIMIT;
  out.set(src, at + 8);
  out.set(dst, at + 24);
  write16(out, at + 40, srcPort);
  write16(out, at + 42, dstPort);
  write16(out, at + 44, udpLength);
  write16(out, at + 46, 0);
  out.set(payload, at + INNER_OVERHEAD);
  const sum = onesComplementSum(out, at, udpLength);
  write16(out, at + 46, sum === 0xffff ? 0xffff : ~sum & 0xffff);
  return IPV6_HEADER_LENGTH + udpLength;
}

export function parseInnerPacket(packet: Uint8Array): InnerPacket {
  checkInnerPacket(packet, 0, packet.length);
  const at = packet.byteOffset;
  return {
    src: Buffer.from(packet.buffer, at + 8, IPV6_ADDRESS_LENGTH),
    dst: Buffer.from(packet.buffer, at + 24, IPV6_ADDRESS_LENGTH),
    srcPort: innerSrcPort(packet, 0),
    dstPort: innerDstPort(packet, 0),
    hopLimit: packet[7]!,
    payload: packet.subarray(INNER_OVERHEAD),
  };
}

/**
 * parseInnerPacket's checks on the `length` bytes from `at`, without allocating (the
 * per-packet path): throws PiaDecodeError. The fields are then read in place: addresses at
 * `at + INNER_SRC_OFFSET` / `at + INNER_DST_OFFSET` (16 bytes each), innerSrcPort,
 * innerDstPort, the payload from `at + INNER_OVERHEAD`.
 */
export function checkInnerPacket(packet: Uint8Array, at: number, length: number): void {
  if (length < INNER_OVERHEAD) {
    throw new PiaDecodeError(WHAT, `truncated: ${length} bytes, need at least ${INNER_OVERHEAD} (IPv6 40 + UDP 8)`);
  }
  const version = packet[at]! >> 4;
  if (version !== 6) throw new PiaDecodeError(WHAT, `IP version ${version}, expected 6`);
  const payloadLength = read16(packet, at + 4);
  if (payloadLength !== length - IPV6_HEADER_LENGTH) {
    throw new PiaDecodeError(WHAT, `IPv6 payload length ${payloadLength} disagrees with the ${length - IPV6_HEADER_LENGTH} bytes after the header`);
  }
  const nextHeader = packet[at + 6]!;
  if (nextHeader !== IPPROTO_UDP) throw new PiaDecodeError(WHAT, `next header ${nextHeader}, expected 17 (UDP, no extension headers)`);
  const udpLength = read16(packet, at + 44);
  if (udpLength !== payloadLength) throw new PiaDecodeError(WHAT, `UDP length ${udpLength} disagrees with IPv6 payload length ${payloadLength}`);
  if (read16(packet, at + 46) === 0) throw new PiaDecodeError(WHAT, 'UDP checksum 0 (no checksum) is not allowed over IPv6 (RFC 8200 §8.1)');
  if (onesComplementSum(packet, at, udpLength) !== 0xffff) throw new PiaDecodeError(WHAT, 'UDP checksum does not verify');
  if (innerDstPort(packet, at) === 0) throw new PiaDecodeError(WHAT, 'UDP destination port 0');
}

export const INNER_SRC_OFFSET = 8;
export const INNER_DST_OFFSET = 24;

export function innerSrcPort(packet: Uint8Array, at: number): number {
  return read16(packet, at + 40);
}

export function innerDstPort(packet: Uint8Array, at: number): number {
  return read16(packet, at + 42);
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError(`${WHAT}: port ${port} is not in 0..65535`);
}

function read16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function write16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 8;
  bytes[at + 1] = value & 0xff;
}

/**
 * One's-complement sum (RFC 1071) of the IPv6 pseudo-header and the UDP segment of the packet
 * at `at` (its checksum field included as it stands). A correct checksum sums to 0xffff.
 * Where the packet starts 4-aligned in its memory (the node's buffers), 32 bits are read at a
 * time; else byte pairs. Both give the same sum (RFC 1071 §2: the sum is independent of byte
 * order and may be taken over wider words, then folded and swapped back).
 */
function onesComplementSum(packet: Uint8Array, at: number, udpLength: number): number {
  const base = packet.byteOffset + at;
  const sum = LITTLE_ENDIAN && (base & 3) === 0 ? wordSum(packet, base, udpLength) : byteSum(packet, at, udpLength);
  return fold(sum + udpLength + IPPROTO_UDP); // pseudo-header: 32-bit length (fits 16 bits here), zeros, next header
}

/** Source, destination and the UDP segment, byte pairs in network order. */
function byteSum(packet: Uint8Array, at: number, udpLength: number): number {
  let sum = 0;
  for (let i = at + 8; i < at + 40; i += 2) sum += (packet[i]! << 8) | packet[i + 1]!; // source and destination
  const end = at + IPV6_HEADER_LENGTH + udpLength;
  let i = at + IPV6_HEADER_LENGTH;
  for (; i + 1 < end; i += 2) sum += (packet[i]! << 8) | packet[i + 1]!;
  if (i < end) sum += packet[i]! << 8; // odd length: pad with a zero byte
  return fold(sum);
}

/** byteSum for a packet at a 4-aligned byte `base` of its buffer: 32-bit little-endian reads, swapped back at the end. */
function wordSum(packet: Uint8Array, base: number, udpLength: number): number {
  const words = wordsOf(packet.buffer);
  let sum = 0; // of byte-swapped 16-bit halves
  for (let k = (base + 8) >> 2; k < (base + 40) >> 2; k++) sum += (words[k]! & 0xffff) + (words[k]! >>> 16);
  const start = base + IPV6_HEADER_LENGTH;
  const end = start + udpLength;
  const whole = start + ((udpLength >> 2) << 2);
  for (let k = start >> 2; k < whole >> 2; k++) {
    const w = words[k]!;
    sum += (w & 0xffff) + (w >>> 16);
    if (sum > 0x3fffffff) sum = fold(sum); // stays a small integer
  }
  // 0–3 bytes left: swapped pairs, a lone last byte padded with zero
  const last = end - packet.byteOffset;
  for (let i = whole - packet.byteOffset; i < last; i += 2) sum += packet[i]! | (i + 1 < last ? packet[i + 1]! << 8 : 0);
  const s = fold(sum);
  return ((s & 0xff) << 8) | (s >>> 8);
}

function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  return s;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
/** 32-bit views of the buffers packets live in: made once per buffer, not per packet. */
const WORDS = new WeakMap<ArrayBufferLike, Uint32Array>();

function wordsOf(buffer: ArrayBufferLike): Uint32Array {
  let words = WORDS.get(buffer);
  if (words === undefined) {
    words = new Uint32Array(buffer, 0, buffer.byteLength >> 2);
    WORDS.set(buffer, words);
  }
  return words;
}
