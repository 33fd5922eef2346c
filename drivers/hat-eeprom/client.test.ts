import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { VirtualI2cBus } from '../../simulator/i2c/index.js';
import { EEPROM_WRITE_CYCLE_MS, HatEepromSim } from '../../simulator/i2c-identity/index.js';
import { ATOM_TYPE, HatEeprom, HatEepromError, encodeGpioMap, encodeHatImage, encodeVendorInfo } from './index.js';

/** Advances simulated time in 0.5 ms steps until `p` settles. */
const drive = <T>(clock: ManualClock, p: Promise<T>): Promise<T> => clock.settle(p, 0.5);

async function failure(clock: ManualClock, p: Promise<unknown>): Promise<HatEepromError> {
  try {
    await drive(clock, p);
  } catch (e) {
    if (e instanceof HatEepromError) return e;
    throw e;
  }
  throw new Error('expected a HatEepromError');
}

function rig(contents?: Uint8Array) {
  const clock = new ManualClock();
  const bus = new VirtualI2cBus({ clock, log: true });
  const chip = new HatEepromSim({ clock, ...(contents ? { contents } : {}) });
  bus.attach(chip);
  return { clock, bus, chip, eeprom: new HatEeprom(bus, { clock }) };
}

const image = encodeHatImage([
  { type: ATOM_TYPE.vendorInfo, data: encodeVendorInfo({ uuid: '7a2a3c14-9d7e-4a1b-8c3d-0123456789ab', productId: 1, productVersion: 1, vendor: 'PIA', product: 'Gateway' }) },
  { type: ATOM_TYPE.gpioMap, data: encodeGpioMap() },
  { type: ATOM_TYPE.custom, data: Buffer.from('x'.repeat(200)) },
]);

describe('HatEeprom client over the virtual bus', () => {
  it('writes an image page by page and reads it back as the same atoms', async () => {
    const { clock, chip, eeprom } = rig();
    await drive(clock, eeprom.writeImage(image));
    expect(chip.contents.subarray(0, image.length)).toEqual(image);
    const read = await drive(clock, eeprom.readImage());
    expect(read.atoms.map((a) => a.type)).toEqual([1, 2, 4]);
    expect(read.length).toBe(image.length);
  });

  it('splits at page boundaries, where one raw write would roll over within its page', async () => {
    const { clock, bus, chip, eeprom } = rig();
    const data = Buffer.from([1, 2, 3, 4, 5, 6]);
    await drive(clock, eeprom.write(30, data));
    expect(chip.contents.subarray(30, 36)).toEqual(data);
    await clock.advance(EEPROM_WRITE_CYCLE_MS);
    await drive(clock, bus.i2cWrite(0x50, Buffer.of(0x00, 0x5e, 9, 9, 9, 9))); // 0x5E: 2 bytes left in page 0x40
    expect([...chip.contents.subarray(0x5e, 0x60)]).toEqual([9, 9]);
    expect([...chip.contents.subarray(0x40, 0x42)]).toEqual([9, 9]);
    expect(chip.contents[0x60]).toBe(0xff);
  });

  it('waits for each write cycle by ACK polling before the next page', async () => {
    const { clock, bus, eeprom } = rig();
    await drive(clock, eeprom.write(0, Buffer.alloc(40, 0xab)));
    const writes = bus.log.filter((t) => t.write.length > 2);
    expect(writes.map((t) => t.write.length)).toEqual([2 + 32, 2 + 8]);
    const first = writes[0]!;
    const second = writes[1]!;
    const polls = bus.log.slice(bus.log.indexOf(first) + 1, bus.log.indexOf(second));
    expect(polls.length).toBeGreaterThan(1);
    expect(polls.every((t) => t.write.length === 2)).toBe(true);
    expect(polls.slice(0, -1).every((t) => t.error === 'nack')).toBe(true);
    const acked = polls[polls.length - 1]!;
    expect(acked.error).toBeUndefined();
    expect(acked.at - first.at).toBeGreaterThanOrEqual(EEPROM_WRITE_CYCLE_MS);
    expect(second.at).toBeGreaterThanOrEqual(acked.at);
  });

  it('reports WP high as write-protection and leaves the contents alone', async () => {
    const { clock, chip, eeprom } = rig();
    chip.writeProtect = true;
    const e = await failure(clock, eeprom.writeImage(image));
    expect(e.kind).toBe('write-protected');
    expect(e.message).toMatch(/HAT EEPROM at i2c-1 0x50: .*refuses the data at 0 \(WP is high\); pull WP low/);
    expect(chip.contents.every((b) => b === 0xff)).toBe(true);
  });

  it('names a blank chip, a corrupted atom and a missing chip', async () => {
    const blank = rig();
    expect((await failure(blank.clock, blank.eeprom.readImage())).message).toMatch(/signature is ffffffff/);
    const corrupt = Buffer.from(image);
    corrupt.writeUInt8(corrupt.readUInt8(image.length - 5) ^ 0xff, image.length - 5);
    const bad = rig(corrupt);
    const e = await failure(bad.clock, bad.eeprom.readImage());
    expect(e.kind).toBe('crc');
    expect(e.message).toMatch(/atom 2 \(type 0x0004 \(custom data\)\)/);
    const { clock, chip, eeprom } = rig();
    chip.faults.inject('unplug');
    expect((await failure(clock, eeprom.read(0, 12))).kind).toBe('no-response');
  });
});
