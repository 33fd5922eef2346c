/**
 * The PIA discovery option (docs/protocol.md §4): a CoAP option that marks a plain request's
 * sender as PIA-capable and says where its PIA port is, the user-space stand-in for the
 * slides' "IPsec Discovery" bit. This file holds the option number, the RFC 7252 §5.4.6
 * property helpers, and the codec of the option VALUE (the CoAP layer frames it).
 *
 * Value, 4 or 20 bytes:
 *   version (1) = 1 | flags (1) | port (2, big-endian) | [address (16), optional]
 *   flags bit 0 = "I can initiate", bit 1 = "I am latched to you"; bits 2–7 are sent as 0
 *   and ignored on receipt (RFC 7296 §3.1 practice), so a later flag needs no new version.
 */
import { PiaDecodeError } from '../errors.js';
import { IPV6_ADDRESS_LENGTH } from '../address.js';
import { unusablePeerAddress } from './address.js';

/** CoAP option number 65000 (0xFDE8): experimental range, elective, safe-to-forward. */
export const PIA_DISCOVERY_OPTION = 65000;
export const PIA_DISCOVERY_VERSION = 1;
/** Value lengths: without and with the address field. */
export const DISCOVERY_OPTION_SHORT = 4;
export const DISCOVERY_OPTION_LONG = DISCOVERY_OPTION_SHORT + IPV6_ADDRESS_LENGTH;

export const DiscoveryFlag = {
  CanInitiate: 0x01,
  Latched: 0x02,
} as const;

export interface DiscoveryOption {
  /** The sender can start a key exchange (it has a PIA port that sends INITs). */
  readonly canInitiate: boolean;
  /** The sender already has keys with the receiver and refuses its plaintext. */
  readonly latched: boolean;
  /** The sender's PIA UDP port, 1–65535. */
  readonly port: number;
  /** The sender's PIA address when it is not the datagram's source (16 bytes, IPv4 mapped). */
  readonly address?: Uint8Array;
}

/**
 * Encodes the option value. Throws RangeError for a value this node must never send (a
 * programming or configuration error): port outside 1–65535, an address that is not 16
 * bytes or cannot receive a key exchange.
 */
export function encodeDiscoveryOption(option: DiscoveryOption): Uint8Array {
  if (!Number.isInteger(option.port) || option.port < 1 || option.port > 0xffff) {
    throw new RangeError(`discovery option: PIA port ${option.port} is not in 1–65535; configure the node's PIA port`);
  }
  const addr = option.address;
  if (addr !== undefined) {
    if (addr.length !== IPV6_ADDRESS_LENGTH) {
      throw new RangeError(`discovery option: address has ${addr.length} bytes, need 16 (IPv4 as ::ffff:a.b.c.d)`);
    }
    const why = unusablePeerAddress(addr);
    if (why !== undefined) throw new RangeError(`discovery option: address is ${why}; configure a unicast PIA address`);
  }
  const out = new Uint8Array(addr === undefined ? DISCOVERY_OPTION_SHORT : DISCOVERY_OPTION_LONG);
  out[0] = PIA_DISCOVERY_VERSION;
  out[1] = (option.canInitiate ? DiscoveryFlag.CanInitiate : 0) | (option.latched ? DiscoveryFlag.Latched : 0);
  out[2] = option.port >> 8;
  out[3] = option.port & 0xff;
  if (addr !== undefined) out.set(addr, DISCOVERY_OPTION_SHORT);
  return out;
}

/**
 * Decodes an option value. Throws only PiaDecodeError; the caller then treats the message as
 * if it carried no option (docs/protocol.md §4: a malformed or unknown-version option is
 * ignored, as a legacy peer would). Allocates at most a 16-byte copy of the address.
 */
export function decodeDiscoveryOption(value: Uint8Array): DiscoveryOption {
  const what = 'discovery option';
  if (value.length !== DISCOVERY_OPTION_SHORT && value.length !== DISCOVERY_OPTION_LONG) {
    throw new PiaDecodeError(what, `${value.length} bytes, need ${DISCOVERY_OPTION_SHORT} or ${DISCOVERY_OPTION_LONG}`);
  }
  const version = value[0] ?? 0;
  if (version !== PIA_DISCOVERY_VERSION) throw new PiaDecodeError(what, `version ${version}, this node speaks 1`);
  const flags = value[1] ?? 0;
  const port = ((value[2] ?? 0) << 8) | (value[3] ?? 0);
  if (port === 0) throw new PiaDecodeError(what, 'PIA port 0');
  const base = {
    canInitiate: (flags & DiscoveryFlag.CanInitiate) !== 0,
    latched: (flags & DiscoveryFlag.Latched) !== 0,
    port,
  };
  if (value.length === DISCOVERY_OPTION_SHORT) return base;
  const address = value.slice(DISCOVERY_OPTION_SHORT, DISCOVERY_OPTION_LONG);
  const why = unusablePeerAddress(address);
  if (why !== undefined) throw new PiaDecodeError(what, `address is ${why}`);
  return { ...base, address };
}

// RFC 7252 §5.4.6: option number bits (least significant first). Bit 0 = Critical, bit 1 =
// UnSafe; NoCacheKey = safe-to-forward with bits 2–4 all set, i.e. (n & 0x1e) === 0x1c.

/** RFC 7252 §5.4.1: an unrecognised critical option makes a request fail with 4.02. */
export function isCritical(optionNumber: number): boolean {
  return (checkedOption(optionNumber) & 0x01) !== 0;
}

/** RFC 7252 §5.4.1: an unrecognised elective option is silently ignored. */
export function isElective(optionNumber: number): boolean {
  return !isCritical(optionNumber);
}

/** RFC 7252 §5.4.2: a proxy that does not know an unsafe option must not forward it blindly. */
export function isUnsafe(optionNumber: number): boolean {
  return (checkedOption(optionNumber) & 0x02) !== 0;
}

export function isSafeToForward(optionNumber: number): boolean {
  return !isUnsafe(optionNumber);
}

/** RFC 7252 §5.4.6: a safe-to-forward option whose bits 2–4 are all 1 is not part of the cache key. */
export function isNoCacheKey(optionNumber: number): boolean {
  return (checkedOption(optionNumber) & 0x1e) === 0x1c;
}

/** RFC 7252 §12.2: 65000–65535 is the experimental-use range of the option registry. */
export function isExperimentalOption(optionNumber: number): boolean {
  return checkedOption(optionNumber) >= 65000;
}

function checkedOption(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError(`CoAP option number ${n} is not in 0–65535`);
  return n;
}
