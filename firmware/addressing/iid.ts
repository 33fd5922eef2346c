/**
 * Stable per-device interface identifiers, RFC 7217 style (README.md in this folder has the
 * construction, its reasoning and the test vectors in vectors/iid.json).
 *
 *   RID = SHA-256( "PIA-GW-IID-v1"            13 ASCII bytes: domain separation, version
 *                ‖ Prefix                     8 bytes: the /64             (RFC 7217 §5 Prefix)
 *                ‖ GatewayID                  16 bytes: the UUID's bytes   (per-host input)
 *                ‖ len(Name) ‖ Name           1 byte + UTF-8 device name   (§5 Net_Iface)
 *                ‖ DAD_Counter                1 byte, 0..255               (§5 DAD_Counter)
 *                ‖ len(Secret) ‖ Secret )     1 byte + 0..255 bytes        (§5 secret_key, optional)
 *   IID = the first 8 bytes of RID (§5: "the leftmost bits")
 *
 * Must hold:
 * - the same (prefix, gateway, name, secret) always gives the same address: restarts and
 *   reordering the devices in the config change nothing; another gateway or prefix gives an
 *   unrelated one;
 * - no device gets a reserved IID (RFC 5453 and the IANA "Reserved IPv6 Interface
 *   Identifiers" registry): the counter is incremented until the IID is usable (RFC 7217 §5);
 * - two devices of one gateway never share an address: on a (2⁻⁶⁴-unlikely) collision the
 *   device whose name sorts later takes the next counter, so the outcome does not depend on
 *   config order.
 */
import { createHash } from 'node:crypto';
import { nodeIdFromText } from '../../pia/phase3/index.js';
import { addressToText } from '../../pia/index.js';
import { PREFIX_BYTES, parsePrefix64 } from './prefix.js';

export const IID_DOMAIN = 'PIA-GW-IID-v1';
export const IID_BYTES = 8;
export const MAX_DAD_COUNTER = 255;
const MAX_SECRET_BYTES = 255;
const MAX_NAME_BYTES = 255;

export interface IidInput {
  /** The /64's upper 8 bytes. */
  readonly prefix: Uint8Array;
  /** The gateway's node ID, 16 bytes. */
  readonly gatewayId: Uint8Array;
  readonly deviceName: string;
  readonly dadCounter: number;
  /** Optional secret_key (RFC 7217 §5): makes addresses unpredictable to whoever lacks it. */
  readonly secret?: Uint8Array;
}

/** The hash input of `interfaceIdFor`, byte for byte (exported for the vectors and README). */
export function iidHashInput(i: IidInput): Uint8Array {
  const name = Buffer.from(i.deviceName, 'utf8');
  const secret = i.secret ?? new Uint8Array(0);
  if (i.prefix.length !== PREFIX_BYTES) throw new RangeError(`IID input: the prefix is ${PREFIX_BYTES} bytes, got ${i.prefix.length}`);
  if (i.gatewayId.length !== 16) throw new RangeError(`IID input: the gateway ID is 16 bytes, got ${i.gatewayId.length}`);
  if (name.length === 0 || name.length > MAX_NAME_BYTES) throw new RangeError(`IID input: device name "${i.deviceName}" must be 1–${MAX_NAME_BYTES} bytes`);
  if (!Number.isInteger(i.dadCounter) || i.dadCounter < 0 || i.dadCounter > MAX_DAD_COUNTER) throw new RangeError(`IID input: DAD counter ${i.dadCounter} is not 0–${MAX_DAD_COUNTER}`);
  if (secret.length > MAX_SECRET_BYTES) throw new RangeError(`IID input: the secret is at most ${MAX_SECRET_BYTES} bytes, got ${secret.length}`);
  return Buffer.concat([Buffer.from(IID_DOMAIN, 'ascii'), i.prefix, i.gatewayId, Buffer.of(name.length), name, Buffer.of(i.dadCounter), Buffer.of(secret.length), secret]);
}

