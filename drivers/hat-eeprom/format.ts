/**
 * The Raspberry Pi HAT ID EEPROM image (raspberrypi/hats eeprom-format.md, eepromutils
 * eeptypes.h and eepmake.c; docs/hardware.md#hat-eeprom).
 *
 * Layout, all integers little-endian:
 *   header (12): signature "R-Pi" (52 2D 50 69), version u8 (0x01), reserved u8 (0),
 *                numatoms u16, eeplen u32 (total bytes of the image, header included)
 *   atom (10 + N): type u16, count u16 (0, 1, 2… in image order), dlen u32 (= N + 2),
 *                  data (N), CRC-16/ARC u16 over type, count, dlen and data
 * Atom types: 1 vendor info, 2 GPIO map, 3 device tree blob, 4 manufacturer custom data;
 * 0 and 0xFFFF invalid. The boot firmware exposes vendor info and custom atoms under the
 * world-readable /proc/device-tree/hat/: an image must never hold a secret.
 */
import { crc16Arc } from './crc16-arc.js';
import { HatEepromError } from './errors.js';

export const HAT_SIGNATURE = Buffer.from('R-Pi', 'ascii');
export const HAT_FORMAT_VERSION = 0x01;
export const HEADER_SIZE = 12;
/** Atom overhead: type, count, dlen and the CRC. */
export const ATOM_OVERHEAD = 10;

export const ATOM_TYPE = { vendorInfo: 0x0001, gpioMap: 0x0002, deviceTree: 0x0003, custom: 0x0004 } as const;

const TYPE_NAMES = new Map<number, string>([
  [ATOM_TYPE.vendorInfo, 'vendor info'],
  [ATOM_TYPE.gpioMap, 'GPIO map'],
  [ATOM_TYPE.deviceTree, 'device tree'],
  [ATOM_TYPE.custom, 'custom data'],
]);

export interface HatAtom {
  readonly type: number;
  readonly data: Buffer;
}

export interface DecodedAtom extends HatAtom {
  readonly count: number;
  /** Byte offset of the atom in the image. */
  readonly offset: number;
}

export interface HatImage {
  readonly version: number;
  readonly atoms: readonly DecodedAtom[];
  /** eeplen: bytes of the image (header included). */
  readonly length: number;
}

export function atomName(type: number): string {
  return `type 0x${type.toString(16).padStart(4, '0')} (${TYPE_NAMES.get(type) ?? 'unknown'})`;
}

/** Builds an image; atoms are numbered in the order given, as eepmake does. */
export function encodeHatImage(atoms: readonly HatAtom[]): Buffer {
  const parts: Buffer[] = [];
  atoms.forEach((atom, count) => {
    if (atom.type === 0 || atom.type === 0xffff) throw new HatEepromError('invalid', `atom ${count}: ${atomName(atom.type)} is an invalid atom type`, 'use types 1–4');
    const a = Buffer.alloc(ATOM_OVERHEAD + atom.data.length);
    a.writeUInt16LE(atom.type, 0);
    a.writeUInt16LE(count, 2);
    a.writeUInt32LE(atom.data.length + 2, 4);
    atom.data.copy(a, 8);
    a.writeUInt16LE(crc16Arc(a, 0, a.length - 2), a.length - 2);
    parts.push(a);
  });
  const header = Buffer.alloc(HEADER_SIZE);
  HAT_SIGNATURE.copy(header, 0);
  header[4] = HAT_FORMAT_VERSION;
  header.writeUInt16LE(atoms.length, 6);
  header.writeUInt32LE(HEADER_SIZE + parts.reduce((n, p) => n + p.length, 0), 8);
  return Buffer.concat([header, ...parts]);
}

/** The header's eeplen, after checking signature and version; for reading just enough bytes. */
export function imageLength(header: Uint8Array): number {
  const h = Buffer.from(header);
  if (h.length < HEADER_SIZE || !h.subarray(0, 4).equals(HAT_SIGNATURE)) {
    const sig = h.subarray(0, 4).toString('hex');
    throw new HatEepromError('format', `no HAT EEPROM image: the signature is ${sig || 'missing'}, not 522d5069 ("R-Pi")`, 'write an image (pia-provision, or eepmake + eepflash.sh)');
  }
  if (h[4] !== HAT_FORMAT_VERSION) {
    throw new HatEepromError('format', `HAT EEPROM format version ${h[4] ?? '?'} is not supported (only 1)`, 'rewrite the image in format version 1');
  }
  return h.readUInt32LE(8);
}

/** Parses and checks an image: signature, version, lengths, every atom's CRC. */
export function decodeHatImage(bytes: Uint8Array): HatImage {
  const b = Buffer.from(bytes);
  const length = imageLength(b);
  if (length < HEADER_SIZE || length > b.length) {
    throw new HatEepromError('format', `HAT EEPROM header says eeplen ${length}, but ${b.length} bytes are there`, 'the image is truncated or the header corrupt: rewrite it');
  }
  const numAtoms = b.readUInt16LE(6);
  const atoms: DecodedAtom[] = [];
  let offset = HEADER_SIZE;
  for (let i = 0; i < numAtoms; i++) {
    if (offset + ATOM_OVERHEAD > length) {
      throw new HatEepromError('format', `HAT EEPROM atom ${i} at offset ${offset} runs past eeplen ${length} (numatoms ${numAtoms})`, 'the header and atoms disagree: rewrite the image');
    }
    const type = b.readUInt16LE(offset);
    const count = b.readUInt16LE(offset + 2);
    const dlen = b.readUInt32LE(offset + 4);
    const end = offset + 8 + dlen;
    if (dlen < 2 || end > length) {
      throw new HatEepromError('format', `HAT EEPROM atom ${i} (${atomName(type)}) at offset ${offset}: dlen ${dlen} does not fit in eeplen ${length}`, 'rewrite the image');
    }
    const stored = b.readUInt16LE(end - 2);
    const computed = crc16Arc(b, offset, end - 2);
    if (stored !== computed) {
      throw new HatEepromError(
        'crc',
        `HAT EEPROM atom ${i} (${atomName(type)}) at offset ${offset}: CRC stored 0x${hex4(stored)}, computed 0x${hex4(computed)}`,
        'the EEPROM content is corrupt: rewrite the image',
      );
    }
    atoms.push({ type, count, offset, data: Buffer.from(b.subarray(offset + 8, end - 2)) });
    offset = end;
  }
  return { version: b[4] ?? 0, atoms, length };
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
