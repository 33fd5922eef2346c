/**
 * 16-byte IPv6 addresses for inner packets and the key log, to and from text.
 * An IPv4 peer is held as an IPv4-mapped address ::ffff:a.b.c.d (RFC 4291 §2.5.5.2), the form
 * Node's dual-stack sockets report. Output text is RFC 5952 §4: lower case, no leading zeros,
 * the longest run (first on a tie) of two or more zero groups as "::", mapped IPv4 dotted.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { PiaDecodeError } from '../errors.js';

export const IPV6_ADDRESS_LENGTH = 16;

/** Parses IPv6 text (e.g. "2001:db8::1", "::ffff:192.0.2.1") or IPv4 text ("192.0.2.1", mapped). */
export function addressFromText(text: string): Buffer {
  if (isIPv4(text)) return mappedFromIpv4(text);
  if (!isIPv6(text) || text.includes('%')) {
    throw new PiaDecodeError('IP address', `"${text}" is not an IPv6 or IPv4 address (zone ids are not allowed); write it like 2001:db8::1 or 192.0.2.1`);
  }
  const out = Buffer.alloc(IPV6_ADDRESS_LENGTH);
  let body = text;
  let tail: Buffer | undefined;
  if (body.includes('.')) {
    const cut = body.lastIndexOf(':');
    tail = ipv4Bytes(body.slice(cut + 1));
    body = `${body.slice(0, cut + 1)}0:0`;
  }
  const [head = '', rest] = body.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - restGroups.length).fill('0'), ...restGroups];
  groups.forEach((g, i) => out.writeUInt16BE(Number.parseInt(g, 16), i * 2));
  if (tail !== undefined) tail.copy(out, 12);
  return out;
}

/** RFC 5952 text; IPv4-mapped addresses as ::ffff:a.b.c.d. */
export function addressToText(address: Uint8Array): string {
  checkLength(address);
  const v4 = ipv4OfMapped(address);
  if (v4 !== undefined) return `::ffff:${v4}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((address[i]! << 8) | address[i + 1]!);
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not compressed (RFC 5952 §4.2.2)
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** "a.b.c.d" when `address` is IPv4-mapped (::ffff:0:0/96), else undefined. */
export function ipv4OfMapped(address: Uint8Array): string | undefined {
  checkLength(address);
  for (let i = 0; i < 10; i++) if (address[i] !== 0) return undefined;
  if (address[10] !== 0xff || address[11] !== 0xff) return undefined;
  return `${address[12]}.${address[13]}.${address[14]}.${address[15]}`;
}

function mappedFromIpv4(text: string): Buffer {
  const out = Buffer.alloc(IPV6_ADDRESS_LENGTH);
  out[10] = 0xff;
  out[11] = 0xff;
  ipv4Bytes(text).copy(out, 12);
  return out;
}

function ipv4Bytes(text: string): Buffer {
  return Buffer.from(text.split('.').map((part) => Number.parseInt(part, 10)));
}

function checkLength(address: Uint8Array): void {
  if (address.length !== IPV6_ADDRESS_LENGTH) {
    throw new RangeError(`IPv6 address must be ${IPV6_ADDRESS_LENGTH} bytes, got ${address.length}`);
  }
}
