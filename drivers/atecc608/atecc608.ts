/**
 * Host client for a Microchip ATECC608 secure element: what factory provisioning and the
 * gateway need. Every operation runs under one mutex (a SHA/HMAC sequence must not
 * interleave with another command) and goes through `Atecc608Link` (wake, send, poll, idle).
 *
 * Provisioning order (irreversible steps last): info → readConfigZone → writeConfig →
 * lockConfig → writeSlotKey → lockData → hmacSha256 to verify. The key never leaves the
 * chip after `writeSlotKey`: `hmacSha256` asks the chip (SHA command, HMAC Start with the
 * slot, Update, End with the output-only target), as cryptoauthlib's calib_sha_hmac does.
 */
import { Mutex } from '../../common/index.js';
import type { I2cBus } from '../i2c/index.js';
import { CONFIG_OFFSET, CONFIG_ZONE_SIZE, SLOT_SIZES, isSecretSlot, parseConfig, writeMode, type Atecc608Config } from './config.js';
import { Atecc608Error } from './errors.js';
import { Atecc608Link, type Atecc608LinkOptions, type Command } from './link.js';
import { STATUS, atcaCrc, statusName } from './packet.js';

const OP = { read: 0x02, write: 0x12, lock: 0x17, random: 0x1b, info: 0x30, sha: 0x47 } as const;
const ZONE = { config: 0x00, data: 0x02, block32: 0x80 } as const;

export type Atecc608Options = Atecc608LinkOptions;

export class Atecc608 {
  private readonly link: Atecc608Link;
  private readonly mutex = new Mutex();

  constructor(bus: I2cBus, options: Atecc608Options) {
    this.link = new Atecc608Link(bus, options);
  }

  /** "ATECC608 at i2c-N 0xAA", for messages. */
  get where(): string {
    return this.link.where;
  }

  /** Info revision (4 bytes); refuses a part that is not an ATECC608 (revision 00 00 60 xx). */
  info(): Promise<Buffer> {
    return this.mutex.run(async () => {
      const rev = await this.run({ opcode: OP.info, param1: 0, param2: 0 }, 'Info');
      if (rev.length !== 4 || rev[2] !== 0x60) {
        throw new Atecc608Error('wrong-chip', this.where, `Info revision is ${rev.toString('hex')}, not an ATECC608 (000060xx)`, 'fit an ATECC608A/B, or point the configuration at the right address');
      }
      return rev;
    });
  }

  /** The 9-byte unique serial number (config bytes 0–3 and 8–12). */
  async serialNumber(): Promise<Buffer> {
    return parseConfig(await this.readConfigZone()).serialNumber;
  }

  readConfigZone(): Promise<Buffer> {
    return this.mutex.run(() => this.configZone());
  }

  async isLocked(): Promise<{ config: boolean; data: boolean }> {
    const c = parseConfig(await this.readConfigZone());
    return { config: c.configLocked, data: c.dataLocked };
  }

  /** Writes bytes 16–127 of a 128-byte config image (skipping 84–87), as calib_write_config_zone. */
  writeConfig(image: Uint8Array): Promise<void> {
    return this.mutex.run(() =>
      this.explained(async () => {
        if (image.length !== CONFIG_ZONE_SIZE) throw this.invalid(`a config image is 128 bytes, got ${image.length}`);
        for (let offset = 16; offset < CONFIG_ZONE_SIZE; ) {
          const whole = offset % 32 === 0 && offset !== 64; // block 2 holds 84–87: word writes only
          const length = whole ? 32 : 4;
          if (offset !== CONFIG_OFFSET.userExtra) {
            const param2 = ((offset >> 5) << 3) | ((offset % 32) >> 2);
            const data = image.subarray(offset, offset + length);
            await this.run({ opcode: OP.write, param1: ZONE.config | (whole ? ZONE.block32 : 0), param2, data }, `Write config bytes ${offset}–${offset + length - 1}`);
          }
          offset += length;
        }
      }, (c) => (c.configLocked ? this.locked('config', 'it can never be written again', 'use the chip as configured, or fit a new one') : undefined)),
    );
  }

