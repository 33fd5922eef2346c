import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { I2cError } from '../../drivers/i2c/index.js';
import { Atecc608Sim, T_WHI_MS, WATCHDOG_MS } from './atecc608.js';
import { EXECUTION_MS, Opcode } from './atecc608-commands.js';
import { Status, atCrc } from './atecc608-packet.js';
import { ConfigOffset } from './atecc608-zones.js';

/** Word address 0x03 + count, opcode, param1, param2 LE, data, CRC LE. */
function commandBytes(op: number, p1: number, p2: number, data: Uint8Array = new Uint8Array(0), corruptCrc = false): Buffer {
  const count = 7 + data.length;
  const g = Buffer.alloc(count);
  g[0] = count;
  g[1] = op;
  g[2] = p1;
  g.writeUInt16LE(p2, 3);
  g.set(data, 5);
  g.writeUInt16LE(atCrc(g, 0, count - 2) ^ (corruptCrc ? 1 : 0), count - 2);
  return Buffer.concat([Buffer.of(0x03), g]);
}

function isNack(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    return e instanceof I2cError && e.kind === 'nack';
  }
}

async function setup(seed: number | string = 1): Promise<{ clock: ManualClock; chip: Atecc608Sim }> {
  const clock = new ManualClock();
  const chip = new Atecc608Sim({ clock, seed });
  await wake(clock, chip);
  return { clock, chip };
}

async function wake(clock: ManualClock, chip: Atecc608Sim): Promise<Buffer> {
  expect(isNack(() => chip.transfer(Buffer.of(0x00), 0))).toBe(true);
  await clock.advance(T_WHI_MS);
  return chip.transfer(Buffer.alloc(0), 4);
}

/** Sends a command, waits its maximum execution time, reads count then the rest (cryptoauthlib's way). */
async function run(clock: ManualClock, chip: Atecc608Sim, op: number, p1: number, p2: number, data?: Uint8Array): Promise<Buffer> {
  chip.transfer(commandBytes(op, p1, p2, data), 0);
  await clock.advance(EXECUTION_MS.get(op) ?? 1);
  chip.transfer(Buffer.of(0x00), 0);
  const count = chip.transfer(Buffer.alloc(0), 1)[0] ?? 0;
  const rest = chip.transfer(Buffer.alloc(0), count - 1);
  const packet = Buffer.concat([Buffer.of(count), rest]);
  expect(packet.readUInt16LE(count - 2)).toBe(atCrc(packet, 0, count - 2));
  return packet.subarray(1, count - 2);
}

const CONFIG_W32 = 0x80;
const DATA_ZONE = 0x02;

async function lockConfig(clock: ManualClock, chip: Atecc608Sim): Promise<void> {
  expect(await run(clock, chip, Opcode.lock, 0x80, 0)).toEqual(Buffer.of(Status.success));
}

async function lockData(clock: ManualClock, chip: Atecc608Sim): Promise<void> {
  expect(await run(clock, chip, Opcode.lock, 0x81, 0)).toEqual(Buffer.of(Status.success));
}

