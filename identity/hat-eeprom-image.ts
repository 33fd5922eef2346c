/**
 * The HAT ID EEPROM image PIA writes, and what an image read back holds (raspberrypi/hats
 * eeprom-format.md; drivers/hat-eeprom for the codec).
 *
 *   atom 0  vendor info: UUID = the node ID (the Pi shows it in /proc/device-tree/hat/uuid),
 *           product id/version, vendor and product strings
 *   atom 1  GPIO map: every pin unused (the HAT spec requires atoms 1 and 2)
 *   atom 2  custom: PiaHatData ("pia-hat/1": nodeId, model, hardwareRevision, kind, label,
 *           server, and the ATECC608 serial when there is one)
 *
 * Must hold: the image is world-readable on the Pi, so it holds public facts only, never a key.
 * Reading, every image falls in one class:
 *   blank    no "R-Pi" signature (0xFF as shipped, or not a HAT image at all): nothing to keep
 *   torn     a signature, but a length, atom or CRC that does not check: a write did not finish
 *   other    a valid image without a whole PIA identity: another HAT's image, or a PIA atom
 *            from an older tool without kind/label/server; `id` is its vendor UUID / node ID
 *   pia      a valid image whose PIA atom and vendor UUID agree on a whole BoardIdentity
 */
import {
  ATOM_TYPE,
  HatEepromError,
  crc16Arc,
  decodeHatImage,
  decodePiaHatData,
  decodeVendorInfo,
  encodeGpioMap,
  encodeHatImage,
  encodePiaHatData,
  encodeVendorInfo,
  type PiaHatData,
} from '../drivers/hat-eeprom/index.js';
import { identityFromJson } from './identity.js';
import type { BoardIdentity } from './types.js';

export interface HatImageOptions {
  readonly vendor?: string;
  readonly product?: string;
  readonly productId?: number;
  readonly productVersion?: number;
  readonly model?: string;
  readonly hardwareRevision?: string;
  readonly secureElementSerial?: string;
}

export const HAT_DEFAULTS = { vendor: 'PIA Project', product: 'PIA Gateway', productId: 0x0001, productVersion: 1, model: 'pia-gateway', hardwareRevision: 'A' } as const;

export type HatContent =
  | { readonly kind: 'blank' }
  | { readonly kind: 'torn'; readonly detail: string; readonly id?: string }
  | { readonly kind: 'other'; readonly detail: string; readonly id?: string }
  | { readonly kind: 'pia'; readonly identity: BoardIdentity };

export function buildHatImage(identity: BoardIdentity, o: HatImageOptions = {}): Buffer {
  const data: Omit<PiaHatData, 'format'> = {
    nodeId: identity.id,
    model: o.model ?? HAT_DEFAULTS.model,
    hardwareRevision: o.hardwareRevision ?? HAT_DEFAULTS.hardwareRevision,
    ...(o.secureElementSerial !== undefined ? { secureElementSerial: o.secureElementSerial } : {}),
    kind: identity.kind,
    label: identity.label,
    server: { address: identity.server.address, port: identity.server.port, id: identity.server.id },
  };
  const vendor = {
    uuid: identity.id,
    productId: o.productId ?? HAT_DEFAULTS.productId,
    productVersion: o.productVersion ?? HAT_DEFAULTS.productVersion,
    vendor: o.vendor ?? HAT_DEFAULTS.vendor,
    product: o.product ?? HAT_DEFAULTS.product,
  };
  return encodeHatImage([
    { type: ATOM_TYPE.vendorInfo, data: encodeVendorInfo(vendor) },
    { type: ATOM_TYPE.gpioMap, data: encodeGpioMap() },
    { type: ATOM_TYPE.custom, data: encodePiaHatData(data) },
  ]);
}

/** Classifies `bytes`, read from offset 0 (the header's eeplen of them, or all the chip has). */
export function classifyHatImage(bytes: Uint8Array): HatContent {
  const b = Buffer.from(bytes);
  if (b.length < 4 || b.subarray(0, 4).toString('latin1') !== 'R-Pi') return { kind: 'blank' };
  let atoms;
  try {
    atoms = decodeHatImage(b).atoms;
  } catch (e) {
    if (!(e instanceof HatEepromError)) throw e;
    const id = salvageVendorUuid(b);
    return { kind: 'torn', detail: `a torn or corrupt HAT image (${e.message.split('; ')[0] ?? e.message}): a write did not finish`, ...(id !== undefined ? { id } : {}) };
  }
  const vendorAtom = atoms.find((a) => a.type === ATOM_TYPE.vendorInfo);
  const vendor = vendorAtom === undefined ? undefined : tryDecode(() => decodeVendorInfo(vendorAtom.data));
  const pia = atoms.filter((a) => a.type === ATOM_TYPE.custom).map((a) => tryDecode(() => decodePiaHatData(a.data))).find((d) => d !== undefined);
  if (pia === undefined) {
    const who = vendor === undefined ? 'no vendor info' : `vendor ${JSON.stringify(vendor.vendor)}, product ${JSON.stringify(vendor.product)}, UUID ${vendor.uuid}`;
    return { kind: 'other', detail: `a HAT image without a PIA atom (${who}): not written by pia-provision`, ...(vendor !== undefined ? { id: vendor.uuid } : {}) };
  }
  const identity = identityFromJson({ id: pia.nodeId, kind: pia.kind, label: pia.label, server: pia.server });
  if ('problem' in identity) return { kind: 'other', detail: `a PIA atom for node ${pia.nodeId} without a whole identity (${identity.problem})`, id: pia.nodeId };
  if (vendor?.uuid !== pia.nodeId) {
    return { kind: 'other', detail: `the vendor UUID ${vendor?.uuid ?? '(none)'} differs from the PIA atom's node ID ${pia.nodeId}`, id: pia.nodeId };
  }
  return { kind: 'pia', identity };
}

/** The vendor UUID from a torn image when its first atom (vendor info) is whole and checks. */
function salvageVendorUuid(b: Buffer): string | undefined {
  if (b.length < 20 || b.readUInt16LE(12) !== ATOM_TYPE.vendorInfo) return undefined;
  const end = 20 + b.readUInt32LE(16);
  if (end > b.length || end < 22 || b.readUInt16LE(end - 2) !== crc16Arc(b, 12, end - 2)) return undefined;
  return tryDecode(() => decodeVendorInfo(b.subarray(20, end - 2)))?.uuid;
}

function tryDecode<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch (e) {
    if (e instanceof HatEepromError) return undefined;
    throw e;
  }
}