  /**
   * Locks the config zone (irreversible). With `expected`, the chip locks only if its zone
   * matches that image (summary CRC); otherwise the zone as read now is what gets locked.
   */
  lockConfig(expected?: Uint8Array): Promise<void> {
    return this.mutex.run(async () => {
      const image = Buffer.from(expected ?? (await this.configZone()));
      image[CONFIG_OFFSET.lockValue] = 0x55;
      image[CONFIG_OFFSET.lockConfig] = 0x55;
      await this.explained(
        () => this.run({ opcode: OP.lock, param1: 0x00, param2: atcaCrc(image) }, 'Lock config'),
        (c) =>
          c.configLocked
            ? this.locked('config', 'it is already locked (locking is irreversible)', 'skip this step: the chip was configured before')
            : new Atecc608Error('refused', this.where, 'the config zone differs from the expected image (summary CRC mismatch); it stays unlocked', 'write the config again and retry', STATUS.execution),
      );
    });
  }

  /** Locks the data and OTP zones (irreversible; no summary CRC, as calib_lock_data_zone). */
  lockData(): Promise<void> {
    return this.mutex.run(() =>
      this.explained(
        async () => void (await this.run({ opcode: OP.lock, param1: 0x81, param2: 0 }, 'Lock data')),
        (c) =>
          !c.configLocked
            ? this.needsLock('config', 'lock the data zone')
            : c.dataLocked
              ? this.locked('data', 'it is already locked (locking is irreversible)', 'skip this step: the chip was provisioned before')
              : undefined,
      ),
    );
  }

  /** Writes a 32-byte key into a slot, before the data zone is locked (clear-text write). */
  writeSlotKey(slot: number, key: Uint8Array): Promise<void> {
    return this.mutex.run(() =>
      this.explained(
        async () => {
          this.checkSlot(slot);
          if (key.length !== 32) throw this.invalid(`a slot key is 32 bytes, got ${key.length}`);
          await this.run({ opcode: OP.write, param1: ZONE.data | ZONE.block32, param2: slot << 3, data: key }, `Write slot ${slot}`);
        },
        (c) =>
          !c.configLocked
            ? this.needsLock('config', 'write a key')
            : c.dataLocked && writeMode(c.slotConfig[slot] ?? 0) !== 'always'
              ? this.locked('data', `slot ${slot} refuses clear writes now (WriteConfig ${writeMode(c.slotConfig[slot] ?? 0)})`, 'keys go in before lockData(); this chip keeps the key it has')
              : undefined,
      ),
    );
  }

  /**
   * Writes one 32-byte block (`block` × 32 bytes into the slot) of a data slot in clear text:
   * any slot before the data lock; after it, only a slot whose WriteConfig is Always.
   * Address: block << 8 | slot << 3 (calib_get_addr). Slot 8 has blocks 0–12, 9–15 blocks 0–1.
   */
  writeSlotBlock(slot: number, block: number, data: Uint8Array): Promise<void> {
    return this.mutex.run(() =>
      this.explained(
        async () => {
          this.checkSlot(slot);
          const blocks = Math.floor((SLOT_SIZES[slot] ?? 0) / 32);
          if (!Number.isInteger(block) || block < 0 || block >= blocks) throw this.invalid(`slot ${slot} has whole blocks 0–${blocks - 1}, not ${block}`);
          if (data.length !== 32) throw this.invalid(`a block is 32 bytes, got ${data.length}`);
          await this.run({ opcode: OP.write, param1: ZONE.data | ZONE.block32, param2: (block << 8) | (slot << 3), data }, `Write slot ${slot} block ${block}`);
        },
        (c) =>
          !c.configLocked
            ? this.needsLock('config', `write slot ${slot}`)
            : c.dataLocked && writeMode(c.slotConfig[slot] ?? 0) !== 'always'
              ? this.locked('data', `slot ${slot} refuses clear writes now (WriteConfig ${writeMode(c.slotConfig[slot] ?? 0)})`, 'data goes in before lockData(); this slot keeps what it holds')
              : undefined,
      ),
    );
  }

