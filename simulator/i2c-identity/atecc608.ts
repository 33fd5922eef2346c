/**
 * A simulated Microchip ATECC608 secure element on I2C (default 0x60), as an `I2cTarget`
 * (docs/hardware.md#atecc608).
 *
 * Flow of one transaction (`transfer`):
 *  1. the watchdog is checked first: ~1.3 s after a wake (tWATCHDOG; ~13 s with ChipMode
 *     bit 2) an awake chip falls asleep and loses its volatile state (TempKey, SHA context);
 *  2. asleep or idle, the chip sees no I2C address at all: the transaction is NACKed, and it
 *     is taken as the wake pulse (see "Wake" below); the chip answers again tWHI = 1.5 ms
 *     later, its output buffer holding the wake response `04 11 33 43`;
 *  3. while waking or executing a command the chip NACKs its address (the host polls);
 *  4. awake, the first written byte is the word address: 0x00 reset the I/O buffer address,
 *     0x01 sleep, 0x02 idle, 0x03 command (packet parsed and checked, then executed:
 *     atecc608-commands.ts); any other word address is NACKed;
 *  5. read bytes come from the output buffer at its address counter (0xFF past its end).
 *
 * Wake, mapped onto a virtual bus: a real host wakes the chip by holding SDA low for
 * tWLO ≥ 60 µs, in practice by clocking a 0x00 byte to address 0x00 at 100 kHz
 * (cryptoauthlib calib_wakeup_i2c). A virtual bus has no part at address 0 and no SDA
 * level, so here any transaction addressed to the sleeping chip stands for that pulse: it
 * is NACKed (a sleeping chip does not acknowledge) and wakes the chip. This also holds on a
 * real bus at 100 kHz: addressing 0x60 for a write keeps SDA low for 7 bit times (70 µs).
 *
 * A command whose execution time would run past the watchdog is not executed: the chip
 * answers status 0xEE, and the host must idle or sleep it and wake it again (§6.5.3).
 * Faults are applied by the bus (simulator/i2c/virtual-bus.ts): a 'crc' fault flips the
 * last byte read, which is the high byte of the response CRC.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../common/index.js';
import { I2cError } from '../../drivers/i2c/index.js';
import { FaultInjector } from '../faults.js';
import type { I2cTarget } from '../types.js';
import { EXECUTION_MS, PARSE_MS, execute, type VolatileState } from './atecc608-commands.js';
import { Status, WordAddress, parseCommand, statusPacket } from './atecc608-packet.js';
import { Atecc608Memory, ConfigOffset } from './atecc608-zones.js';

export const ATECC608_DEFAULT_ADDRESS = 0x60;
/** Info revision of an ATECC608A (the B answers 00 00 60 03). */
export const ATECC608A_REVISION: readonly number[] = [0x00, 0x00, 0x60, 0x02];
export const WAKE_RESPONSE: readonly number[] = [0x04, 0x11, 0x33, 0x43];
/** Wake high delay to data communication, tWHI (datasheet Table "I2C AC Parameters"). */
export const T_WHI_MS = 1.5;
export const WATCHDOG_MS = 1300;
export const WATCHDOG_LONG_MS = 13_000;

export type Atecc608Power = 'sleep' | 'idle' | 'awake';

export interface Atecc608SimOptions {
  readonly clock: Clock;
  /** 7-bit address; default 0x60 (I2C_Address 0xC0 in the config zone). */
  readonly address?: number;
  /** Makes the serial number and the random numbers unique per simulated chip, repeatably. */
  readonly seed?: number | string;
  /** 9 bytes; default 01 23 <6 bytes from the seed> EE. */
  readonly serialNumber?: Uint8Array;
  /** Info revision (4 bytes); default ATECC608A. Another value simulates a different chip. */
  readonly revision?: Uint8Array;
  /** Random bytes after the config zone is locked; default a generator seeded by `seed`. */
  readonly random?: (length: number) => Buffer;
}

export class Atecc608Sim implements I2cTarget {
  readonly part = 'ATECC608';
  readonly address: number;
  readonly faults = new FaultInjector();
  private readonly clock: Clock;
  private readonly memory: Atecc608Memory;
  private readonly revision: Buffer;
  private readonly random: (length: number) => Buffer;
  private readonly volatile: VolatileState = { tempKey: undefined, sha: undefined };
  private mode: Atecc608Power = 'sleep';
  /** I/O answers again at this time (after a wake pulse or a command). */
  private readyAt = 0;
  private watchdogAt = Number.POSITIVE_INFINITY;
  private output: Buffer = Buffer.alloc(0);
  private pointer = 0;

  constructor(options: Atecc608SimOptions) {
    this.clock = options.clock;
    this.address = options.address ?? ATECC608_DEFAULT_ADDRESS;
    const seed = String(options.seed ?? 0);
    const serial = options.serialNumber ?? defaultSerial(seed);
    this.revision = Buffer.from(options.revision ?? ATECC608A_REVISION);
    this.memory = new Atecc608Memory(serial, this.revision);
    this.random = options.random ?? seededRandom(seed);
  }