describe('ATECC608 simulator: framing, wake, sleep, watchdog', () => {
  it('computes cryptoauthlib CRC: 04 11 → 33 43', () => {
    expect(atCrc(Buffer.of(0x04, 0x11))).toBe(0x4333);
  });

  it('NACKs while asleep, wakes from that transaction and answers 04 11 33 43 after tWHI', async () => {
    const clock = new ManualClock();
    const chip = new Atecc608Sim({ clock });
    expect(chip.power).toBe('sleep');
    expect(isNack(() => chip.transfer(Buffer.of(0x00), 0))).toBe(true);
    await clock.advance(1);
    expect(isNack(() => chip.transfer(Buffer.alloc(0), 4))).toBe(true); // before tWHI
    await clock.advance(0.5);
    expect(chip.transfer(Buffer.alloc(0), 4)).toEqual(Buffer.of(0x04, 0x11, 0x33, 0x43));
  });

  it('answers Info 00 00 60 02 only after the execution time (reads NACKed meanwhile)', async () => {
    const { clock, chip } = await setup();
    chip.transfer(commandBytes(Opcode.info, 0, 0), 0);
    await clock.advance(4);
    expect(isNack(() => chip.transfer(Buffer.alloc(0), 7))).toBe(true);
    await clock.advance(1);
    const r = chip.transfer(Buffer.alloc(0), 7);
    expect([...r.subarray(0, 5)]).toEqual([7, 0x00, 0x00, 0x60, 0x02]);
    expect(r.readUInt16LE(5)).toBe(atCrc(r, 0, 5));
  });

  it('answers a command with a bad CRC with status 0xFF and executes nothing', async () => {
    const { clock, chip } = await setup();
    chip.transfer(commandBytes(Opcode.lock, 0x80, 0, undefined, true), 0);
    await clock.advance(1);
    expect([...chip.transfer(Buffer.alloc(0), 4)]).toEqual([0x04, 0xff, ...le(atCrc(Buffer.of(4, 0xff)))]);
    expect(chip.configLocked).toBe(false);
  });

  it('falls asleep ~1.3 s after the wake (watchdog) and refuses a command that would outlast it (0xEE)', async () => {
    const { clock, chip } = await setup();
    await clock.advance(WATCHDOG_MS - 20); // the wake pulse was at 0; Write needs 45 ms
    chip.transfer(commandBytes(Opcode.write, 0, 4, Buffer.alloc(4)), 0);
    await clock.advance(1);
    expect([...chip.transfer(Buffer.alloc(0), 2)]).toEqual([0x04, Status.watchdogAboutToExpire]);
    expect(chip.power).toBe('awake');
    await clock.advance(20);
    expect(chip.power).toBe('sleep');
    expect(isNack(() => chip.transfer(Buffer.of(0x00), 0))).toBe(true);
  });

  it('keeps the SHA context across idle and loses it on sleep', async () => {
    const { clock, chip } = await setup();
    await run(clock, chip, Opcode.sha, 0x00, 0);
    await run(clock, chip, Opcode.sha, 0x01, 3, Buffer.from('abc'));
    chip.transfer(Buffer.of(0x02), 0); // idle
    expect(chip.power).toBe('idle');
    await wake(clock, chip);
    const digest = await run(clock, chip, Opcode.sha, 0xc2, 3, Buffer.from('def'));
    expect(digest).toEqual(createHash('sha256').update('abcdef').digest());

    await run(clock, chip, Opcode.sha, 0x00, 0);
    chip.transfer(Buffer.of(0x01), 0); // sleep
    await wake(clock, chip);
    expect(await run(clock, chip, Opcode.sha, 0xc2, 0)).toEqual(Buffer.of(Status.executionError));
  });
});

