import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { crc8Sensirion, parseSensirionWords } from '../../drivers/i2c/index.js';
import { I2cError } from '../../drivers/i2c/index.js';
import { Room } from '../physics/room.js';
import { SHT3X_STATUS, Sht31 } from './sht31.js';
import { VirtualI2cBus } from './virtual-bus.js';

const cmd = (c: number): Buffer => Buffer.of(c >> 8, c & 0xff);

function setup(address = 0x44): { clock: ManualClock; bus: VirtualI2cBus; env: { temperatureC: number; humidityPct: number }; sht: Sht31 } {
  const clock = new ManualClock();
  const env = { temperatureC: 21.5, humidityPct: 40 };
  const bus = new VirtualI2cBus({ clock, random: (n) => Buffer.alloc(n, 0x33) });
  const sht = new Sht31({ clock, environment: env, address, serialNumber: 0xdeadbeef });
  bus.attach(sht);
  return { clock, bus, env, sht };
}

async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof I2cError ? e.kind : String(e);
  }
}

/** A single-shot measurement as a host driver would do it: command, wait, read 6, check CRCs. */
async function measure(clock: ManualClock, bus: VirtualI2cBus, command = 0x2400, waitMs = 15): Promise<{ t: number; rh: number }> {
  await bus.i2cWrite(0x44, cmd(command));
  await clock.advance(waitMs);
  const reply = await bus.i2cRead(0x44, 6);
  const parsed = parseSensirionWords(reply);
  if (!('words' in parsed)) throw new Error(`CRC mismatch in word ${parsed.badWord}`);
  const [st, srh] = parsed.words as [number, number];
  return { t: -45 + (175 * st) / 65535, rh: (100 * srh) / 65535 };
}

describe('SHT31 measurement', () => {
  it('round-trips temperature and humidity through the datasheet formulas, negative too', async () => {
    const { clock, bus, env } = setup();
    for (const [t, rh] of [[-40, 5], [-12.3, 80], [0, 50], [21.5, 40], [85, 95], [124.9, 0]] as const) {
      env.temperatureC = t;
      env.humidityPct = rh;
      const r = await measure(clock, bus);
      expect(r.t).toBeCloseTo(t, 2);
      expect(r.rh).toBeCloseTo(rh, 2);
      await clock.advance(1);
    }
  });

  it('reads a Room', async () => {
    const clock = new ManualClock();
    const room = new Room({ clock, initialC: 26, humidityPct: 55 });
    const bus = new VirtualI2cBus({ clock });
    bus.attach(new Sht31({ clock, environment: room }));
    const r = await measure(clock, bus);
    expect(r.t).toBeCloseTo(room.temperatureC, 1);
    expect(r.rh).toBeCloseTo(55, 2);
  });

  it('NACKs a read before the result is ready, for each repeatability duration', async () => {
    for (const [command, ms] of [[0x2400, 15], [0x240b, 6], [0x2416, 4]] as const) {
      const { clock, bus } = setup();
      await bus.i2cWrite(0x44, cmd(command));
      await clock.advance(ms - 0.1);
      expect(await kindOf(bus.i2cRead(0x44, 6))).toBe('nack');
      await clock.advance(0.1);
      expect((await bus.i2cRead(0x44, 6)).length).toBe(6);
      // Read once: the next read header finds nothing pending.
      expect(await kindOf(bus.i2cRead(0x44, 6))).toBe('nack');
    }
  });

  it('NACKs a command sent less than 1 ms after the previous one', async () => {
    const { clock, bus } = setup();
    await bus.i2cWrite(0x44, cmd(0x3066));
    await clock.advance(0.5);
    expect(await kindOf(bus.i2cWrite(0x44, cmd(0x3066)))).toBe('nack');
    await clock.advance(0.5);
    expect(await kindOf(bus.i2cWrite(0x44, cmd(0x3066)))).toBe('ok');
  });
});

