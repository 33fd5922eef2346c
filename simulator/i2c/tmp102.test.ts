import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { I2cError } from '../../drivers/i2c/index.js';
import { Tmp102 } from './tmp102.js';
import { VirtualI2cBus } from './virtual-bus.js';

function setup(address = 0x48): { clock: ManualClock; bus: VirtualI2cBus; env: { temperatureC: number }; tmp: Tmp102 } {
  const clock = new ManualClock();
  const env = { temperatureC: 22.25 };
  const bus = new VirtualI2cBus({ clock, random: (n) => Buffer.alloc(n, 0x11) });
  const tmp = new Tmp102({ clock, environment: env, address });
  bus.attach(tmp);
  return { clock, bus, env, tmp };
}

async function reg(bus: VirtualI2cBus, r: number, address = 0x48): Promise<number> {
  return (await bus.readI2cBlock(address, r, 2)).readUInt16BE(0);
}

async function writeReg(bus: VirtualI2cBus, r: number, value: number): Promise<void> {
  await bus.writeI2cBlock(0x48, r, Buffer.of(value >> 8, value & 0xff));
}

/** 12-bit left-justified (or 13-bit with EM, flagged by bit 0), 0.0625 °C/LSB. */
function celsius(raw: number): number {
  const extended = (raw & 1) === 1;
  const signed = raw >= 0x8000 ? raw - 0x10000 : raw;
  return (extended ? signed >> 3 : signed >> 4) * 0.0625;
}

describe('TMP102', () => {
  it('powers up with config 0x60A0, TLOW 75 °C, THIGH 80 °C', async () => {
    const { bus } = setup(0x4b);
    expect(await reg(bus, 1, 0x4b)).toBe(0x60a0);
    expect(await reg(bus, 2, 0x4b)).toBe(0x4b00);
    expect(await reg(bus, 3, 0x4b)).toBe(0x5000);
  });

  it('converts at 4 Hz after a 26 ms first conversion, 12-bit, negative too', async () => {
    const { clock, bus, env } = setup();
    expect(await reg(bus, 0)).toBe(0);
    await clock.advance(26);
    expect(celsius(await reg(bus, 0))).toBe(22.25);
    for (const t of [-0.0625, -25.5, -55, 127.9375, 0.03]) {
      env.temperatureC = t;
      await clock.advance(250);
      expect(Math.abs(celsius(await reg(bus, 0)) - t)).toBeLessThanOrEqual(0.0625 / 2);
    }
    // 12-bit format: low nibble 0.
    expect((await reg(bus, 0)) & 0x000f).toBe(0);
  });

  it('extended mode: 13-bit with bit 0 set, up to 150 °C', async () => {
    const { clock, bus, env } = setup();
    await writeReg(bus, 1, 0x60b0);
    env.temperatureC = 150;
    await clock.advance(300);
    const raw = await reg(bus, 0);
    expect(raw & 1).toBe(1);
    expect(celsius(raw)).toBe(150);
  });

  it('shutdown holds the reading; one-shot converts once, OS reads 0 then 1', async () => {
    const { clock, bus, env } = setup();
    await clock.advance(26);
    await writeReg(bus, 1, 0x61a0); // SD
    env.temperatureC = 40;
    await clock.advance(1000);
    expect(celsius(await reg(bus, 0))).toBe(22.25);
    await writeReg(bus, 1, 0xe1a0); // SD + OS
    expect((await reg(bus, 1)) & 0x8000).toBe(0);
    await clock.advance(26);
    expect((await reg(bus, 1)) & 0x8000).toBe(0x8000);
    expect(celsius(await reg(bus, 0))).toBe(40);
    env.temperatureC = 10;
    await clock.advance(1000);
    expect(celsius(await reg(bus, 0))).toBe(40);
  });

  it('comparator: AL goes active (reads 0 with POL 0) at ≥ THIGH after F faults and clears below TLOW', async () => {
    const { clock, bus, env } = setup();
    await writeReg(bus, 1, 0x68a0); // fault queue F = 2 (F1F0 = 01)
    env.temperatureC = 85;
    await clock.advance(26);
    expect((await reg(bus, 1)) & 0x0020).toBe(0x0020); // one fault: not yet
    await clock.advance(250);
    expect((await reg(bus, 1)) & 0x0020).toBe(0);
    env.temperatureC = 77; // between TLOW and THIGH: stays active
    await clock.advance(500);
    expect((await reg(bus, 1)) & 0x0020).toBe(0);
    env.temperatureC = 70;
    await clock.advance(500);
    expect((await reg(bus, 1)) & 0x0020).toBe(0x0020);
  });

  it('has no ID register but answers a bare read (the scan finds it); faults reach the host', async () => {
    const { clock, bus, tmp } = setup();
    expect(await bus.scan()).toEqual([0x48]);
    tmp.faults.inject('garbage', 1);
    expect(await reg(bus, 1)).toBe(0x1111);
    tmp.faults.inject('crc', 1);
    expect(await reg(bus, 1)).toBe(0x60a1);
    tmp.faults.inject('nack', 1);
    await expect(reg(bus, 1)).rejects.toBeInstanceOf(I2cError);
    tmp.faults.inject('timeout', 1);
    const p = reg(bus, 1).catch((e: unknown) => (e as I2cError).kind);
    await clock.advance(25);
    expect(await p).toBe('timeout');
    tmp.faults.inject('unplug');
    await expect(reg(bus, 1)).rejects.toMatchObject({ kind: 'nack' });
    tmp.faults.clear();
    expect(await reg(bus, 1)).toBe(0x60a0);
  });
});