describe('ATECC608 simulator: identity and zones', () => {
  it('has a 9-byte serial 01 23 … EE at config 0–3 and 8–12, unique per seed', async () => {
    const a = (await setup('a')).chip.serialNumber;
    const b = (await setup('b')).chip.serialNumber;
    expect(a).toHaveLength(9);
    expect([a[0], a[1], a[8]]).toEqual([0x01, 0x23, 0xee]);
    expect(a.equals(b)).toBe(false);
    const { clock, chip } = await setup('a');
    const block0 = await run(clock, chip, Opcode.read, CONFIG_W32, 0);
    expect(Buffer.concat([block0.subarray(0, 4), block0.subarray(8, 13)])).toEqual(a);
  });

  it('returns FF FF 00 00 … from Random until the config zone is locked', async () => {
    const { clock, chip } = await setup();
    expect((await run(clock, chip, Opcode.random, 0, 0)).toString('hex')).toBe('ffff0000'.repeat(8));
    await lockConfig(clock, chip);
    const r = await run(clock, chip, Opcode.random, 0, 0);
    expect(r).toHaveLength(32);
    expect(r.toString('hex')).not.toBe('ffff0000'.repeat(8));
  });

  it('refuses writes to config bytes 0–15 and 84–87, and any config write once locked', async () => {
    const { clock, chip } = await setup();
    expect(await run(clock, chip, Opcode.write, 0x00, 0x01, Buffer.alloc(4))).toEqual(Buffer.of(Status.executionError));
    expect(await run(clock, chip, Opcode.write, 0x00, 0x15, Buffer.alloc(4))).toEqual(Buffer.of(Status.executionError));
    expect(await run(clock, chip, Opcode.write, 0x00, 0x05, Buffer.from('c0ffee00', 'hex'))).toEqual(Buffer.of(Status.success));
    expect(chip.configZone.subarray(20, 24).toString('hex')).toBe('c0ffee00');
    await lockConfig(clock, chip);
    expect(await run(clock, chip, Opcode.write, 0x00, 0x05, Buffer.alloc(4))).toEqual(Buffer.of(Status.executionError));
  });

  it('locks the config zone only with the right summary CRC, and only once', async () => {
    const { clock, chip } = await setup();
    const crc = atCrc(chip.configZone);
    expect(await run(clock, chip, Opcode.lock, 0x00, crc ^ 1)).toEqual(Buffer.of(Status.executionError));
    expect(await run(clock, chip, Opcode.lock, 0x00, crc)).toEqual(Buffer.of(Status.success));
    expect(chip.configZone[ConfigOffset.lockConfig]).toBe(0x00);
    expect(await run(clock, chip, Opcode.lock, 0x80, 0)).toEqual(Buffer.of(Status.executionError));
  });

  it('refuses data writes before config lock and data reads before data lock', async () => {
    const { clock, chip } = await setup();
    const addrSlot10 = 10 << 3; // slot 10: SlotConfig 0x0F0F, readable
    expect(await run(clock, chip, Opcode.write, CONFIG_W32 | DATA_ZONE, addrSlot10, Buffer.alloc(32, 7))).toEqual(Buffer.of(Status.executionError));
    await lockConfig(clock, chip);
    expect(await run(clock, chip, Opcode.write, CONFIG_W32 | DATA_ZONE, addrSlot10, Buffer.alloc(32, 7))).toEqual(Buffer.of(Status.success));
    expect(await run(clock, chip, Opcode.read, CONFIG_W32 | DATA_ZONE, addrSlot10)).toEqual(Buffer.of(Status.executionError));
    await lockData(clock, chip);
    expect(await run(clock, chip, Opcode.read, CONFIG_W32 | DATA_ZONE, addrSlot10)).toEqual(Buffer.alloc(32, 7));
  });

  it('never reads a secret slot after lock, and follows WriteConfig for writes', async () => {
    const { clock, chip } = await setup();
    // Slot 0: SlotConfig 0x2FAF (IsSecret, WriteConfig Never); slot 10: 0x0F0F (readable, Always).
    await lockConfig(clock, chip);
    const key = Buffer.alloc(32, 0x5a);
    expect(await run(clock, chip, Opcode.write, CONFIG_W32 | DATA_ZONE, 0, key)).toEqual(Buffer.of(Status.success));
    await lockData(clock, chip);
    expect(await run(clock, chip, Opcode.read, CONFIG_W32 | DATA_ZONE, 0)).toEqual(Buffer.of(Status.executionError));
    expect(await run(clock, chip, Opcode.read, DATA_ZONE, 0)).toEqual(Buffer.of(Status.executionError));
    expect(await run(clock, chip, Opcode.write, CONFIG_W32 | DATA_ZONE, 0, Buffer.alloc(32))).toEqual(Buffer.of(Status.executionError));
    expect(await run(clock, chip, Opcode.write, CONFIG_W32 | DATA_ZONE, 10 << 3, Buffer.alloc(32, 1))).toEqual(Buffer.of(Status.success));
    expect(chip.peekSlot(0).subarray(0, 32)).toEqual(key);
    expect(await run(clock, chip, Opcode.lock, 0x81, 0)).toEqual(Buffer.of(Status.executionError));
  });

  it('computes HMAC-SHA256 with a slot key (data zone locked), equal to node:crypto', async () => {
    const { clock, chip } = await setup();
    await lockConfig(clock, chip);
    const key = createHash('sha256').update('factory key').digest();
    await run(clock, chip, Opcode.write, CONFIG_W32 | DATA_ZONE, 0, key);
    expect(await run(clock, chip, Opcode.sha, 0x04, 0)).toEqual(Buffer.of(Status.executionError)); // data unlocked
    await lockData(clock, chip);
    const message = Buffer.from('x'.repeat(100));
    expect(await run(clock, chip, Opcode.sha, 0x04, 0)).toEqual(Buffer.of(Status.success));
    await run(clock, chip, Opcode.sha, 0x01, 64, message.subarray(0, 64));
    const mac = await run(clock, chip, Opcode.sha, 0xc2, 36, message.subarray(64));
    expect(mac).toEqual(createHmac('sha256', key).update(message).digest());
  });

  it('loads TempKey with a pass-through Nonce and uses it as an HMAC key (key id 0xFFFF)', async () => {
    const { clock, chip } = await setup();
    const tempKey = Buffer.alloc(32, 0x42);
    expect(await run(clock, chip, Opcode.nonce, 0x03, 0, tempKey)).toEqual(Buffer.of(Status.success));
    await run(clock, chip, Opcode.sha, 0x04, 0xffff);
    const mac = await run(clock, chip, Opcode.sha, 0xc2, 5, Buffer.from('hello'));
    expect(mac).toEqual(createHmac('sha256', tempKey).update('hello').digest());
  });

  it('computes MAC over key, challenge and chip data as the datasheet lays it out', async () => {
    const { clock, chip } = await setup();
    await lockConfig(clock, chip);
    const key = Buffer.alloc(32, 0x11);
    await run(clock, chip, Opcode.write, CONFIG_W32 | DATA_ZONE, 0, key);
    await lockData(clock, chip);
    const challenge = Buffer.alloc(32, 0x22);
    const sn = chip.serialNumber;
    const expected = createHash('sha256')
      .update(Buffer.concat([key, challenge, Buffer.of(0x08, 0x00, 0x00, 0x00), Buffer.alloc(11), sn.subarray(8, 9), Buffer.alloc(4), sn.subarray(0, 2), Buffer.alloc(2)]))
      .digest();
    expect(await run(clock, chip, Opcode.mac, 0x00, 0, challenge)).toEqual(expected);
  });
});

function le(n: number): number[] {
  return [n & 0xff, n >> 8];
}
