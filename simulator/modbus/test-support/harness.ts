/**
 * Test harness: a fan-coil part on a `VirtualSerialLine` with a ManualClock, and hand-built
 * RTU frames (CRC from drivers/modbus/crc.ts), so every byte on the wire is the test's own.
 */
import { ManualClock } from '../../../common/index.js';
import { withCrc } from '../../../drivers/modbus/index.js';
import type { SerialSettings } from '../../../drivers/serial/index.js';
import { Room, type RoomOptions } from '../../physics/room.js';
import { VirtualSerialLine } from '../../serial/virtual-line.js';
import { createFanCoilPart, type FanCoilPart } from '../hvac-part.js';
import type { ModbusServedEvent } from '../rtu-server.js';

export const CXI_SETTINGS: SerialSettings = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 };

export interface Harness extends FanCoilPart {
  readonly clock: ManualClock;
  readonly room: Room;
  readonly line: VirtualSerialLine;
  readonly events: ModbusServedEvent[];
  /** Every chunk the host received, with its simulated arrival time. */
  readonly received: { at: number; bytes: Buffer }[];
  /** Writes `frame`, lets `waitMs` of simulated time pass, returns what came back (joined). */
  transact(frame: Buffer, waitMs?: number): Promise<Buffer>;
}

export function makeHarness(o: { room?: Omit<RoomOptions, 'clock'>; unitId?: number; settings?: SerialSettings; turnaroundMs?: number } = {}): Harness {
  const clock = new ManualClock();
  const room = new Room({ clock, ...o.room });
  const events: ModbusServedEvent[] = [];
  const settings = o.settings ?? CXI_SETTINGS;
  const part = createFanCoilPart({
    clock,
    room,
    settings,
    ...(o.unitId === undefined ? {} : { unitId: o.unitId }),
    ...(o.turnaroundMs === undefined ? {} : { turnaroundMs: o.turnaroundMs }),
    random: seeded(42),
    onEvent: (e) => events.push(e),
  });
  const line = new VirtualSerialLine(part.server, clock, settings);
  const received: { at: number; bytes: Buffer }[] = [];
  line.onData((bytes) => received.push({ at: clock.now(), bytes }));
  return {
    ...part,
    clock,
    room,
    line,
    events,
    received,
    async transact(frame, waitMs = 200) {
      const from = received.length;
      void line.write(frame);
      await clock.advance(waitMs);
      return Buffer.concat(received.slice(from).map((r) => r.bytes));
    },
  };
}

/** An RTU request: unit, function, then 16-bit big-endian words; CRC appended. */
export function request(unit: number, fn: number, ...words: number[]): Buffer {
  const body = Buffer.alloc(2 + 2 * words.length);
  body[0] = unit;
  body[1] = fn;
  words.forEach((w, i) => body.writeUInt16BE(w & 0xffff, 2 + 2 * i));
  return withCrc(body);
}

/** Function 16 request with its byte count. */
export function writeMultiple(unit: number, address: number, values: number[]): Buffer {
  const body = Buffer.alloc(7 + 2 * values.length);
  body[0] = unit;
  body[1] = 0x10;
  body.writeUInt16BE(address, 2);
  body.writeUInt16BE(values.length, 4);
  body[6] = 2 * values.length;
  values.forEach((v, i) => body.writeUInt16BE(v & 0xffff, 7 + 2 * i));
  return withCrc(body);
}

/** Expected read reply: unit, function, byte count, words; CRC appended. */
export function readReply(unit: number, fn: number, words: number[]): Buffer {
  const body = Buffer.alloc(3 + 2 * words.length);
  body[0] = unit;
  body[1] = fn;
  body[2] = 2 * words.length;
  words.forEach((w, i) => body.writeUInt16BE(w & 0xffff, 3 + 2 * i));
  return withCrc(body);
}

export function exceptionReply(unit: number, fn: number, code: number): Buffer {
  return withCrc(Buffer.from([unit, fn | 0x80, code]));
}

/** Words of a read reply (after unit, function, byte count; before the CRC). */
export function words(reply: Buffer): number[] {
  const out: number[] = [];
  for (let i = 3; i + 1 < reply.length - 2; i += 2) out.push(reply.readUInt16BE(i));
  return out;
}

export function signed(word: number): number {
  return word >= 0x8000 ? word - 0x10000 : word;
}

/** A small deterministic PRNG (mulberry32) for the garbage fault. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
