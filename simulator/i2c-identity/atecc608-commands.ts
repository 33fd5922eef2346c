/**
 * ATECC608 command execution (datasheet DS40001977 §11 "Command Reference";
 * cryptoauthlib calib_command.h for opcodes and modes, calib_execution.c for timing).
 *
 * Modelled: Info (revision), Read, Write (clear text), Lock, Random, Nonce (random and
 * pass-through into TempKey), SHA (SHA-256 and HMAC-SHA256 with a slot or TempKey key),
 * MAC (SHA-256 over key, challenge and chip data, as cryptoauthlib's atcah_mac computes it).
 * Modes outside that set answer status 0x03 (parse error), as an unsupported mode would.
 *
 * Must hold:
 * - Random (and Nonce's RandOut) before the config zone is locked is the fixed pattern
 *   FF FF 00 00 repeated, as the real chip answers while unconfigured.
 * - A key slot is usable by SHA/HMAC and MAC only once the data zone is locked.
 * - The SHA context survives idle (cryptoauthlib idles between Start, Update and End) and is
 *   lost on sleep, watchdog expiry and power-up.
 * - Response: status-only commands answer `04 status crc`; data commands answer the data.
 */
import { createHash, createHmac } from 'node:crypto';
import { Status, responsePacket, statusPacket, type CommandPacket } from './atecc608-packet.js';
import type { Atecc608Memory } from './atecc608-zones.js';

export const Opcode = {
  mac: 0x08,
  read: 0x02,
  write: 0x12,
  nonce: 0x16,
  lock: 0x17,
  random: 0x1b,
  info: 0x30,
  sha: 0x47,
} as const;

/** Maximum execution times in ms, ATECC608 at the default clock divider M0 (calib_execution.c). */
export const EXECUTION_MS: ReadonlyMap<number, number> = new Map([
  [Opcode.info, 5],
  [Opcode.read, 5],
  [Opcode.write, 45],
  [Opcode.lock, 35],
  [Opcode.random, 23],
  [Opcode.nonce, 20],
  [Opcode.sha, 36],
  [Opcode.mac, 55],
]);

/** Time before a refused packet (bad CRC, unknown opcode) can be read back. */
export const PARSE_MS = 1;

/** RAM that sleep clears and idle keeps. */
export interface VolatileState {
  tempKey: Buffer | undefined;
  sha: { readonly key: Buffer | undefined; readonly parts: Buffer[] } | undefined;
}

export interface CommandContext {
  readonly memory: Atecc608Memory;
  readonly volatile: VolatileState;
  readonly revision: Buffer;
  readonly random: (length: number) => Buffer;
}

const UNCONFIGURED_RANDOM = Buffer.from('ffff0000'.repeat(8), 'hex');

export function execute(ctx: CommandContext, cmd: CommandPacket): Buffer {
  switch (cmd.opcode) {
    case Opcode.info:
      if (cmd.param1 !== 0 || cmd.data.length !== 0) return statusPacket(Status.parseError);
      return responsePacket(ctx.revision);
    case Opcode.read: {
      if (cmd.data.length !== 0) return statusPacket(Status.parseError);
      const r = ctx.memory.read(cmd.param1, cmd.param2);
      return 'data' in r ? responsePacket(r.data) : statusPacket(r.status);
    }
    case Opcode.write:
      return statusPacket(ctx.memory.write(cmd.param1, cmd.param2, cmd.data));
    case Opcode.lock:
      if (cmd.data.length !== 0) return statusPacket(Status.parseError);
      return statusPacket(ctx.memory.lock(cmd.param1, cmd.param2));
    case Opcode.random:
      if (cmd.param1 > 1 || cmd.param2 !== 0 || cmd.data.length !== 0) return statusPacket(Status.parseError);
      return responsePacket(randOut(ctx));
    case Opcode.nonce:
      return nonce(ctx, cmd);
    case Opcode.sha:
      return sha(ctx, cmd);
    case Opcode.mac:
      return mac(ctx, cmd);
    default:
      return statusPacket(Status.parseError);
  }
}

function randOut(ctx: CommandContext): Buffer {
  return ctx.memory.configLocked ? ctx.random(32) : Buffer.from(UNCONFIGURED_RANDOM);
}

/** Nonce: modes 0/1 (random, 20-byte NumIn) and 3 (pass-through, 32 or 64 bytes) into TempKey. */
function nonce(ctx: CommandContext, cmd: CommandPacket): Buffer {
  const mode = cmd.param1 & 0x03;
  if ((cmd.param1 & 0xc0) !== 0 || cmd.param2 !== 0) return statusPacket(Status.parseError);
  if (mode === 0x03) {
    const size = (cmd.param1 & 0x20) !== 0 ? 64 : 32;
    if (cmd.data.length !== size) return statusPacket(Status.parseError);
    ctx.volatile.tempKey = Buffer.from(cmd.data);
    return statusPacket(Status.success);
  }
  if (mode === 0x02 || (cmd.param1 & 0x20) !== 0 || cmd.data.length !== 20) return statusPacket(Status.parseError);
  const rand = randOut(ctx);
  // TempKey = SHA-256(RandOut ‖ NumIn ‖ opcode ‖ mode ‖ LSB(param2)) (§11 Nonce).
  ctx.volatile.tempKey = createHash('sha256')
    .update(Buffer.concat([rand, cmd.data, Buffer.of(Opcode.nonce, cmd.param1, 0x00)]))
    .digest();
  return responsePacket(rand);
}

