/**
 * ATECC608 EEPROM zones and their access rules (datasheet DS40001977 §2.2 "EEPROM
 * Configuration zone", §2.3 "Data zone", §2.4 "OTP zone", §2.5 "Locking"; Read/Write/Lock
 * command tables §11; cryptoauthlib calib_get_addr for the address encoding).
 *
 * Must hold:
 * - Config zone 128 bytes: SN[0:3] at 0–3, RevNum 4–7, SN[4:8] at 8–12, I2C address 16,
 *   ChipMode 19, SlotConfig[16] (u16 LE) 20–51, UserExtra 84, UserExtraAdd 85, LockValue 86
 *   (data/OTP lock), LockConfig 87, SlotLocked 88–89 (bit clear = slot locked), KeyConfig[16]
 *   96–127. 0x55 = unlocked, 0x00 = locked; locking is irreversible.
 * - Data zone: slots 0–7 36 bytes, slot 8 416 bytes, slots 9–15 72 bytes. OTP 64 bytes.
 * - Address (param2): config/OTP: block << 3 | word; data: block << 8 | slot << 3 | word.
 * - Config zone: always readable; writable only before LockConfig; bytes 0–15 never
 *   writable; 84–87 only through UpdateExtra/Lock (a Write touching them fails).
 * - Data/OTP: no Read and no Write before the config zone is locked; no Read before the
 *   data zone is locked either. Before data lock every slot takes clear-text writes. After:
 *   a slot with SlotConfig.IsSecret (bit 7) is never read in clear text (EncryptRead, bit 6,
 *   needs GenDig, not modelled, so it fails too); Write follows SlotConfig.WriteConfig
 *   (bits 12–15): 0000 Always / 0001 PubInvalid take clear writes, Never and Encrypt
 *   (encrypted writes need a MAC, not modelled) fail.
 * - Lock summary: CRC (atCrc) of the config zone, or of all slots in order then OTP.
 * Failures return status 0x0F (execution error) or 0x03 (parse error: bad zone/address).
 */
import { Status, atCrc } from './atecc608-packet.js';

export const CONFIG_SIZE = 128;
export const OTP_SIZE = 64;
export const SLOT_COUNT = 16;
export const SLOT_SIZES: readonly number[] = Array.from({ length: SLOT_COUNT }, (_, s) => (s < 8 ? 36 : s === 8 ? 416 : 72));

export const ConfigOffset = {
  revNum: 4,
  i2cAddress: 16,
  chipMode: 19,
  slotConfig: 20,
  userExtra: 84,
  lockValue: 86,
  lockConfig: 87,
  slotLocked: 88,
  keyConfig: 96,
} as const;

export const UNLOCKED = 0x55;
export const LOCKED = 0x00;

/**
 * Bytes 16–127 as cryptoauthlib's test suite configures an ATECC608 (test/atca_test.c,
 * `test_ecc608_configdata`), with both zones unlocked: the simulated chip's state as shipped.
 */
const FACTORY_CONFIG_TAIL = Buffer.from(
  [
    'C000A100AF2FC4448720C4F48F0F0F0F',
    '9F8F8364C444C4640F0F0F0F0F0F0F0F',
    '0F0F0F0FFFFFFFFF00000000FFFFFFFF',
    '00000000FF8403BC0969760000000000',
    '0000000000005555FFFF0E4000000000',
    '33001C0013001C003C003E001C003300',
    '1C001C00381030003C003C0032003000',
  ].join(''),
  'hex',
);

export type ZoneResult = { readonly data: Buffer } | { readonly status: number };

interface Target {
  readonly zone: 'config' | 'otp' | 'data';
  readonly slot: number;
  readonly start: number;
  readonly length: number;
}

export class Atecc608Memory {
  readonly config = Buffer.alloc(CONFIG_SIZE);
  readonly otp = Buffer.alloc(OTP_SIZE, 0xff);
  readonly slots: Buffer[] = SLOT_SIZES.map((n) => Buffer.alloc(n, 0xff));

  constructor(serial: Uint8Array, revision: Uint8Array) {
    if (serial.length !== 9) throw new RangeError(`ATECC608 serial number must be 9 bytes, got ${serial.length}`);
    if (revision.length !== 4) throw new RangeError(`ATECC608 revision must be 4 bytes, got ${revision.length}`);
    this.config.set(serial.subarray(0, 4), 0);
    this.config.set(revision, ConfigOffset.revNum);
    this.config.set(serial.subarray(4, 9), 8);
    this.config[13] = 0x01; // AES_Enable
    this.config[14] = 0x01; // I2C_Enable: I2C interface
    FACTORY_CONFIG_TAIL.copy(this.config, 16);
  }

  get configLocked(): boolean {
    return this.config[ConfigOffset.lockConfig] !== UNLOCKED;
  }

  get dataLocked(): boolean {
    return this.config[ConfigOffset.lockValue] !== UNLOCKED;
  }

