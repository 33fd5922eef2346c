import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { I2cError } from '../../drivers/i2c/index.js';
import { Room } from '../physics/room.js';
import { Bme280 } from './bme280.js';
import { BME280_TYPICAL_CALIBRATION, compensateBme280, parseBme280Burst, parseBme280Calibration } from './bme280-compensation.js';
import { VirtualI2cBus } from './virtual-bus.js';

type Env = { temperatureC: number; humidityPct: number; pressurePa: number };

function setup(address = 0x76): { clock: ManualClock; bus: VirtualI2cBus; env: Env; bme: Bme280 } {
  const clock = new ManualClock();
  const env: Env = { temperatureC: 23.4, humidityPct: 41, pressurePa: 98_765 };
  const bus = new VirtualI2cBus({ clock, random: (n) => Buffer.alloc(n, 0x5a) });
  const bme = new Bme280({ clock, environment: env, address });
  bus.attach(bme);
  return { clock, bus, env, bme };
}

/** What a host driver does: read the trimming once, then burst-read 0xF7..0xFE and compensate. */
async function readCompensated(bus: VirtualI2cBus, address = 0x76): Promise<{ temperatureC: number; pressurePa: number; humidityPct: number }> {
  const cal = parseBme280Calibration(await bus.readI2cBlock(address, 0x88, 26), await bus.readI2cBlock(address, 0xe1, 7));
  return compensateBme280(parseBme280Burst(await bus.readI2cBlock(address, 0xf7, 8)), cal);
}

async function forced(clock: ManualClock, bus: VirtualI2cBus, osrs = 0b001): Promise<void> {
  await bus.writeByte(0x76, 0xf2, osrs);
  await bus.writeByte(0x76, 0xf4, (osrs << 5) | (osrs << 2) | 0b01);
  await clock.advance(120);
}

describe('BME280 identification and trimming', () => {
  it('answers chip ID 0x60 and serves the trimming parameters that parse back to the model', async () => {
    const { bus } = setup();
    expect(await bus.readByte(0x76, 0xd0)).toBe(0x60);
    const cal = parseBme280Calibration(await bus.readI2cBlock(0x76, 0x88, 26), await bus.readI2cBlock(0x76, 0xe1, 7));
    expect(cal).toEqual(BME280_TYPICAL_CALIBRATION);
    expect(await bus.readWord(0x76, 0x88)).toBe(27504); // dig_T1, little-endian like an SMBus word
  });

  it('reads the reset values 0x80000/0x80000/0x8000 before any measurement, and after a soft reset', async () => {
    const { clock, bus } = setup();
    expect([...(await bus.readI2cBlock(0x76, 0xf7, 8))]).toEqual([0x80, 0, 0, 0x80, 0, 0, 0x80, 0]);
    await forced(clock, bus);
    expect((await bus.readI2cBlock(0x76, 0xf7, 8))[0]).not.toBe(0x80);
    await bus.writeByte(0x76, 0xe0, 0xb6);
    expect(await bus.readByte(0x76, 0xf3)).toBe(0x01); // im_update: NVM copy running
    await clock.advance(2);
    expect(await bus.readByte(0x76, 0xf3)).toBe(0x00);
    expect(await bus.readByte(0x76, 0xe0)).toBe(0x00);
    expect(await bus.readByte(0x76, 0xf4)).toBe(0x00);
    expect([...(await bus.readI2cBlock(0x76, 0xf7, 8))]).toEqual([0x80, 0, 0, 0x80, 0, 0, 0x80, 0]);
  });
});