  /** Sleep, idle or awake (as of the last transaction or watchdog check). */
  get power(): Atecc608Power {
    this.checkWatchdog(this.clock.now());
    return this.mode;
  }

  get configLocked(): boolean {
    return this.memory.configLocked;
  }

  get dataLocked(): boolean {
    return this.memory.dataLocked;
  }

  get serialNumber(): Buffer {
    return Buffer.concat([this.memory.config.subarray(0, 4), this.memory.config.subarray(8, 13)]);
  }

  /** A copy of the config zone, for tests and `pia-sim` inspection. */
  get configZone(): Buffer {
    return Buffer.from(this.memory.config);
  }

  /** A copy of a slot as stored, bypassing access rules: the simulator's view, not the host's. */
  peekSlot(slot: number): Buffer {
    return Buffer.from(this.memory.slots[slot] ?? Buffer.alloc(0));
  }

  /** Power off and on: volatile state gone, the chip asleep, EEPROM kept. */
  powerCycle(): void {
    this.enterSleep();
    this.readyAt = 0;
  }

  transfer(write: Buffer, readLength: number): Buffer {
    const now = this.clock.now();
    this.checkWatchdog(now);
    if (this.mode !== 'awake') {
      this.wake(now);
      throw this.nack('asleep; this transaction served as the wake pulse, answer in 1.5 ms');
    }
    if (now < this.readyAt) throw this.nack('busy (waking up or executing a command)');
    if (write.length > 0) this.onWrite(write, now);
    if (readLength === 0) return Buffer.alloc(0);
    if (this.mode !== 'awake' || now < this.readyAt) throw this.nack('asleep or busy after the write');
    const out = Buffer.alloc(readLength, 0xff);
    this.output.copy(out, 0, Math.min(this.pointer, this.output.length));
    this.pointer += readLength;
    return out;
  }

  private onWrite(write: Buffer, now: number): void {
    const wordAddress = write[0] ?? WordAddress.reset;
    switch (wordAddress) {
      case WordAddress.reset:
        this.pointer = 0;
        return;
      case WordAddress.sleep:
        this.enterSleep();
        return;
      case WordAddress.idle:
        this.mode = 'idle';
        this.watchdogAt = Number.POSITIVE_INFINITY;
        return;
      case WordAddress.command:
        this.command(write.subarray(1), now);
        return;
      default:
        throw this.nack(`word address 0x${wordAddress.toString(16)} is not 0x00–0x03`);
    }
  }

  private command(group: Buffer, now: number): void {
    this.pointer = 0;
    const cmd = parseCommand(group);
    if ('status' in cmd) {
      this.respond(statusPacket(cmd.status), now + PARSE_MS);
      return;
    }
    const execMs = EXECUTION_MS.get(cmd.opcode);
    if (execMs === undefined) {
      this.respond(statusPacket(Status.parseError), now + PARSE_MS);
    } else if (now + execMs > this.watchdogAt) {
      this.respond(statusPacket(Status.watchdogAboutToExpire), now + PARSE_MS);
    } else {
      const ctx = { memory: this.memory, volatile: this.volatile, revision: this.revision, random: this.random };
      this.respond(execute(ctx, cmd), now + execMs);
    }
  }

  private respond(packet: Buffer, readyAt: number): void {
    this.output = packet;
    this.pointer = 0;
    this.readyAt = readyAt;
  }

  private wake(now: number): void {
    this.mode = 'awake';
    this.respond(Buffer.from(WAKE_RESPONSE), now + T_WHI_MS);
    const long = ((this.memory.config[ConfigOffset.chipMode] ?? 0) & 0x04) !== 0;
    this.watchdogAt = now + (long ? WATCHDOG_LONG_MS : WATCHDOG_MS);
  }

  private checkWatchdog(now: number): void {
    if (this.mode === 'awake' && now >= this.watchdogAt) this.enterSleep();
  }

  private enterSleep(): void {
    this.mode = 'sleep';
    this.watchdogAt = Number.POSITIVE_INFINITY;
    this.volatile.tempKey = undefined;
    this.volatile.sha = undefined;
    this.output = Buffer.alloc(0);
    this.pointer = 0;
  }

  private nack(detail: string): I2cError {
    return new I2cError('nack', 0, this.address, `${this.part} ${detail}`);
  }
}

/** SN[0:1] = 01 23 and SN[8] = EE as on every ATECC608; SN[2:7] unique per seed. */
function defaultSerial(seed: string): Buffer {
  const middle = createHash('sha256').update(`atecc608-serial:${seed}`).digest().subarray(0, 6);
  return Buffer.concat([Buffer.of(0x01, 0x23), middle, Buffer.of(0xee)]);
}

function seededRandom(seed: string): (length: number) => Buffer {
  let counter = 0;
  return (length) => {
    const blocks: Buffer[] = [];
    for (let have = 0; have < length; have += 32) {
      blocks.push(createHash('sha256').update(`atecc608-rng:${seed}:${counter++}`).digest());
    }
    return Buffer.concat(blocks).subarray(0, length);
  };
}
