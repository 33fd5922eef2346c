import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import type { I2cBus } from '../../drivers/index.js';
import { Sht31, Sht4x, VirtualI2cBus, createVirtualBuilding } from '../../simulator/index.js';
import { createThermometerPart, type ThermometerPartName } from './thermometer.js';
import { sht31Part, sht4xPart } from './sensirion.js';
import type { ThermometerPart } from './part.js';

/** Runs init then measure on the manual clock. */
async function read(clock: ManualClock, part: ThermometerPart) {
  await clock.settle(part.init());
  return clock.settle(part.measure());
}

async function failure(clock: ManualClock, p: Promise<unknown>): Promise<string> {
  try {
    await clock.settle(p);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a failure');
}

function building(initialC = 23.7) {
  const clock = new ManualClock();
  const b = createVirtualBuilding({ clock, room: { initialC, humidityPct: 52 } });
  const bus = b.host.i2c.get(1) as I2cBus;
  return { clock, b, bus };
}

describe('thermometer part drivers against the virtual building', () => {
  // Part resolution (docs/hardware.md, each part's section): SHT3x 175/65535 °C, BME280 0.01 °C,
  // MCP9808 and TMP102 0.0625 °C.
  const cases: [ThermometerPartName, number, number][] = [
    ['sht31', 0x44, 175 / 65535],
    ['mcp9808', 0x18, 0.0625],
    ['bme280', 0x76, 0.01],
    ['tmp102', 0x48, 0.0625],
  ];
  for (const [name, address, resolution] of cases) {
    it(`${name} reads the room's temperature within its resolution, warm and below zero`, async () => {
      for (const initialC of [23.7, -12.34]) {
        const { clock, b, bus } = building(initialC);
        const r = await read(clock, createThermometerPart(name, { bus, address, clock }));
        expect(Math.abs(r.temperatureC - b.room.temperatureC)).toBeLessThanOrEqual(resolution);
        await b.close();
      }
    });
  }

  it('sht31 and bme280 read humidity; bme280 reads pressure (101 325 Pa: the room has none of its own)', async () => {
    const { clock, b, bus } = building();
    const sht = await read(clock, createThermometerPart('sht31', { bus, address: 0x44, clock }));
    expect(Math.abs((sht.humidityPct ?? NaN) - 52)).toBeLessThanOrEqual(100 / 65535);
    const bme = await read(clock, createThermometerPart('bme280', { bus, address: 0x76, clock }));
    expect(Math.abs((bme.humidityPct ?? NaN) - 52)).toBeLessThan(0.01);
    expect(Math.abs((bme.pressurePa ?? NaN) - 101_325)).toBeLessThanOrEqual(2);
    await b.close();
  });

  it('sht4x (RH = −6 + 125·S/65535) reads temperature and humidity', async () => {
    const clock = new ManualClock();
    const env = { temperatureC: -5.5, humidityPct: 97 };
    const bus = new VirtualI2cBus({ clock });
    bus.attach(new Sht4x({ clock, environment: env }));
    const r = await read(clock, sht4xPart({ bus, address: 0x44, clock }));
    expect(Math.abs(r.temperatureC + 5.5)).toBeLessThanOrEqual(175 / 65535);
    expect(Math.abs((r.humidityPct ?? NaN) - 97)).toBeLessThanOrEqual(125 / 65535);
  });

  it('SHT31: uses the real sequence (0x2400, wait, 6-byte read) and treats a NACK while measuring as "not ready"', async () => {
    const clock = new ManualClock();
    const bus = new VirtualI2cBus({ clock, log: true });
    bus.attach(new Sht31({ clock, environment: { temperatureC: 21, humidityPct: 40 } }));
    const part = sht31Part({ bus, address: 0x44, clock }, { waitMs: 3, retryMs: 2 });
    await clock.settle(part.init());
    bus.log.length = 0;
    const r = await clock.settle(part.measure());
    expect(r.temperatureC).toBeCloseTo(21, 2);
    expect(bus.log[0]?.write).toEqual(Buffer.of(0x24, 0x00));
    const reads = bus.log.slice(1);
    // Read headers at 3, 5, … ms are NACKed until the 15 ms measurement ends.
    expect(reads.filter((t) => t.error === 'nack').length).toBeGreaterThanOrEqual(5);
    expect(reads.at(-1)?.read?.length).toBe(6);
    expect((reads.at(-1)?.at ?? 0) - (bus.log[0]?.at ?? 0)).toBeGreaterThanOrEqual(15);
  });

  it('SHT31: a CRC mismatch is an error naming the word, never a reading', async () => {
    const { clock, b, bus } = building();
    const part = createThermometerPart('sht31', { bus, address: 0x44, clock });
    await clock.settle(part.init());
    b.parts.sht31.faults.inject('crc', 1);
    expect(await failure(clock, part.measure())).toMatch(/SHT31 at i2c-1 0x44: CRC mismatch in the humidity word/);
    await clock.advance(2);
    b.parts.sht31.faults.inject('garbage', 1);
    expect(await failure(clock, part.measure())).toMatch(/CRC mismatch in the (temperature|humidity) word/);
    await b.close();
  });

  it('identity checks name the part, the address and the fix', async () => {
    const { clock, b, bus } = building();
    // An MCP9808 driver pointed at the TMP102, a BME280 driver at the MCP9808.
    expect(await failure(clock, createThermometerPart('mcp9808', { bus, address: 0x48, clock }).init())).toMatch(
      /MCP9808 at i2c-1 0x48: manufacturer ID 0x4b00 .* expected 0x0054 \/ 0x04; .*check the address and part in the config/,
    );
    expect(await failure(clock, createThermometerPart('bme280', { bus, address: 0x18, clock }).init())).toMatch(/BME280 at i2c-1 0x18: chip ID 0x00, expected 0x60/);
    expect(await failure(clock, createThermometerPart('tmp102', { bus, address: 0x18, clock }).init())).toMatch(/TMP102 at i2c-1 0x18: configuration register/);
    await b.close();
  });

  it('a missing part is a NACK naming the bus and address', async () => {
    const { clock, b, bus } = building();
    expect(await failure(clock, createThermometerPart('sht31', { bus, address: 0x45, clock }).init())).toMatch(/i2c-1 0x45: .*\(nack\)/);
    await b.close();
  });

  it('MCP9808 and TMP102 wait for the first conversion at init, so a fresh part never reads 0 °C', async () => {
    const { clock, b, bus } = building(30);
    for (const [name, address] of [['mcp9808', 0x18], ['tmp102', 0x48]] as const) {
      const r = await read(clock, createThermometerPart(name, { bus, address, clock }));
      expect(r.temperatureC).toBeGreaterThan(29);
    }
    await b.close();
  });
});
