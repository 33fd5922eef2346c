import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { FaultInjector } from '../../simulator/index.js';
import { VirtualI2cBus } from '../../simulator/i2c/index.js';
import { Atecc608Sim } from '../../simulator/i2c-identity/index.js';
import type { I2cTarget } from '../../simulator/index.js';
import { Atecc608, Atecc608Error, SECRET_KEY_KEY_CONFIG, SECRET_KEY_SLOT_CONFIG, atcaCrc, parseConfig, withSlot } from './index.js';

/** Advances simulated time in 0.5 ms steps until `p` settles. */
const drive = <T>(clock: ManualClock, p: Promise<T>): Promise<T> => clock.settle(p, 0.5);

async function failure(clock: ManualClock, p: Promise<unknown>): Promise<Atecc608Error> {
  try {
    await drive(clock, p);
  } catch (e) {
    if (e instanceof Atecc608Error) return e;
    throw e;
  }
  throw new Error('expected an Atecc608Error');
}

function rig(options: { revision?: Uint8Array; seed?: string } = {}) {
  const clock = new ManualClock();
  const bus = new VirtualI2cBus({ clock, log: true });
  const chip = new Atecc608Sim({ clock, seed: options.seed ?? 'board-1', ...(options.revision ? { revision: options.revision } : {}) });
  bus.attach(chip);
  const se = new Atecc608(bus, { clock });
  return { clock, bus, chip, se };
}

/** The provisioning sequence: secret HMAC key in slot 0, both zones locked. */
async function provision(clock: ManualClock, se: Atecc608, key: Buffer): Promise<void> {
  const image = withSlot(await drive(clock, se.readConfigZone()), 0, SECRET_KEY_SLOT_CONFIG, SECRET_KEY_KEY_CONFIG);
  await drive(clock, se.writeConfig(image));
  await drive(clock, se.lockConfig(image));
  await drive(clock, se.writeSlotKey(0, key));
  await drive(clock, se.lockData());
}

