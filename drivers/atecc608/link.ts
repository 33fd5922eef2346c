/**
 * The ATECC608 I/O sequence over an `I2cBus`, as cryptoauthlib runs it
 * (calib_execution.c calib_execute_command, calib_basic.c calib_wakeup_i2c).
 *
 * Flow of `execute`:
 *  1. wake: a one-byte write to the chip's own address is the wake pulse. At 100 kHz (the
 *     Pi's default I2C clock) the address byte of 0x60 plus W holds SDA low for 7 bit times,
 *     70 µs ≥ tWLO (60 µs), so the sleeping chip wakes (and NACKs); at 400 kHz it would not
 *     (cryptoauthlib then drops to 100 kHz for the wake). If the write is ACKed the chip was
 *     awake: it is sent to idle and pulsed again. After tWHI (1.5 ms) a 4-byte read must
 *     give 04 11 33 43;
 *  2. send word address 0x03 + the command group;
 *  3. poll: after 1 ms, every 2 ms, reset the output address (word address 0x00), read the
 *     count byte, then the rest; NACKs mean "still executing", until the command's maximum
 *     execution time (M0 clock) has passed;
 *  4. a response with a bad CRC is read again (the output buffer holds it) up to `retries`
 *     times; status 0xFF (the chip saw our CRC as bad) or 0xEE (watchdog about to expire)
 *     resends the command after a fresh wake, up to `retries` times;
 *  5. idle the chip (word address 0x02): TempKey and the SHA context survive, the watchdog
 *     stops. Every command starts with its own wake, so the ~1.3 s watchdog never bites.
 * Other status bytes go to the caller's `onStatus`, which names the problem in context.
 */
import type { Clock } from '../../common/index.js';
import { I2cError, type I2cBus } from '../i2c/index.js';
import { Atecc608Error } from './errors.js';
import { MAX_RESPONSE, MIN_RESPONSE, STATUS, WAKE_OK, WORD_ADDRESS, buildCommand, responseCrcOk, statusName } from './packet.js';

/** Maximum execution times in ms, ATECC608 at clock divider M0 (calib_execution.c). */
export const MAX_EXECUTION_MS: ReadonlyMap<number, number> = new Map([
  [0x02, 5], // Read
  [0x08, 55], // MAC
  [0x12, 45], // Write
  [0x15, 25], // GenDig
  [0x16, 20], // Nonce
  [0x17, 35], // Lock
  [0x1b, 23], // Random
  [0x30, 5], // Info
  [0x47, 36], // SHA
]);

const T_WHI_MS = 1.5;
const POLL_FIRST_MS = 1;
const POLL_EVERY_MS = 2;
/** Slack past the table's maximum before giving up (bus latency, clock granularity). */
const POLL_SLACK_MS = 10;

export interface Atecc608LinkOptions {
  readonly clock: Clock;
  /** 7-bit address; default 0x60. */
  readonly address?: number;
  /** Re-reads after a bad response CRC, and resends after status 0xFF/0xEE; default 3. */
  readonly retries?: number;
}

export interface Command {
  readonly opcode: number;
  readonly param1: number;
  readonly param2: number;
  readonly data?: Uint8Array;
}

export class Atecc608Link {
  readonly address: number;
  readonly where: string;
  private readonly clock: Clock;
  private readonly retries: number;

  constructor(
    private readonly bus: I2cBus,
    options: Atecc608LinkOptions,
  ) {
    this.clock = options.clock;
    this.address = options.address ?? 0x60;
    this.retries = options.retries ?? 3;
    this.where = `ATECC608 at i2c-${bus.busNumber} 0x${this.address.toString(16).padStart(2, '0')}`;
  }

