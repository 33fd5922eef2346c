/**
 * Peer addresses as the key exchange needs them: 16 bytes (IPv4 as IPv4-mapped IPv6,
 * RFC 4291 §2.5.5.2), as the cookie input (§5 "Cookie") and the rate limiter's prefixes (§3).
 *
 * Must hold: the same host gives the same 16 bytes whichever way its address is written
 * ("2001:db8::1" = "2001:DB8:0:0::1", "192.0.2.1" = "::ffff:192.0.2.1"); a zone id
 * ("fe80::1%eth0") is dropped: it names our interface, not the peer.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Where a datagram came from or goes to: an IP address (v6 or v4) and a UDP port. */
export interface PeerAddress {
  readonly address: string;
  readonly port: number;
}

/** 16 bytes for an IPv6 or IPv4 address; throws TypeError for anything else. */
export function addressBytes(address: string): Uint8Array {
  const bare = address.split('%')[0] ?? '';
  if (isIPv4(bare)) return Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...ipv4Bytes(bare));
  if (!isIPv6(bare)) {
    throw new TypeError(`peer address "${address}" is neither IPv6 nor IPv4: pass the address a socket reported (e.g. "2001:db8::1" or "192.0.2.1")`);
  }
  let text = bare;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail.push(...ipv4Bytes(text.slice(lastColon + 1)));
    text = `${text.slice(0, lastColon + 1)}0:0`; // two placeholder groups, replaced below
  }
  const [head = '', rest] = text.split('::');
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (tail.length === 4) out.set(tail, 12);
  return out;
}

function ipv4Bytes(text: string): number[] {
  return text.split('.').map((o) => parseInt(o, 10));
}

/** True when the 16 bytes are an IPv4-mapped address (::ffff:a.b.c.d). */
export function isIpv4Mapped(addr16: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (addr16[i] !== 0) return false;
  return addr16[10] === 0xff && addr16[11] === 0xff;
}

/** A map key for one peer endpoint: its 16 address bytes in hex and the port. */
export function peerKey(peer: PeerAddress): string {
  return peerKeyOf(addressBytes(peer.address), peer.port);
}

/** `peerKey` for an address already turned into its 16 bytes (saves parsing it twice). */
export function peerKeyOf(addr16: Uint8Array, port: number): string {
  return `${Buffer.from(addr16.buffer, addr16.byteOffset, addr16.byteLength).toString('hex')}/${port}`;
}

/** Same host and port, however the addresses are written (the same text needs no parsing). */
export function samePeer(a: PeerAddress, b: PeerAddress): boolean {
  if (a.port !== b.port) return false;
  if (a.address === b.address) return true;
  return Buffer.from(addressBytes(a.address)).equals(addressBytes(b.address));
}
