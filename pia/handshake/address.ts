/**
 * Peer endpoints as the key exchange needs them: the 16 address bytes (../address.ts) are the
 * cookie input (docs/protocol.md §5 "Cookie") and the rate limiter's prefixes (§3).
 *
 * Must hold: the same host gives the same 16 bytes whichever way its address is written
 * ("2001:db8::1" = "2001:DB8:0:0::1", "192.0.2.1" = "::ffff:192.0.2.1"); a zone id
 * ("fe80::1%eth0") is dropped: it names our interface, not the peer.
 */
import { addressFromText } from '../address.js';

/** Where a datagram came from or goes to: an IP address (v6 or v4) and a UDP port. */
export interface PeerAddress {
  readonly address: string;
  readonly port: number;
}

/** A map key for one peer endpoint: its 16 address bytes in hex and the port. */
export function peerKey(peer: PeerAddress): string {
  return peerKeyOf(addressFromText(peer.address, { zone: 'drop' }), peer.port);
}

/** `peerKey` for an address already turned into its 16 bytes (saves parsing it twice). */
export function peerKeyOf(addr16: Uint8Array, port: number): string {
  return `${Buffer.from(addr16.buffer, addr16.byteOffset, addr16.byteLength).toString('hex')}/${port}`;
}

/** Same host and port, however the addresses are written (the same text needs no parsing). */
export function samePeer(a: PeerAddress, b: PeerAddress): boolean {
  if (a.port !== b.port) return false;
  if (a.address === b.address) return true;
  return Buffer.from(addressFromText(a.address, { zone: 'drop' })).equals(addressFromText(b.address, { zone: 'drop' }));
}
