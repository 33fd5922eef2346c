/**
 * IP addresses as PIA carries them (docs/protocol.md §4, §5, §6): 16 bytes, an IPv4 host as
 * its IPv4-mapped IPv6 address ::ffff:a.b.c.d (RFC 4291 §2.5.5.2), the form Node's dual-stack
 * sockets report. Used for inner packets and the key log (ESP), the discovery option and the
 * latch store's keys (discovery), cookies and rate limits (key exchange).
 *
 * Must hold:
 * - The same host gives the same 16 bytes however it is written: "2001:DB8:0:0::1" =
 *   "2001:db8::1", "192.0.2.1" = "::ffff:192.0.2.1" = "::ffff:c000:201", embedded IPv4 tails
 *   ("64:ff9b::192.0.2.33") included.
 * - Text out is RFC 5952 §4: lower case, no leading zeros, the longest run (the first on a
 *   tie) of two or more zero groups as "::", a single zero group kept; IPv4-mapped addresses
 *   in the §5 mixed form ::ffff:a.b.c.d.
 * - A zone id ("fe80::1%eth0") names one of our interfaces, never travels, and is refused
 *   unless the caller says to drop it (a peer address a socket reported).
 * - Text that is not an address throws PiaDecodeError naming the text and the expected form.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { PiaDecodeError } from './errors.js';

export const IPV6_ADDRESS_LENGTH = 16;

export interface AddressTextOptions {
  /**
   * What to do with a `%zone` suffix: 'reject' (the default) refuses the text; 'drop' parses
   * the address before the `%` (for peer addresses as sockets report them: the zone names
   * our interface, not the peer).
   */
  readonly zone?: 'reject' | 'drop';
}

/** 16 bytes for IPv6 text ("2001:db8::1", "::ffff:192.0.2.1") or IPv4 text ("192.0.2.1", mapped). */
export function addressFromText(text: string, options: AddressTextOptions = {}): Uint8Array {
  const at = text.indexOf('%');
  const bare = at >= 0 && options.zone === 'drop' ? text.slice(0, at) : text;
  if (isIPv4(bare)) return mappedFromIpv4(bare);
  if (!isIPv6(bare) || bare.includes('%')) {
    const zoneNote = bare.includes('%') ? ' (zone ids are not allowed here)' : '';
    throw new PiaDecodeError('IP address', `"${text}" is not an IPv6 or IPv4 address${zoneNote}; write it like 2001:db8::1 or 192.0.2.1`);
  }
  let body = bare;
  let tail: Uint8Array | undefined;
  const lastColon = bare.lastIndexOf(':');
  if (bare.includes('.', lastColon)) {
    tail = ipv4Bytes(bare.slice(lastColon + 1));
    body = `${bare.slice(0, lastColon + 1)}0:0`; // two placeholder groups, overwritten by the tail
  }
  const out = new Uint8Array(IPV6_ADDRESS_LENGTH);
  expandGroups(body).forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (tail !== undefined) out.set(tail, 12);
  return out;
}

/** The RFC 5952 text of 16 address bytes; IPv4-mapped addresses as ::ffff:a.b.c.d (§5). */
export function addressToText(address: Uint8Array): string {
  const v4 = ipv4OfMapped(address);
  if (v4 !== undefined) return `::ffff:${v4}`;
  const groups: number[] = [];
  for (let i = 0; i < IPV6_ADDRESS_LENGTH; i += 2) groups.push(((address[i] ?? 0) << 8) | (address[i + 1] ?? 0));
  // RFC 5952 §4.2: compress the longest run of zero groups, the first one on a tie;
  // a single zero group is not compressed (§4.2.2).
  let bestStart = -1;
  let bestLength = 1;
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
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/**
 * The canonical key of a peer address: RFC 5952 text with the zone kept (fe80::1%eth0 and
 * fe80::1%eth1 are different peers), so every spelling of one peer is one key.
 */
export function canonicalAddress(text: string): string {
  const at = text.indexOf('%');
  const zone = at < 0 ? '' : text.slice(at);
  return addressToText(addressFromText(text, { zone: 'drop' })) + zone;
}

/** True when the address is IPv4-mapped (::ffff:0:0/96); reads bytes 0–11 only. */
export function isIpv4Mapped(address: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (address[i] !== 0) return false;
  return address[10] === 0xff && address[11] === 0xff;
}

/** "a.b.c.d" when the 16 bytes are IPv4-mapped, else undefined. */
export function ipv4OfMapped(address: Uint8Array): string | undefined {
  if (address.length !== IPV6_ADDRESS_LENGTH) {
    throw new RangeError(`IP address must be ${IPV6_ADDRESS_LENGTH} bytes, got ${address.length}; convert text with addressFromText()`);
  }
  if (!isIpv4Mapped(address)) return undefined;
  return `${address[12]}.${address[13]}.${address[14]}.${address[15]}`;
}

function mappedFromIpv4(text: string): Uint8Array {
  const out = new Uint8Array(IPV6_ADDRESS_LENGTH);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(ipv4Bytes(text), 12);
  return out;
}

/** Four bytes of dotted IPv4 text already validated by `isIPv4`/`isIPv6`. */
function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map((part) => Number.parseInt(part, 10)));
}