  /** Runs one command; returns the response data (a lone 0x00 for status-only commands). */
  async execute(cmd: Command, onStatus: (status: number) => Atecc608Error): Promise<Buffer> {
    const group = Buffer.concat([Buffer.of(WORD_ADDRESS.command), buildCommand(cmd.opcode, cmd.param1, cmd.param2, cmd.data)]);
    let lastStatus = STATUS.comm as number;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      await this.wake();
      try {
        await this.bus.i2cWrite(this.address, group);
      } catch (e) {
        if (isRetryable(e)) continue; // fell asleep or glitched: wake again and resend
        throw e;
      }
      const data = await this.poll(cmd.opcode);
      await this.idle();
      if (data.length !== 1 || data[0] === STATUS.success) return data;
      lastStatus = data[0] ?? STATUS.comm;
      if (lastStatus !== STATUS.comm && lastStatus !== STATUS.watchdog && lastStatus !== STATUS.wake) throw onStatus(lastStatus);
    }
    throw new Atecc608Error(
      'crc',
      this.where,
      `the command 0x${cmd.opcode.toString(16)} failed ${this.retries + 1} times: ${statusName(lastStatus)}`,
      'check SDA/SCL pull-ups, cable length and noise; keep the bus at ≤ 1 MHz',
      lastStatus,
    );
  }

  /** Wakes the chip and checks its wake response. */
  async wake(): Promise<void> {
    let seen: Buffer | undefined;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (await this.acks(Buffer.of(0x00))) {
        // Awake already (or not an ATECC at all): send it to idle so the next pulse wakes it.
        await this.acks(Buffer.of(WORD_ADDRESS.idle));
        await this.acks(Buffer.of(0x00));
      }
      await this.clock.sleep(T_WHI_MS);
      const answer = await this.readWithin(4, POLL_SLACK_MS);
      if (answer === undefined) continue;
      if (answer.equals(Buffer.from(WAKE_OK))) return;
      seen = answer;
    }
    if (seen === undefined) {
      throw new Atecc608Error('no-response', this.where, 'nothing answered the wake', 'check wiring, power (2.0–5.5 V) and the address (0x60 unless reconfigured)');
    }
    if (seen[0] === 0x04 && seen[1] === 0x11) {
      throw new Atecc608Error('crc', this.where, `the wake response had a bad CRC ${this.retries + 1} times (${seen.toString('hex')})`, 'check SDA/SCL pull-ups, cable length and noise');
    }
    throw new Atecc608Error(
      'wrong-chip',
      this.where,
      `the part answered the wake with ${seen.toString('hex')}, not 04113343`,
      'another part sits at this address: fit an ATECC608 or configure its real address',
    );
  }

  /** Word address 0x02: idle (volatile state kept). A NACK is ignored: the watchdog will sleep it anyway. */
  async idle(): Promise<void> {
    await this.acks(Buffer.of(WORD_ADDRESS.idle));
  }

  /** Word address 0x01: sleep (volatile state cleared, lowest power). */
  async sleep(): Promise<void> {
    await this.acks(Buffer.of(WORD_ADDRESS.sleep));
  }

  private async poll(opcode: number): Promise<Buffer> {
    const deadline = this.clock.now() + (MAX_EXECUTION_MS.get(opcode) ?? 100) + POLL_SLACK_MS;
    await this.clock.sleep(POLL_FIRST_MS);
    let badCrc = 0;
    for (;;) {
      let packet: Buffer | undefined;
      const polledAt = this.clock.now(); // a read begun before the deadline that fails is not the last: a busy event loop is not a busy chip
      try {
        packet = await this.readResponse();
      } catch (e) {
        if (!isRetryable(e)) throw e;
        if (polledAt >= deadline) {
          throw new Atecc608Error('timeout', this.where, `still busy ${MAX_EXECUTION_MS.get(opcode) ?? 100} ms after command 0x${opcode.toString(16)}`, 'power-cycle the chip; if it persists, check for a clock-divider setting in ChipMode', undefined, { cause: e });
        }
        await this.clock.sleep(POLL_EVERY_MS);
        continue;
      }
      if (packet !== undefined && responseCrcOk(packet)) return packet.subarray(1, packet.length - 2);
      badCrc += 1;
      if (badCrc > this.retries) {
        throw new Atecc608Error('crc', this.where, `the response to command 0x${opcode.toString(16)} had a bad CRC in ${badCrc} reads`, 'check SDA/SCL pull-ups, cable length and noise on the bus');
      }
    }
  }

  /** Reset the output address, read the count, then the rest; undefined when the count is impossible. */
  private async readResponse(): Promise<Buffer | undefined> {
    await this.bus.i2cWrite(this.address, Buffer.of(WORD_ADDRESS.reset));
    const count = (await this.bus.i2cRead(this.address, 1))[0] ?? 0;
    if (count < MIN_RESPONSE || count > MAX_RESPONSE) return undefined;
    const rest = await this.bus.i2cRead(this.address, count - 1);
    return Buffer.concat([Buffer.of(count), rest]);
  }

  /** A read retried while NACKed, for up to `ms`; undefined if it never answered. */
  private async readWithin(length: number, ms: number): Promise<Buffer | undefined> {
    const deadline = this.clock.now() + ms;
    for (;;) {
      try {
        return await this.bus.i2cRead(this.address, length);
      } catch (e) {
        if (!isRetryable(e)) throw e;
        if (this.clock.now() >= deadline) return undefined;
        await this.clock.sleep(POLL_FIRST_MS);
      }
    }
  }

  /** A one-byte write; false when NACKed (or timed out). */
  private async acks(bytes: Buffer): Promise<boolean> {
    try {
      await this.bus.i2cWrite(this.address, bytes);
      return true;
    } catch (e) {
      if (isRetryable(e)) return false;
      throw e;
    }
  }
}

/** NACK, timeout and bus glitches are worth another try; a missing bus or a bad argument is not. */
function isRetryable(e: unknown): boolean {
  return e instanceof I2cError && (e.kind === 'nack' || e.kind === 'timeout' || e.kind === 'io');
}
