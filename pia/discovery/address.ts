/**
 * IP addresses as PIA carries them: 16 bytes, IPv4 peers as IPv4-mapped IPv6 (`::ffff:a.b.c.d`,
 * RFC 4291 §2.5.5.2), and one canonical text form (RFC 5952) used as the key of a peer in the
 * discovery table and the latch store, so `2001:DB8::0:1`, `2001:db8::1` and the same peer
 * seen through a dual-stack socket (`::ffff:192.0.2.1` vs `192.0.2.1`) are one peer.
 */
import { isIPv4, isIPv6 } from 'node:net';

export const ADDRESS_BYTES = 16;

/**
 * Parses an IPv6 or IPv4 address (optionally with a `%zone`, which is dropped: it names a
 * local interface and never travels) into 16 bytes. Throws an Error naming the text when it
 * is not an address (a programming or configuration error, not a wire decode).
 */
export function addressToBytes(text: string): Uint8Array {
  const bare = stripZone(text);
  if (isIPv4(bare)) return mapped(bare);
  if (!isIPv6(bare)) {
    throw new Error(`address "${text}": not an IPv6 or IPv4 address; write e.g. 2001:db8::1 or 192.0.2.1`);
  }
  let head = bare;
  let v4tail: Uint8Array | undefined;
  const lastColon = bare.lastIndexOf(':');
  if (bare.includes('.', lastColon)) {
    v4tail = ipv4Bytes(bare.slice(lastColon + 1));
    head = bare.slice(0, lastColon + 1) + '0:0'; // two placeholder groups, overwritten below
  }
  const groups = expandGroups(head);
  const out = new Uint8Array(ADDRESS_BYTES);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (v4tail) out.set(v4tail, 12);
  return out;
}

/** The RFC 5952 text of 16 address bytes; IPv4-mapped addresses as `::ffff:a.b.c.d` (§5). */
export function bytesToAddress(bytes: Uint8Array): string {
  if (bytes.length !== ADDRESS_BYTES) throw new RangeError(`address: ${bytes.length} bytes, need 16`);
  if (isV4Mapped(bytes)) return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  // RFC 5952 §4.2: compress the longest run (≥ 2) of zero groups, the first one on a tie.
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestAt < 0) return hex(groups);
  return `${hex(groups.slice(0, bestAt))}::${hex(groups.slice(bestAt + bestLen))}`;
}

/** The canonical key of a peer address (RFC 5952 text, zone kept: fe80::1%eth0 ≠ fe80::1%eth1). */
export function canonicalAddress(text: string): string {
  const at = text.indexOf('%');
  const zone = at < 0 ? '' : text.slice(at);
  return bytesToAddress(addressToBytes(text)) + zone;
}

export function isV4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/**
 * Why 16 address bytes cannot name a peer to send a key exchange to, or undefined when they
 * can: the unspecified address, IPv6 multicast (ff00::/8, RFC 4291 §2.7), and in the mapped
 * IPv4 range 0.0.0.0/8, multicast 224.0.0.0/4 and the limited broadcast 255.255.255.255.
 * A discovery option naming one would turn the node into a reflector toward a group.
 */
export function unusablePeerAddress(bytes: Uint8Array): string | undefined {
  if (bytes.every((b) => b === 0)) return 'the unspecified address ::';
  if (bytes[0] === 0xff) return 'an IPv6 multicast address (ff00::/8)';
  if (isV4Mapped(bytes)) {
    const first = bytes[12] ?? 0;
    if (first === 0) return 'an IPv4 "this network" address (0.0.0.0/8)';
    if (first >= 224 && first <= 239) return 'an IPv4 multicast address (224.0.0.0/4)';
    if (bytes.subarray(12).every((b) => b === 0xff)) return 'the IPv4 broadcast address';
  }
  return undefined;
}

function stripZone(text: string): string {
  const at = text.indexOf('%');
  return at < 0 ? text : text.slice(0, at);
}

function mapped(v4: string): Uint8Array {
  const out = new Uint8Array(ADDRESS_BYTES);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(ipv4Bytes(v4), 12);
  return out;
}

function ipv4Bytes(v4: string): Uint8Array {
  return Uint8Array.from(v4.split('.').map((p) => Number.parseInt(p, 10)));
}

/** Eight 16-bit groups of an IPv6 text already validated by `isIPv6` (no dotted tail). */
function expandGroups(text: string): number[] {
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const gap = text.indexOf('::');
  if (gap < 0) return parse(text);
  const left = parse(text.slice(0, gap));
  const right = parse(text.slice(gap + 2));
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
