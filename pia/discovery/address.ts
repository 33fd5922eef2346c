/**
 * Which peer addresses discovery may hand to the key exchange (docs/protocol.md §4). The
 * text ↔ 16-byte conversions and the canonical peer key live in ../address.ts.
 */
import { isIpv4Mapped } from '../address.js';

/**
 * Why 16 address bytes cannot name a peer to send a key exchange to, or undefined when they
 * can: the unspecified address, IPv6 multicast (ff00::/8, RFC 4291 §2.7), and in the mapped
 * IPv4 range 0.0.0.0/8, multicast 224.0.0.0/4 and the limited broadcast 255.255.255.255.
 * A discovery option naming one would turn the node into a reflector toward a group.
 */
export function unusablePeerAddress(bytes: Uint8Array): string | undefined {
  if (bytes.every((b) => b === 0)) return 'the unspecified address ::';
  if (bytes[0] === 0xff) return 'an IPv6 multicast address (ff00::/8)';
  if (isIpv4Mapped(bytes)) {
    const first = bytes[12] ?? 0;
    if (first === 0) return 'an IPv4 "this network" address (0.0.0.0/8)';
    if (first >= 224 && first <= 239) return 'an IPv4 multicast address (224.0.0.0/4)';
    if (bytes.subarray(12).every((b) => b === 0xff)) return 'the IPv4 broadcast address';
  }
  return undefined;
}