  slotConfig(slot: number): number {
    return this.config.readUInt16LE(ConfigOffset.slotConfig + 2 * slot);
  }

  keyConfig(slot: number): number {
    return this.config.readUInt16LE(ConfigOffset.keyConfig + 2 * slot);
  }

  slotLocked(slot: number): boolean {
    return (this.config.readUInt16LE(ConfigOffset.slotLocked) & (1 << slot)) === 0;
  }

  /** Read command (opcode 0x02). */
  read(param1: number, param2: number): ZoneResult {
    if ((param1 & ~0x83) !== 0) return { status: Status.parseError };
    const t = decodeAddress(param1, param2);
    if ('status' in t) return t;
    if (t.zone !== 'config') {
      if (!this.configLocked || !this.dataLocked) return { status: Status.executionError };
      if (t.zone === 'data' && (this.slotConfig(t.slot) & 0x80) !== 0) return { status: Status.executionError };
    }
    const src = this.bufferOf(t);
    return { data: Buffer.from(src.subarray(t.start, t.start + t.length)) };
  }

  /** Write command (opcode 0x12), clear text only. `value` must be 4 or 32 bytes as param1 says. */
  write(param1: number, param2: number, value: Buffer): number {
    if ((param1 & ~0xc3) !== 0) return Status.parseError;
    const t = decodeAddress(param1, param2);
    if ('status' in t) return t.status;
    if (value.length !== t.length) return Status.parseError;
    if ((param1 & 0x40) !== 0) return Status.executionError; // encrypted write: MAC/GenDig not modelled
    if (t.zone === 'config') {
      if (this.configLocked) return Status.executionError;
      const end = t.start + t.length;
      if (t.start < 16 || (t.start < ConfigOffset.lockConfig + 1 && end > ConfigOffset.userExtra)) return Status.executionError;
    } else {
      if (!this.configLocked) return Status.executionError;
      if (this.dataLocked) {
        if (t.zone === 'otp') return Status.executionError;
        const writeConfig = this.slotConfig(t.slot) >> 12;
        if (writeConfig > 0b0001 || this.slotLocked(t.slot)) return Status.executionError;
      }
    }
    value.copy(this.bufferOf(t), t.start);
    return Status.success;
  }

  /** Lock command (opcode 0x17). */
  lock(param1: number, param2: number): number {
    const mode = param1 & 0x03;
    const checkCrc = (param1 & 0x80) === 0;
    if ((param1 & 0x40) !== 0) return Status.parseError;
    switch (mode) {
      case 0:
        if (this.configLocked) return Status.executionError;
        if (checkCrc && atCrc(this.config) !== param2) return Status.executionError;
        this.config[ConfigOffset.lockConfig] = LOCKED;
        return Status.success;
      case 1:
        if (!this.configLocked || this.dataLocked) return Status.executionError;
        if (checkCrc && atCrc(Buffer.concat([...this.slots, this.otp])) !== param2) return Status.executionError;
        this.config[ConfigOffset.lockValue] = LOCKED;
        return Status.success;
      case 2: {
        const slot = (param1 >> 2) & 0x0f;
        const lockable = (this.keyConfig(slot) & 0x20) !== 0;
        if (!this.dataLocked || !lockable || this.slotLocked(slot)) return Status.executionError;
        if (checkCrc && atCrc(this.slots[slot] ?? Buffer.alloc(0)) !== param2) return Status.executionError;
        const bits = this.config.readUInt16LE(ConfigOffset.slotLocked) & ~(1 << slot);
        this.config.writeUInt16LE(bits & 0xffff, ConfigOffset.slotLocked);
        return Status.success;
      }
      default:
        return Status.parseError;
    }
  }

  private bufferOf(t: Target): Buffer {
    switch (t.zone) {
      case 'config':
        return this.config;
      case 'otp':
        return this.otp;
      case 'data':
        return this.slots[t.slot] ?? Buffer.alloc(0);
    }
  }
}

function decodeAddress(param1: number, param2: number): Target | { readonly status: number } {
  const length = (param1 & 0x80) !== 0 ? 32 : 4;
  const word = param2 & 0x07;
  switch (param1 & 0x03) {
    case 0: {
      const start = ((param2 >> 3) & 0x03) * 32 + (length === 32 ? 0 : word * 4);
      return { zone: 'config', slot: 0, start, length };
    }
    case 1: {
      const start = ((param2 >> 3) & 0x01) * 32 + (length === 32 ? 0 : word * 4);
      return { zone: 'otp', slot: 0, start, length };
    }
    case 2: {
      const slot = (param2 >> 3) & 0x0f;
      const start = ((param2 >> 8) & 0xff) * 32 + (length === 32 ? 0 : word * 4);
      if (start + length > (SLOT_SIZES[slot] ?? 0)) return { status: Status.parseError };
      return { zone: 'data', slot, start, length };
    }
    default:
      return { status: Status.parseError };
  }
}