/** A hash from bytes to at least 8 bytes; SHA-256 unless a test substitutes one. */
export type IidHash = (input: Uint8Array) => Uint8Array;
export const sha256: IidHash = (input) => createHash('sha256').update(input).digest();

/** The candidate IID for one counter value (it may be reserved: see `isReservedInterfaceId`). */
export function interfaceIdFor(i: IidInput, hash: IidHash = sha256): Uint8Array {
  return Uint8Array.from(hash(iidHashInput(i)).subarray(0, IID_BYTES));
}

/**
 * Reserved IIDs (RFC 5453 §3 and the IANA registry it created; Linux checks the same set in
 * addrconf.c ipv6_reserved_interfaceid for its RFC 7217 addresses):
 *   0000:0000:0000:0000                         Subnet-Router Anycast (RFC 4291 §2.6.1)
 *   0200:5eff:fe00:0000–0200:5eff:feff:ffff     IANA Ethernet block, incl. Proxy Mobile IPv6 (RFC 4291, RFC 6543)
 *   fdff:ffff:ffff:ff80–fdff:ffff:ffff:ffff     Reserved Subnet Anycast (RFC 2526)
 */
export function isReservedInterfaceId(iid: Uint8Array): boolean {
  if (iid.length !== IID_BYTES) throw new RangeError(`an interface identifier is ${IID_BYTES} bytes, got ${iid.length}`);
  const hi = Buffer.from(iid).readUInt32BE(0);
  const lo = Buffer.from(iid).readUInt32BE(4);
  if (hi === 0 && lo === 0) return true;
  if (hi === 0x0200_5eff && lo >>> 24 === 0xfe) return true;
  return hi === 0xfdff_ffff && lo >>> 0 >= 0xffff_ff80;
}

export interface DeviceAddress {
  readonly name: string;
  /** RFC 5952 text, e.g. "2001:db8:42:1:8f3a:…". */
  readonly address: string;
  /** The counter that gave a usable IID (0 unless skipping was needed). */
  readonly dadCounter: number;
}

export interface DeriveOptions {
  /** "2001:db8:42:1::/64". */
  readonly prefix: string;
  /** The gateway's node ID as a UUID. */
  readonly gatewayId: string;
  readonly deviceNames: readonly string[];
  readonly secret?: Uint8Array;
  /** Tests only: a substitute for SHA-256 (to reach the reserved-IID paths). */
  readonly hash?: IidHash;
}

/** The address of every device, in the order of `deviceNames` (names must be unique). */
export function deriveDeviceAddresses(o: DeriveOptions): DeviceAddress[] {
  const prefix = parsePrefix64(o.prefix).bytes;
  const gatewayId = nodeIdFromText(o.gatewayId);
  if (new Set(o.deviceNames).size !== o.deviceNames.length) throw new RangeError('deriveDeviceAddresses: device names must be unique');
  const taken = new Set<string>();
  const byName = new Map<string, DeviceAddress>();
  for (const name of [...o.deviceNames].sort()) {
    for (let dadCounter = 0; ; dadCounter++) {
      if (dadCounter > MAX_DAD_COUNTER) throw new RangeError(`device "${name}": no usable interface identifier in ${MAX_DAD_COUNTER + 1} tries; is the hash broken?`);
      const iid = interfaceIdFor({ prefix, gatewayId, deviceName: name, dadCounter, ...(o.secret === undefined ? {} : { secret: o.secret }) }, o.hash);
      const key = Buffer.from(iid).toString('hex');
      if (isReservedInterfaceId(iid) || taken.has(key)) continue;
      taken.add(key);
      byName.set(name, { name, address: addressToText(Uint8Array.from([...prefix, ...iid])), dadCounter });
      break;
    }
  }
  return o.deviceNames.map((name) => byName.get(name) as DeviceAddress);
}