/** Eight 16-bit groups of IPv6 text already validated by `isIPv6` (no dotted tail, no zone). */
function expandGroups(text: string): number[] {
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const gap = text.indexOf('::');
  if (gap < 0) return parse(text);
  const left = parse(text.slice(0, gap));
  const right = parse(text.slice(gap + 2));
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * Parsed addresses by their text, for hot paths that see the same few peers on every packet
 * (parsing and formatting cost microseconds per call, and a string per call). Bounded whatever
 * arrives: emptied when it reaches `limit` addresses, and every address's ports are forgotten
 * when `limit` ports are held over all of them. The byte arrays and endpoint objects it
 * returns are shared (and frozen where they are objects): callers must not modify them.
 */
export class AddressCache {
  readonly #entries = new Map<string, CacheEntry>();
  #ports = 0;

  constructor(private readonly limit = 1024) {}

  /** `addressFromText(text, { zone: 'drop' })`, cached. */
  bytes(text: string): Uint8Array {
    return this.#entry(text).bytes;
  }

  /** `canonicalAddress(text)`, cached. */
  canonical(text: string): string {
    return this.#entry(text).canonical;
  }

  /** `peerKeyOf`'s map key for an endpoint: the address bytes in hex, "/", the port; cached. */
  key(text: string, port: number): string {
    return this.#port(this.#entry(text), port).key;
  }

  /** `{ address: canonical(text), port }`, the same frozen object for the same text and port. */
  endpoint(text: string, port: number): { readonly address: string; readonly port: number } {
    return this.#port(this.#entry(text), port).endpoint;
  }

  /**
   * `addressToText` of the 16 bytes at `at` in `bytes`, remembered for the last few distinct
   * addresses (inner packets carry the same ones every time): a 16-byte compare instead of
   * formatting, and no allocation.
   */
  text(bytes: Uint8Array, at = 0): string {
    const recent = this.#recentTexts;
    for (let i = 0; i < recent.length; i++) {
      const r = recent[i]!;
      if (sameBytesAt(r.bytes, bytes, at)) return r.text;
    }
    const address = bytes.slice(at, at + IPV6_ADDRESS_LENGTH);
    const entry = { bytes: address, text: addressToText(address) };
    if (recent.length >= RECENT_TEXTS) recent.pop();
    recent.unshift(entry);
    return entry.text;
  }

  readonly #recentTexts: { readonly bytes: Uint8Array; readonly text: string }[] = [];

  #entry(text: string): CacheEntry {
    let e = this.#entries.get(text);
    if (e === undefined) {
      if (this.#entries.size >= this.limit) {
        this.#entries.clear();
        this.#ports = 0;
      }
      const bytes = addressFromText(text, { zone: 'drop' });
      e = { bytes, canonical: canonicalAddress(text), hex: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'), ports: new Map() };
      this.#entries.set(text, e);
    }
    return e;
  }

  #port(e: CacheEntry, port: number): PortEntry {
    let p = e.ports.get(port);
    if (p === undefined) {
      if (this.#ports >= this.limit) {
        for (const other of this.#entries.values()) other.ports.clear();
        this.#ports = 0;
      }
      this.#ports++;
      p = { key: `${e.hex}/${port}`, endpoint: Object.freeze({ address: e.canonical, port }) };
      e.ports.set(port, p);
    }
    return p;
  }
}

interface PortEntry {
  readonly key: string;
  readonly endpoint: { readonly address: string; readonly port: number };
}

interface CacheEntry {
  readonly bytes: Uint8Array;
  readonly canonical: string;
  readonly hex: string;
  readonly ports: Map<number, PortEntry>;
}

const RECENT_TEXTS = 8;

function sameBytesAt(a: Uint8Array, b: Uint8Array, at: number): boolean {
  if (b.length - at < a.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[at + i]) return false;
  return true;
}
