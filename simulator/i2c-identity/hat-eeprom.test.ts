import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { I2cError } from '../../drivers/i2c/index.js';
import { EEPROM_WRITE_CYCLE_MS, HatEepromSim } from './hat-eeprom.js';

function isNack(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    return e instanceof I2cError && e.kind === 'nack';
  }
}

function addr(a: number, ...data: number[]): Buffer {
  return Buffer.of(a >> 8, a & 0xff, ...data);
}

describe('24C32 HAT EEPROM simulator', () => {
  it('rolls a page write over to the start of the same 32-byte page', async () => {
    const clock = new ManualClock();
    const ee = new HatEepromSim({ clock });
    ee.transfer(addr(0x003e, 1, 2, 3, 4), 0); // page 0x20–0x3F
    await clock.advance(EEPROM_WRITE_CYCLE_MS);
    const c = ee.contents;
    expect([...c.subarray(0x3e, 0x40)]).toEqual([1, 2]);
    expect([...c.subarray(0x20, 0x22)]).toEqual([3, 4]);
    expect(c[0x40]).toBe(0xff); // the next page is untouched
  });

  it('NACKs its address during the write cycle and ACKs once it is over (ACK polling)', async () => {
    const clock = new ManualClock();
    const ee = new HatEepromSim({ clock });
    ee.transfer(addr(0x0100, 0xaa), 0);
    expect(isNack(() => ee.transfer(addr(0x0100), 1))).toBe(true);
    await clock.advance(EEPROM_WRITE_CYCLE_MS - 1);
    expect(isNack(() => ee.transfer(Buffer.alloc(0), 0))).toBe(true);
    await clock.advance(1);
    expect([...ee.transfer(addr(0x0100), 1)]).toEqual([0xaa]);
  });

  it('loads the address counter with a dummy write, continues at it, and wraps at the end of memory', () => {
    const clock = new ManualClock();
    const contents = Buffer.alloc(4096, 0);
    contents[0x0ffe] = 1;
    contents[0x0fff] = 2;
    contents[0] = 3;
    contents[1] = 4;
    const ee = new HatEepromSim({ clock, contents });
    ee.transfer(addr(0x0ffe), 0);
    expect(ee.busy).toBe(false); // no data bytes: no write cycle
    expect([...ee.transfer(Buffer.alloc(0), 3)]).toEqual([1, 2, 3]);
    expect([...ee.transfer(Buffer.alloc(0), 1)]).toEqual([4]);
    expect([...ee.transfer(addr(0xf000), 1)]).toEqual([3]); // top 4 address bits ignored
  });

  it('with WP high NACKs the data bytes, writes nothing and starts no write cycle', () => {
    const clock = new ManualClock();
    const ee = new HatEepromSim({ clock });
    ee.writeProtect = true;
    expect(isNack(() => ee.transfer(addr(0x0000, 0x52), 0))).toBe(true);
    expect(ee.busy).toBe(false);
    expect(ee.contents[0]).toBe(0xff);
    expect(isNack(() => ee.transfer(addr(0x0000), 1))).toBe(false); // reads still work
  });
});