describe('SHT31 identification and status', () => {
  it('reads the serial number as two CRC-protected words, through a combined write + read', async () => {
    const { bus } = setup();
    await bus.i2cWrite(0x44, cmd(0x3780));
    const reply = await bus.i2cRead(0x44, 6);
    expect([...reply]).toEqual([0xde, 0xad, crc8Sensirion(Uint8Array.of(0xde, 0xad)), 0xbe, 0xef, 0x92]);
  });

  it('status: 0x8010 at power-up, clear, heater bit, soft reset', async () => {
    const { clock, bus, sht } = setup();
    const status = async (): Promise<number> => {
      await clock.advance(1);
      await bus.i2cWrite(0x44, cmd(0xf32d));
      const r = parseSensirionWords(await bus.i2cRead(0x44, 3));
      if (!('words' in r)) throw new Error('bad CRC');
      return r.words[0]!;
    };
    expect(await status()).toBe(0x8010);
    await clock.advance(1);
    await bus.i2cWrite(0x44, cmd(0x3041));
    expect(await status()).toBe(0x0000);
    await clock.advance(1);
    await bus.i2cWrite(0x44, cmd(0x306d));
    expect(await status()).toBe(SHT3X_STATUS.heater);
    await clock.advance(1);
    await bus.i2cWrite(0x44, cmd(0x1234));
    expect(await status()).toBe(SHT3X_STATUS.heater | SHT3X_STATUS.commandFailed);
    await clock.advance(1);
    await bus.i2cWrite(0x44, cmd(0x30a2));
    await clock.advance(1);
    expect(await kindOf(bus.i2cWrite(0x44, cmd(0xf32d)))).toBe('nack');
    await clock.advance(0.5);
    expect(await status()).toBe(0x8010);
    expect(sht.statusRegister).toBe(0x8010);
  });

  it('the heater warms the reading by a few degrees and lowers the relative humidity', async () => {
    const { clock, bus } = setup();
    const cold = await measure(clock, bus);
    await clock.advance(1);
    await bus.i2cWrite(0x44, cmd(0x306d));
    await clock.advance(1);
    const warm = await measure(clock, bus);
    expect(warm.t - cold.t).toBeGreaterThan(1);
    expect(warm.t - cold.t).toBeLessThan(6);
    expect(warm.rh).toBeLessThan(cold.rh);
  });

  it('is missed by a bare-read scan while idle and found while a result is pending; accepts 0x45', async () => {
    const { clock, bus } = setup();
    expect(await bus.scan()).toEqual([]);
    await bus.i2cWrite(0x44, cmd(0x2416));
    await clock.advance(4);
    expect(await bus.scan()).toEqual([0x44]);
    expect(() => new Sht31({ clock, environment: { temperatureC: 0, humidityPct: 0 }, address: 0x46 })).toThrow(/0x44, 0x45/);
    const other = new Sht31({ clock, environment: { temperatureC: 0, humidityPct: 0 }, address: 0x45 });
    bus.attach(other);
    expect(bus.targetAt(0x45)).toBe(other);
  });
});

describe('SHT31 faults', () => {
  it('crc: the RH CRC byte no longer matches and recomputing shows it', async () => {
    const { clock, bus, sht } = setup();
    sht.faults.inject('crc', 1);
    await bus.i2cWrite(0x44, cmd(0x2400));
    await clock.advance(15);
    const reply = await bus.i2cRead(0x44, 6);
    expect(crc8Sensirion(reply.subarray(0, 2))).toBe(reply[2]);
    expect(crc8Sensirion(reply.subarray(3, 5))).not.toBe(reply[5]);
    expect(parseSensirionWords(reply)).toEqual({ badWord: 1 });
    await clock.advance(1);
    await expect(measure(clock, bus)).resolves.toBeDefined();
  });

  it('garbage, nack, timeout and unplug reach the host as such', async () => {
    const { clock, bus, sht } = setup();
    sht.faults.inject('garbage', 1);
    await expect(measure(clock, bus)).rejects.toThrow(/CRC mismatch/);
    await clock.advance(1);
    sht.faults.inject('nack', 1);
    expect(await kindOf(bus.i2cWrite(0x44, cmd(0x2400)))).toBe('nack');
    await clock.advance(1);
    sht.faults.inject('timeout', 1);
    const t = kindOf(bus.i2cWrite(0x44, cmd(0x2400)));
    await clock.advance(25);
    expect(await t).toBe('timeout');
    sht.faults.inject('unplug');
    expect(await kindOf(bus.i2cWrite(0x44, cmd(0x2400)))).toBe('nack');
    expect(await kindOf(bus.i2cRead(0x44, 6))).toBe('nack');
    sht.faults.clear();
    await clock.advance(1);
    await expect(measure(clock, bus)).resolves.toBeDefined();
  });
});
