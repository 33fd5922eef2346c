/**
 * The ATECC608 configuration PIA needs (datasheet DS40001977 Table 2-5 SlotConfig, Table 2-7
 * WriteConfig, Table 2-11 KeyConfig): two slots set, every other byte left as the chip holds it.
 *
 *   key slot (default 0)  SlotConfig 0x2080: IsSecret, no EncryptRead, WriteConfig Never
 *                         KeyConfig 0x001C: KeyType 7 (SHA/HMAC key), no ReqAuth
 *                         → never readable, never writable after the data lock, usable by SHA/HMAC
 *   id slot (default 8)   SlotConfig 0x2000: not secret (Read in clear), WriteConfig Never
 *                         KeyConfig 0x001C
 *                         → the identity record is readable and can never change after the data lock
 *
 * `configProblem` accepts any locked configuration with those properties (not only these exact
 * values), and names the first slot and bit that rule a chip out.
 */
import { SECRET_KEY_KEY_CONFIG, SECRET_KEY_SLOT_CONFIG, isSecretSlot, withSlot, writeMode, type Atecc608Config } from '../drivers/atecc608/index.js';

export const ID_SLOT_CONFIG = 0x2000;
export const ID_KEY_CONFIG = 0x001c;

/** Bytes Write covers (16–127) except UserExtra/LockValue/LockConfig (84–87). */
const WRITABLE: readonly (readonly [number, number])[] = [
  [16, 84],
  [88, 128],
];

/** The config zone `zone` with PIA's key and id slots set: what `writeConfig` and `lockConfig` get. */
export function piaConfigImage(zone: Uint8Array, keySlot: number, idSlot: number): Buffer {
  return withSlot(withSlot(zone, keySlot, SECRET_KEY_SLOT_CONFIG, SECRET_KEY_KEY_CONFIG), idSlot, ID_SLOT_CONFIG, ID_KEY_CONFIG);
}

/** True when the writable bytes of `zone` already equal `image` (nothing for "write config" to do). */
export function holdsImage(zone: Uint8Array, image: Uint8Array): boolean {
  return WRITABLE.every(([from, to]) => Buffer.from(zone.subarray(from, to)).equals(image.subarray(from, to)));
}

/** Why a chip configured as `c` cannot hold a PIA identity in these slots, or undefined when it can. */
export function configProblem(c: Atecc608Config, keySlot: number, idSlot: number): string | undefined {
  const ks = c.slotConfig[keySlot] ?? 0;
  const kk = c.keyConfig[keySlot] ?? 0;
  const key = `slot ${keySlot} (the node key, SlotConfig 0x${hex4(ks)}, KeyConfig 0x${hex4(kk)})`;
  if (!isSecretSlot(ks)) return `${key} is not secret (IsSecret clear): its key could be read back`;
  if ((ks & 0x40) !== 0) return `${key} has EncryptRead set: its key could be read back encrypted`;
  if (writeMode(ks) !== 'never') return `${key} stays writable after the data lock (WriteConfig ${writeMode(ks)})`;
  if (((kk >> 2) & 0x07) !== 0x07) return `${key} has KeyType ${(kk >> 2) & 0x07}, not 7 (a SHA/HMAC key)`;
  if ((kk & 0x80) !== 0) return `${key} requires an authorizing key (KeyConfig ReqAuth)`;
  const is = c.slotConfig[idSlot] ?? 0;
  const id = `slot ${idSlot} (the identity record, SlotConfig 0x${hex4(is)})`;
  if (isSecretSlot(is)) return `${id} is secret: the record could never be read`;
  if (writeMode(is) !== 'never') return `${id} stays writable after the data lock (WriteConfig ${writeMode(is)})`;
  return undefined;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0').toUpperCase();
}