describe('BME280 measurements through the Bosch compensation', () => {
  it('gives back the room values at several temperatures, negative too, at ×1 and ×16', async () => {
    for (const osrs of [0b001, 0b101]) {
      const { clock, bus, env } = setup();
      for (const [t, rh, pa] of [[-20, 30, 95_000], [-0.5, 85, 101_325], [23.4, 41, 98_765], [60, 10, 110_000]] as const) {
        env.temperatureC = t;
        env.humidityPct = rh;
        env.pressurePa = pa;
        await forced(clock, bus, osrs);
        const r = await readCompensated(bus);
        expect(r.temperatureC).toBeCloseTo(t, 1);
        expect(Math.abs(r.temperatureC - t)).toBeLessThanOrEqual(0.01);
        expect(Math.abs(r.pressurePa - pa)).toBeLessThanOrEqual(osrs === 1 ? 3 : 1);
        expect(Math.abs(r.humidityPct - rh)).toBeLessThan(0.01);
      }
    }
  });

  it('reads a Room', async () => {
    const clock = new ManualClock();
    const room = new Room({ clock, initialC: 27, humidityPct: 60 });
    const bus = new VirtualI2cBus({ clock });
    bus.attach(new Bme280({ clock, environment: room, address: 0x77 }));
    await bus.writeByte(0x77, 0xf2, 1);
    await bus.writeByte(0x77, 0xf4, 0b001_001_01);
    await clock.advance(10);
    const r = await readCompensated(bus, 0x77);
    expect(r.temperatureC).toBeCloseTo(room.temperatureC, 1);
    expect(r.humidityPct).toBeCloseTo(60, 1);
    expect(Math.abs(r.pressurePa - 101_325)).toBeLessThanOrEqual(3);
  });

  it('forced mode: measuring bit during the conversion, data at its end, then back to sleep', async () => {
    const { clock, bus } = setup();
    await bus.writeByte(0x76, 0xf2, 0b001);
    await bus.writeByte(0x76, 0xf4, 0b001_001_01);
    // t_measure,max = 1.25 + 2.3 + 2.875 + 2.875 = 9.3 ms
    expect(await bus.readByte(0x76, 0xf3)).toBe(0x08);
    expect(await bus.readByte(0x76, 0xf4)).toBe(0b001_001_01);
    expect(await bus.readByte(0x76, 0xf7)).toBe(0x80);
    await clock.advance(9.25);
    expect(await bus.readByte(0x76, 0xf3)).toBe(0x08);
    await clock.advance(0.1);
    expect(await bus.readByte(0x76, 0xf3)).toBe(0x00);
    expect(await bus.readByte(0x76, 0xf4)).toBe(0b001_001_00);
    expect(await bus.readByte(0x76, 0xf7)).not.toBe(0x80);
  });

  it('ctrl_hum takes effect only after a write to ctrl_meas; osrs 0 skips a reading (0x8000)', async () => {
    const { clock, bus } = setup();
    await bus.writeByte(0x76, 0xf4, 0b001_001_01);
    await clock.advance(20);
    await bus.writeByte(0x76, 0xf2, 0b001); // not yet in force
    await bus.writeByte(0x76, 0xf5, 0); // config does not apply it either
    expect((await bus.readI2cBlock(0x76, 0xfd, 2)).readUInt16BE(0)).toBe(0x8000);
    await bus.writeByte(0x76, 0xf4, 0b001_001_01);
    await clock.advance(20);
    const r = await readCompensated(bus);
    expect(r.humidityPct).toBeCloseTo(41, 1);
    await bus.writeByte(0x76, 0xf4, 0b000_001_01);
    await clock.advance(20);
    expect((await bus.readI2cBlock(0x76, 0xfa, 3)).toString('hex')).toBe('800000');
  });

  it('normal mode repeats at t_measure + t_standby and refuses config writes while running', async () => {
    const { clock, bus, env } = setup();
    await bus.writeByte(0x76, 0xf5, 0b011_000_00); // t_sb 250 ms
    await bus.writeByte(0x76, 0xf2, 1);
    await bus.writeByte(0x76, 0xf4, 0b001_001_11);
    await clock.advance(20);
    expect((await readCompensated(bus)).temperatureC).toBeCloseTo(23.4, 1);
    env.temperatureC = 30;
    await clock.advance(200);
    expect((await readCompensated(bus)).temperatureC).toBeCloseTo(23.4, 1);
    await clock.advance(60);
    expect((await readCompensated(bus)).temperatureC).toBeCloseTo(30, 1);
    expect(await bus.readByte(0x76, 0xf4)).toBe(0b001_001_11);
    await bus.writeByte(0x76, 0xf5, 0b101_000_00);
    expect(await bus.readByte(0x76, 0xf5)).toBe(0b011_000_00);
  });

  it('writes are address/data pairs; reads auto-increment', async () => {
    const { bus } = setup();
    await bus.i2cWrite(0x76, Buffer.of(0xf2, 0x03, 0xf5, 0x10));
    expect([...(await bus.readI2cBlock(0x76, 0xf2, 4))]).toEqual([0x03, 0x00, 0x00, 0x10]);
    await bus.i2cWrite(0x76, Buffer.of(0xd0));
    expect([...(await bus.i2cRead(0x76, 1))]).toEqual([0x60]);
  });

  it('the IIR filter smooths a step in temperature', async () => {
    const { clock, bus, env } = setup();
    await bus.writeByte(0x76, 0xf5, 0b000_100_00); // filter coefficient 16
    await forced(clock, bus);
    env.temperatureC = 33.4;
    await forced(clock, bus);
    const t = (await readCompensated(bus)).temperatureC;
    expect(t).toBeGreaterThan(23.4 + 0.5);
    expect(t).toBeLessThan(23.4 + 1); // 1/16 of the 10 °C step
  });
});

describe('BME280 on the bus', () => {
  it('is found by a scan (it ACKs a bare read) and suffers every fault kind', async () => {
    const { clock, bus, bme } = setup();
    expect(await bus.scan()).toEqual([0x76]);
    bme.faults.inject('nack', 1);
    await expect(bus.readByte(0x76, 0xd0)).rejects.toMatchObject({ kind: 'nack' });
    bme.faults.inject('garbage', 1);
    expect([...(await bus.readI2cBlock(0x76, 0xd0, 2))]).toEqual([0x5a, 0x5a]);
    bme.faults.inject('crc', 1);
    expect(await bus.readByte(0x76, 0xd0)).toBe(0x61);
    bme.faults.inject('timeout', 1);
    const t = bus.readByte(0x76, 0xd0).catch((e: unknown) => e);
    await clock.advance(25);
    expect(((await t) as I2cError).kind).toBe('timeout');
    bme.faults.inject('unplug');
    expect(await bus.scan()).toEqual([]);
    bme.faults.clear();
    expect(await bus.readByte(0x76, 0xd0)).toBe(0x60);
  });
});