describe('Atecc608 client over the virtual bus', () => {
  it('checks the CRC against the check value 04 11 → 33 43', () => {
    expect(atcaCrc(Buffer.of(0x04, 0x11))).toBe(0x4333);
  });

  it('identifies the chip, reads its serial, provisions a key and computes HMACs equal to node:crypto', async () => {
    const { clock, chip, se } = rig();
    expect([...(await drive(clock, se.info()))]).toEqual([0x00, 0x00, 0x60, 0x02]);
    expect(await drive(clock, se.serialNumber())).toEqual(chip.serialNumber);
    expect(await drive(clock, se.isLocked())).toEqual({ config: false, data: false });
    const key = randomBytes(32);
    await provision(clock, se, key);
    expect(await drive(clock, se.isLocked())).toEqual({ config: true, data: true });
    expect(parseConfig(chip.configZone).slotConfig[0]).toBe(SECRET_KEY_SLOT_CONFIG);
    for (const length of [0, 1, 63, 64, 65, 128, 300]) {
      const message = randomBytes(length);
      const mac = await drive(clock, se.hmacSha256(0, message));
      expect(mac.toString('hex'), `message of ${length} bytes`).toBe(createHmac('sha256', key).update(message).digest('hex'));
    }
  });

  it('cannot read the secret slot after lock, but reads a public one', async () => {
    const { clock, se } = rig();
    await provision(clock, se, randomBytes(32));
    const e = await failure(clock, se.read(0));
    expect(e.kind).toBe('not-readable');
    expect(e.message).toMatch(/slot 0 is secret.*hmacSha256\(0/);
    expect(await drive(clock, se.read(10))).toEqual(Buffer.alloc(72, 0xff));
  });

  it('refuses to lock twice, to rewrite a locked config and to overwrite the key, saying why', async () => {
    const { clock, se } = rig();
    await provision(clock, se, randomBytes(32));
    const twiceConfig = await failure(clock, se.lockConfig());
    expect(twiceConfig.kind).toBe('locked');
    expect(twiceConfig.message).toMatch(/config zone is locked: it is already locked/);
    const twiceData = await failure(clock, se.lockData());
    expect(twiceData.kind).toBe('locked');
    expect(twiceData.message).toMatch(/data zone is locked: it is already locked/);
    const rewrite = await failure(clock, se.writeConfig(Buffer.alloc(128)));
    expect(rewrite.kind).toBe('locked');
    expect((await failure(clock, se.writeSlotKey(0, Buffer.alloc(32)))).kind).toBe('locked');
  });

  it('explains HMAC and data operations attempted before the locks', async () => {
    const { clock, se } = rig();
    expect((await failure(clock, se.writeSlotKey(0, Buffer.alloc(32)))).message).toMatch(/config zone is not locked/);
    await drive(clock, se.lockConfig());
    await drive(clock, se.writeSlotKey(0, Buffer.alloc(32, 1)));
    const e = await failure(clock, se.hmacSha256(0, Buffer.from('hi')));
    expect(e.kind).toBe('unlocked');
    expect(e.message).toMatch(/lockData\(\)/);
  });

  it('writes 32-byte blocks anywhere in a data slot before the data lock, and refuses them after for a Never slot', async () => {
    const { clock, chip, se } = rig();
    const image = withSlot(await drive(clock, se.readConfigZone()), 8, 0x2000, 0x001c); // readable, WriteConfig Never
    await drive(clock, se.writeConfig(image));
    await drive(clock, se.lockConfig(image));
    const first = Buffer.alloc(32, 0x11);
    const last = Buffer.alloc(32, 0x22);
    await drive(clock, se.writeSlotBlock(8, 0, first));
    await drive(clock, se.writeSlotBlock(8, 12, last));
    await drive(clock, se.writeSlotBlock(9, 1, last));
    await drive(clock, se.lockData());
    const slot8 = await drive(clock, se.read(8));
    expect(slot8.subarray(0, 32)).toEqual(first);
    expect(slot8.subarray(32, 384)).toEqual(Buffer.alloc(352, 0xff));
    expect(slot8.subarray(384, 416)).toEqual(last);
    expect(chip.peekSlot(9).subarray(32, 64)).toEqual(last);
    const e = await failure(clock, se.writeSlotBlock(8, 0, last));
    expect(e.kind).toBe('locked');
    expect(e.message).toMatch(/slot 8 refuses clear writes now \(WriteConfig never\)/);
  });

  it('rejects a block outside the slot or of the wrong size without touching the chip', async () => {
    const { clock, bus, se } = rig();
    expect((await failure(clock, se.writeSlotBlock(8, 13, Buffer.alloc(32)))).message).toMatch(/slot 8 has whole blocks 0–12, not 13/);
    expect((await failure(clock, se.writeSlotBlock(0, 1, Buffer.alloc(32)))).message).toMatch(/slot 0 has whole blocks 0–0, not 1/);
    expect((await failure(clock, se.writeSlotBlock(9, 0, Buffer.alloc(4)))).message).toMatch(/a block is 32 bytes, got 4/);
    expect(bus.log).toHaveLength(0);
  });

  it('rejects bad arguments without touching the chip', async () => {
    const { clock, bus, se } = rig();
    expect((await failure(clock, se.hmacSha256(16, Buffer.alloc(1)))).message).toMatch(/slot 16 does not exist/);
    expect((await failure(clock, se.writeSlotKey(1, Buffer.alloc(31)))).message).toMatch(/a slot key is 32 bytes, got 31/);
    expect((await failure(clock, se.writeConfig(Buffer.alloc(127)))).kind).toBe('invalid');
    expect(bus.log).toHaveLength(0);
  });

  it('returns the unconfigured random pattern before the config lock and random bytes after', async () => {
    const { clock, se } = rig();
    expect((await drive(clock, se.random())).toString('hex')).toBe('ffff0000'.repeat(8));
    await drive(clock, se.lockConfig());
    const a = await drive(clock, se.random());
    const b = await drive(clock, se.random());
    expect(a.equals(b)).toBe(false);
  });

  it('re-reads a response whose CRC was corrupted, then reports a CRC error when it persists', async () => {
    const { clock, bus, chip, se } = rig();
    chip.faults.inject('crc', 1);
    expect([...(await drive(clock, se.info()))]).toEqual([0x00, 0x00, 0x60, 0x02]);
    const wakeReads = bus.log.filter((t) => t.readLength === 4 && t.read !== undefined);
    expect(wakeReads.length).toBeGreaterThanOrEqual(2); // the corrupted wake answer was read again
    chip.faults.inject('crc');
    const e = await failure(clock, se.info());
    expect(e.kind).toBe('crc');
    expect(e.message).toMatch(/bad CRC.*pull-ups/);
  });

  it('survives a corrupted command response (count byte hit) by reading the output buffer again', async () => {
    const { clock, chip, se } = rig();
    await drive(clock, se.info()); // chip now idle; next: wake read (clean), then the response
    const original = chip.transfer.bind(chip);
    let corruptNext = false;
    let corrupted = 0;
    chip.transfer = (write, readLength) => {
      const out = original(write, readLength);
      if (corruptNext && readLength === 1) {
        corruptNext = false;
        corrupted += 1;
        out[0] = (out[0] ?? 0) ^ 0x01;
      }
      if (write[0] === 0x03) corruptNext = true;
      return out;
    };
    expect(await drive(clock, se.serialNumber())).toEqual(chip.serialNumber);
    expect(corrupted).toBe(4); // one per config block read
  });

  it('rides out a single NACK, bus timeout or garbage reply', async () => {
    for (const kind of ['nack', 'timeout', 'garbage'] as const) {
      const { clock, chip, se } = rig();
      await drive(clock, se.info());
      chip.faults.inject(kind, 1);
      expect(await drive(clock, se.serialNumber()), kind).toEqual(chip.serialNumber);
      expect(chip.faults.peek(), kind).toBeUndefined();
    }
  });

  it('names a part at 0x60 that is not an ATECC608', async () => {
    const older = rig({ revision: Uint8Array.of(0x00, 0x00, 0x50, 0x00) });
    const e = await failure(older.clock, older.se.info());
    expect(e.kind).toBe('wrong-chip');
    expect(e.message).toMatch(/00005000, not an ATECC608/);

    const clock = new ManualClock();
    const bus = new VirtualI2cBus({ clock });
    const registerPart: I2cTarget = { address: 0x60, part: 'other', faults: new FaultInjector(), transfer: (_w, n) => Buffer.alloc(n) };
    bus.attach(registerPart);
    const other = await failure(clock, new Atecc608(bus, { clock }).info());
    expect(other.kind).toBe('wrong-chip');
    expect(other.message).toMatch(/answered the wake with 00000000/);
  });

  it('reports no response when nothing is at the address or the chip is unplugged', async () => {
    const { clock, chip, se } = rig();
    chip.faults.inject('unplug');
    const e = await failure(clock, se.info());
    expect(e.kind).toBe('no-response');
    expect(e.message).toMatch(/ATECC608 at i2c-1 0x60: nothing answered the wake; check wiring/);
  });

  it('keeps working across the watchdog: each command wakes the chip again', async () => {
    const { clock, chip, se } = rig();
    await drive(clock, se.info());
    await clock.advance(5000);
    expect(chip.power).toBe('idle');
    expect((await drive(clock, se.info()))[2]).toBe(0x60);
  });
});