  /** Reads a whole slot in clear text (refused by the chip for secret slots and before the data lock). */
  read(slot: number): Promise<Buffer> {
    return this.mutex.run(() =>
      this.explained(
        async () => {
          this.checkSlot(slot);
          const size = SLOT_SIZES[slot] ?? 0;
          const parts: Buffer[] = [];
          for (let offset = 0; offset < size; ) {
            const whole = size - offset >= 32;
            const param2 = ((offset >> 5) << 8) | (slot << 3) | ((offset % 32) >> 2);
            parts.push(await this.run({ opcode: OP.read, param1: ZONE.data | (whole ? ZONE.block32 : 0), param2 }, `Read slot ${slot}`));
            offset += whole ? 32 : 4;
          }
          return Buffer.concat(parts);
        },
        (c) => {
          const sc = c.slotConfig[slot] ?? 0;
          if (!c.dataLocked) return this.needsLock('data', `read slot ${slot}`);
          if (!isSecretSlot(sc)) return undefined;
          return new Atecc608Error('not-readable', this.where, `slot ${slot} is secret (SlotConfig 0x${hex16(sc)}: IsSecret set), the chip never reveals it`, `use hmacSha256(${slot}, message) to use the key`, STATUS.execution);
        },
      ),
    );
  }

  /** HMAC-SHA256(key in `slot`, message), computed by the chip; the key stays inside. */
  hmacSha256(slot: number, message: Uint8Array): Promise<Buffer> {
    return this.mutex.run(() =>
      this.explained(async () => {
        this.checkSlot(slot);
        await this.run({ opcode: OP.sha, param1: 0x04, param2: slot }, `SHA HMAC start with slot ${slot}`);
        let offset = 0;
        for (; message.length - offset > 64; offset += 64) {
          await this.run({ opcode: OP.sha, param1: 0x01, param2: 64, data: message.subarray(offset, offset + 64) }, 'SHA update');
        }
        const rest = message.subarray(offset);
        return await this.run({ opcode: OP.sha, param1: 0xc2, param2: rest.length, data: rest }, 'SHA HMAC end'); // 0xC0: output only
      }, (c) => (c.dataLocked ? undefined : this.needsLock('data', `compute an HMAC with slot ${slot}`))),
    );
  }

  /** 32 random bytes (FF FF 00 00 … until the config zone is locked, as the chip does). */
  random(): Promise<Buffer> {
    return this.mutex.run(() => this.run({ opcode: OP.random, param1: 0, param2: 0 }, 'Random'));
  }

  /** Puts the chip to sleep (lowest power; volatile state cleared). */
  sleep(): Promise<void> {
    return this.mutex.run(() => this.link.sleep());
  }

  private async configZone(): Promise<Buffer> {
    const blocks: Buffer[] = [];
    for (let block = 0; block < 4; block++) {
      blocks.push(await this.run({ opcode: OP.read, param1: ZONE.config | ZONE.block32, param2: block << 3 }, 'Read config'));
    }
    return Buffer.concat(blocks);
  }

  private run(cmd: Command, what: string): Promise<Buffer> {
    return this.link.execute(cmd, (status) => new Atecc608Error('refused', this.where, `${what} refused: ${statusName(status)}`, 'check the chip state with readConfigZone()', status));
  }

  /** Runs `task`; when the chip answers "execution error", reads the config zone to say why. */
  private async explained<T>(task: () => Promise<T>, diagnose: (c: Atecc608Config) => Atecc608Error | undefined): Promise<T> {
    try {
      return await task();
    } catch (e) {
      if (!(e instanceof Atecc608Error) || e.status !== STATUS.execution) throw e;
      const why = diagnose(parseConfig(await this.configZone()));
      throw why ?? e;
    }
  }

  private locked(zone: 'config' | 'data', problem: string, fix: string): Atecc608Error {
    return new Atecc608Error('locked', this.where, `the ${zone} zone is locked: ${problem}`, fix, STATUS.execution);
  }

  private needsLock(zone: 'config' | 'data', toDo: string): Atecc608Error {
    return new Atecc608Error('unlocked', this.where, `the ${zone} zone is not locked, and the chip will not ${toDo} before`, `lock the ${zone} zone first (lock${zone === 'config' ? 'Config' : 'Data'}())`, STATUS.execution);
  }

  private checkSlot(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot > 15) throw this.invalid(`slot ${slot} does not exist (0–15)`);
  }

  private invalid(problem: string): Atecc608Error {
    return new Atecc608Error('invalid', this.where, problem, 'fix the call');
  }
}


function hex16(n: number): string {
  return n.toString(16).padStart(4, '0');
}
