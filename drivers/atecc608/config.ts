/**
 * The ATECC608 configuration zone, host side (datasheet DS40001977 §2.2, Table 2-4
 * "Configuration Zone"; SlotConfig Table 2-5, KeyConfig Table 2-11).
 *
 * Must hold:
 * - 128 bytes: SN[0:3] 0–3, RevNum 4–7, SN[4:8] 8–12, I2C_Address 16 (8-bit form), ChipMode
 *   19, SlotConfig[16] u16 LE at 20, UserExtra 84, UserExtraAdd 85, LockValue 86 (data/OTP),
 *   LockConfig 87, SlotLocked 88–89, KeyConfig[16] u16 LE at 96. 0x55 unlocked, 0x00 locked.
 * - Write covers bytes 16–127 except 84–87 (UserExtra/Lock bytes: UpdateExtra and Lock only).
 * - A secret key slot: SlotConfig.IsSecret (bit 7) set, EncryptRead (bit 6) clear → never
 *   readable; WriteConfig (bits 12–15) Never (0b0010) → never rewritable after the data lock.
 */
export const CONFIG_ZONE_SIZE = 128;
export const SLOT_SIZES: readonly number[] = Array.from({ length: 16 }, (_, s) => (s < 8 ? 36 : s === 8 ? 416 : 72));

export const CONFIG_OFFSET = {
  i2cAddress: 16,
  chipMode: 19,
  slotConfig: 20,
  userExtra: 84,
  lockValue: 86,
  lockConfig: 87,
  slotLocked: 88,
  keyConfig: 96,
} as const;

/** SlotConfig for an HMAC key: IsSecret, no EncryptRead, WriteConfig Never; usable by SHA/MAC. */
export const SECRET_KEY_SLOT_CONFIG = 0x2080;
/** KeyConfig for it: KeyType 7 (SHA/other data, not an ECC key), not lockable, no ReqAuth. */
export const SECRET_KEY_KEY_CONFIG = 0x001c;

export interface Atecc608Config {
  readonly serialNumber: Buffer;
  readonly revision: Buffer;
  readonly configLocked: boolean;
  readonly dataLocked: boolean;
  readonly slotConfig: readonly number[];
  readonly keyConfig: readonly number[];
}

export function parseConfig(zone: Uint8Array): Atecc608Config {
  if (zone.length !== CONFIG_ZONE_SIZE) throw new RangeError(`an ATECC608 config zone is 128 bytes, got ${zone.length}`);
  const b = Buffer.from(zone);
  return {
    serialNumber: Buffer.concat([b.subarray(0, 4), b.subarray(8, 13)]),
    revision: Buffer.from(b.subarray(4, 8)),
    configLocked: b[CONFIG_OFFSET.lockConfig] !== 0x55,
    dataLocked: b[CONFIG_OFFSET.lockValue] !== 0x55,
    slotConfig: Array.from({ length: 16 }, (_, s) => b.readUInt16LE(CONFIG_OFFSET.slotConfig + 2 * s)),
    keyConfig: Array.from({ length: 16 }, (_, s) => b.readUInt16LE(CONFIG_OFFSET.keyConfig + 2 * s)),
  };
}

/** True when the chip will never return this slot in clear text once the data zone is locked. */
export function isSecretSlot(slotConfig: number): boolean {
  return (slotConfig & 0x80) !== 0;
}

export type WriteMode = 'always' | 'pub-invalid' | 'never' | 'encrypt';

/** SlotConfig.WriteConfig as the Write command reads it (Table 2-7). */
export function writeMode(slotConfig: number): WriteMode {
  const w = slotConfig >> 12;
  if (w === 0) return 'always';
  if (w === 1) return 'pub-invalid';
  if ((w & 0b0100) !== 0) return 'encrypt';
  return 'never';
}

/** A copy of `zone` with one slot's SlotConfig and KeyConfig set (for `writeConfig`). */
export function withSlot(zone: Uint8Array, slot: number, slotConfig: number, keyConfig: number): Buffer {
  checkSlot(slot);
  const b = Buffer.from(zone);
  b.writeUInt16LE(slotConfig, CONFIG_OFFSET.slotConfig + 2 * slot);
  b.writeUInt16LE(keyConfig, CONFIG_OFFSET.keyConfig + 2 * slot);
  return b;
}

export function checkSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < 0 || slot > 15) throw new RangeError(`ATECC608 slot ${slot} does not exist (0–15)`);
}
