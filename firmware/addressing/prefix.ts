/**
 * The device prefix: an IPv6 /64 written "2001:db8:42:1::/64". Device addresses are this
 * prefix plus a 64-bit interface identifier (RFC 4291 §2.5.1: unicast IIDs are 64 bits, so a
 * prefix is /64 exactly).
 *
 * Must hold: a prefix that cannot carry device addresses is refused with the reason and the
 * fix: not /64, host bits set, multicast (ff00::/8), link-local (fe80::/10: it needs a zone on
 * every use), IPv4-mapped, or inside ::/8 (unspecified, loopback, IPv4-compatible).
 */
import { isIPv6 } from 'node:net';
import { addressFromText, addressToText } from '../../pia/index.js';

export const PREFIX_LENGTH = 64;
export const PREFIX_BYTES = 8;

export interface Prefix64 {
  /** The upper 64 bits. */
  readonly bytes: Uint8Array;
  /** Canonical text, RFC 5952: "2001:db8:42:1::/64". */
  readonly text: string;
}

export class PrefixError extends Error {
  override readonly name = 'PrefixError';
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem}; ${fix}`);
  }
}

const EXAMPLE = 'write the /64 of the devices\' network, e.g. 2001:db8:42:1::/64 (or a ULA such as fd12:3456:789a:1::/64)';

/** Parses "ADDR/64"; throws PrefixError naming what is wrong and the fix. */
export function parsePrefix64(text: string): Prefix64 {
  const slash = text.indexOf('/');
  if (slash < 0) throw new PrefixError(`prefix "${text}" has no length`, `${EXAMPLE}`);
  const address = text.slice(0, slash);
  const length = text.slice(slash + 1);
  if (!isIPv6(address) || address.includes('%')) throw new PrefixError(`prefix "${text}": "${address}" is not an IPv6 address`, EXAMPLE);
  if (length !== String(PREFIX_LENGTH)) {
    throw new PrefixError(`prefix "${text}" is /${length}, device addresses need a /64 (RFC 4291 §2.5.1: 64-bit interface identifiers)`, EXAMPLE);
  }
  const full = addressFromText(address);
  const canonical = `${addressToText(Uint8Array.from([...full.subarray(0, PREFIX_BYTES), ...new Uint8Array(8)]))}/64`;
  if (full.subarray(PREFIX_BYTES).some((b) => b !== 0)) {
    throw new PrefixError(`prefix "${text}" has bits set after the first 64`, `write the network itself: ${canonical}`);
  }
  const first = full[0] ?? 0;
  const second = full[1] ?? 0;
  if (first === 0xff) throw new PrefixError(`prefix "${text}" is multicast (ff00::/8)`, EXAMPLE);
  if (first === 0xfe && (second & 0xc0) === 0x80) throw new PrefixError(`prefix "${text}" is link-local (fe80::/10): every use would need a zone`, EXAMPLE);
  if (first === 0) throw new PrefixError(`prefix "${text}" lies in ::/8 (unspecified, loopback, IPv4-mapped or -compatible addresses)`, EXAMPLE);
  return { bytes: full.slice(0, PREFIX_BYTES), text: canonical };
}
