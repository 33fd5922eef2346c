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
  const { src, dst, srcPort, dstPort, payload } = fields;
  if (src.length !== IPV6_ADDRESS_LENGTH || dst.length !== IPV6_ADDRESS_LENGTH) {
    throw new RangeError(`${WHAT}: addresses must be 16 bytes (got ${src.length} and ${dst.length}); convert text with addressFromText()`);
  }
  for (const port of [srcPort, dstPort]) {
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError(`${WHAT}: port ${port} is not in 0..65535`);
  }
  if (payload.length > MAX_INNER_PAYLOAD) {
    throw new RangeError(`${WHAT}: payload of ${payload.length} bytes exceeds ${MAX_INNER_PAYLOAD}; split it (CoAP Block2)`);
  }
  const udpLength = UDP_HEADER_LENGTH + payload.length;
  const packet = new Uint8Array(IPV6_HEADER_LENGTH + udpLength);
  const view = new DataView(packet.buffer);
  packet[0] = 0x60; // version 6, traffic class 0, flow label 0 (bytes 1..3 stay 0)
  view.setUint16(4, udpLength);
  packet[6] = IPPROTO_UDP;
  packet[7] = INNER_HOP_LIMIT;
  packet.set(src, 8);
  packet.set(dst, 24);
  view.setUint16(40, srcPort);
  view.setUint16(42, dstPort);
  view.setUint16(44, udpLength);
  packet.set(payload, IPV6_HEADER_LENGTH + UDP_HEADER_LENGTH);
  const sum = onesComplementSum(packet, udpLength);
  view.setUint16(46, sum === 0xffff ? 0xffff : ~sum & 0xffff);
  return packet;
}

export function parseInnerPacket(packet: Uint8Array): InnerPacket {
  if (packet.length < INNER_OVERHEAD) {
    throw new PiaDecodeError(WHAT, `truncated: ${packet.length} bytes, need at least ${INNER_OVERHEAD} (IPv6 40 + UDP 8)`);
  }
  const view = new DataView(packet.buffer, packet.byteOffset, packet.length);
  const version = packet[0]! >> 4;
  if (version !== 6) throw new PiaDecodeError(WHAT, `IP version ${version}, expected 6`);
  const payloadLength = view.getUint16(4);
  if (payloadLength !== packet.length - IPV6_HEADER_LENGTH) {
    throw new PiaDecodeError(WHAT, `IPv6 payload length ${payloadLength} disagrees with the ${packet.length - IPV6_HEADER_LENGTH} bytes after the header`);
  }
  const nextHeader = packet[6]!;
  if (nextHeader !== IPPROTO_UDP) throw new PiaDecodeError(WHAT, `next header ${nextHeader}, expected 17 (UDP, no extension headers)`);
  const udpLength = view.getUint16(44);
  if (udpLength !== payloadLength) throw new PiaDecodeError(WHAT, `UDP length ${udpLength} disagrees with IPv6 payload length ${payloadLength}`);
  const checksum = view.getUint16(46);
  if (checksum === 0) throw new PiaDecodeError(WHAT, 'UDP checksum 0 (no checksum) is not allowed over IPv6 (RFC 8200 §8.1)');
  if (onesComplementSum(packet, udpLength) !== 0xffff) throw new PiaDecodeError(WHAT, 'UDP checksum does not verify');
  const dstPort = view.getUint16(42);
  if (dstPort === 0) throw new PiaDecodeError(WHAT, 'UDP destination port 0');
  const at = packet.byteOffset;
  return {
    src: Buffer.from(packet.buffer, at + 8, IPV6_ADDRESS_LENGTH),
    dst: Buffer.from(packet.buffer, at + 24, IPV6_ADDRESS_LENGTH),
    srcPort: view.getUint16(40),
    dstPort,
    hopLimit: packet[7]!,
    payload: packet.subarray(INNER_OVERHEAD),
  };
}

/**
 * One's-complement sum (RFC 1071) of the IPv6 pseudo-header and the UDP segment at offset 40
 * (its checksum field included as it stands). A packet with a correct checksum sums to 0xffff.
 */
function onesComplementSum(packet: Uint8Array, udpLength: number): number {
  let sum = udpLength + IPPROTO_UDP; // pseudo-header: 32-bit length (fits 16 bits here), zeros, next header
  for (let i = 8; i < 40; i += 2) sum += (packet[i]! << 8) | packet[i + 1]!; // source and destination
  const end = IPV6_HEADER_LENGTH + udpLength;
  let i = IPV6_HEADER_LENGTH;
  for (; i + 1 < end; i += 2) sum += (packet[i]! << 8) | packet[i + 1]!;
  if (i < end) sum += packet[i]! << 8; // odd length: pad with a zero byte
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}