/** SHA: 0 Start, 1 Update, 2 End (targets 0x00 TempKey, 0x40 MsgDigBuf, 0xC0 output only), 4 HMAC Start. */
function sha(ctx: CommandContext, cmd: CommandPacket): Buffer {
  const mode = cmd.param1 & 0x07;
  const target = cmd.param1 & 0xc0;
  switch (mode) {
    case 0x00:
      if (cmd.param2 !== 0 || cmd.data.length !== 0) return statusPacket(Status.parseError);
      ctx.volatile.sha = { key: undefined, parts: [] };
      return statusPacket(Status.success);
    case 0x04: {
      if (cmd.data.length !== 0) return statusPacket(Status.parseError);
      const key = keyFor(ctx, cmd.param2);
      if (typeof key === 'number') return statusPacket(key);
      ctx.volatile.sha = { key, parts: [] };
      return statusPacket(Status.success);
    }
    case 0x01:
    case 0x02: {
      if (cmd.param2 !== cmd.data.length || cmd.data.length > 64) return statusPacket(Status.parseError);
      const context = ctx.volatile.sha;
      if (context === undefined) return statusPacket(Status.executionError);
      context.parts.push(Buffer.from(cmd.data));
      if (mode === 0x01) return statusPacket(Status.success);
      if (target === 0x80) return statusPacket(Status.parseError);
      const message = Buffer.concat(context.parts);
      const digest =
        context.key === undefined
          ? createHash('sha256').update(message).digest()
          : createHmac('sha256', context.key).update(message).digest();
      ctx.volatile.sha = undefined;
      if (target === 0x00) ctx.volatile.tempKey = Buffer.from(digest);
      return responsePacket(digest);
    }
    default:
      return statusPacket(Status.parseError);
  }
}

/** A 32-byte key from a slot (data zone locked) or from TempKey (param2 0xFFFF). */
function keyFor(ctx: CommandContext, keyId: number): Buffer | number {
  if (keyId === 0xffff) return ctx.volatile.tempKey?.subarray(0, 32) ?? Status.executionError;
  if (keyId > 15) return Status.parseError;
  if (!ctx.memory.dataLocked) return Status.executionError;
  return Buffer.from((ctx.memory.slots[keyId] ?? Buffer.alloc(32)).subarray(0, 32));
}

/**
 * MAC: SHA-256(key ‖ challenge ‖ 08 ‖ mode ‖ param2 LE ‖ OTP[0:7]? ‖ OTP[8:10]? ‖ SN[8] ‖
 * SN[4:7]? ‖ SN[0:1] ‖ SN[2:3]?), each "?" zero unless its mode bit is set (bit 5, 4, 6, 6).
 * Mode bit 0: challenge from TempKey; bit 1: key from TempKey.
 */
function mac(ctx: CommandContext, cmd: CommandPacket): Buffer {
  const mode = cmd.param1;
  if ((mode & ~0x77) !== 0) return statusPacket(Status.parseError);
  const challengeFromTempKey = (mode & 0x01) !== 0;
  if (cmd.data.length !== (challengeFromTempKey ? 0 : 32)) return statusPacket(Status.parseError);
  const tempKey = ctx.volatile.tempKey?.subarray(0, 32);
  const key = (mode & 0x02) !== 0 ? (tempKey ?? Status.executionError) : keyFor(ctx, cmd.param2);
  if (typeof key === 'number') return statusPacket(key);
  const challenge = challengeFromTempKey ? tempKey : cmd.data;
  if (challenge === undefined) return statusPacket(Status.executionError);
  const { config, otp } = ctx.memory;
  const sn = Buffer.concat([config.subarray(0, 4), config.subarray(8, 13)]);
  const fullSn = (mode & 0x40) !== 0;
  const otp88 = (mode & 0x10) !== 0;
  const message = Buffer.concat([
    key,
    challenge,
    Buffer.of(Opcode.mac, mode, cmd.param2 & 0xff, cmd.param2 >> 8),
    otp88 || (mode & 0x20) !== 0 ? otp.subarray(0, 8) : Buffer.alloc(8),
    otp88 ? otp.subarray(8, 11) : Buffer.alloc(3),
    sn.subarray(8, 9),
    fullSn ? sn.subarray(4, 8) : Buffer.alloc(4),
    sn.subarray(0, 2),
    fullSn ? sn.subarray(2, 4) : Buffer.alloc(2),
  ]);
  return responsePacket(createHash('sha256').update(message).digest());
}
