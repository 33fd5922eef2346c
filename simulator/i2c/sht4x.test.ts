import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { crc8Sensirion, parseSensirionWords } from '../../drivers/i2c/index.js';
import { I2cError } from '../../drivers/i2c/index.js';
import { Sht4x } from './sht4x.js';
import { VirtualI2cBus } from './virtual-bus.js';

function setup(): { clock: ManualClock; bus: VirtualI2cBus; env: { temperatureC: number; humidityPct: number }; sht: Sht4x } {
  const clock = new ManualClock();
  const env = { temperatureC: 22, humidityPct: 50 };
  const bus = new VirtualI2cBus({ clock, random: (n) => Buffer.alloc(n, 0x77) });
  const sht = new Sht4x({ clock, environment: env, serialNumber: 0x0badcafe });
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

async function measure(clock: ManualClock, bus: VirtualI2cBus, command = 0xfd, waitMs = 8.3): Promise<{ t: number; rh: number }> {
  await bus.i2cWrite(0x44, Buffer.of(command));
  await clock.advance(waitMs);
  const parsed = parseSensirionWords(await bus.i2cRead(0x44, 6));
  if (!('words' in parsed)) throw new Error(`CRC mismatch in word ${parsed.badWord}`);
  const [st, srh] = parsed.words as [number, number];
  return { t: -45 + (175 * st) / 65535, rh: -6 + (125 * srh) / 65535 };
}

describe('SHT4x', () => {
  it('round-trips temperature and humidity with RH = −6 + 125·S/65535, negative temperatures too', async () => {
    const { clock, bus, env } = setup();
    for (const [t, rh] of [[-30, 10], [-0.5, 99], [22, 50], [60, 3]] as const) {
      env.temperatureC = t;
      env.humidityPct = rh;
      const r = await measure(clock, bus);
      expect(r.t).toBeCloseTo(t, 2);
      expect(r.rh).toBeCloseTo(rh, 2);
    }
  });

  it('NACKs the read header until the measurement is done, per precision', async () => {
    for (const [command, ms] of [[0xfd, 8.3], [0xf6, 4.5], [0xe0, 1.7]] as const) {
      const { clock, bus } = setup();
      await bus.i2cWrite(0x44, Buffer.of(command));
      await clock.advance(ms - 0.1);
      expect(await kindOf(bus.i2cRead(0x44, 6))).toBe('nack');
      expect(await kindOf(bus.i2cWrite(0x44, Buffer.of(0x89)))).toBe('nack');
      await clock.advance(0.1);
      expect(await kindOf(bus.i2cRead(0x44, 6))).toBe('ok');
      expect(await kindOf(bus.i2cRead(0x44, 6))).toBe('nack');
    }
  });

  it('reads the serial number (0x89) with valid CRCs', async () => {
    const { bus } = setup();
    await bus.i2cWrite(0x44, Buffer.of(0x89));
    const reply = await bus.i2cRead(0x44, 6);
    expect([...reply]).toEqual([0x0b, 0xad, crc8Sensirion(Uint8Array.of(0x0b, 0xad)), 0xca, 0xfe, crc8Sensirion(Uint8Array.of(0xca, 0xfe))]);
  });

  it('soft reset (0x94) drops a pending result and is busy for 1 ms; unknown and two-byte commands are NACKed', async () => {
    const { clock, bus } = setup();
    await bus.i2cWrite(0x44, Buffer.of(0x89));
    await bus.i2cWrite(0x44, Buffer.of(0x94));
    expect(await kindOf(bus.i2cRead(0x44, 6))).toBe('nack');
    await clock.advance(1);
    expect(await kindOf(bus.i2cRead(0x44, 6))).toBe('nack');
    expect(await kindOf(bus.i2cWrite(0x44, Buffer.of(0x24, 0x00)))).toBe('nack');
    expect(await kindOf(bus.i2cWrite(0x44, Buffer.of(0x12)))).toBe('nack');
  });

  it('faults: crc breaks the RH CRC, garbage fails the CRC check, unplug NACKs until cleared', async () => {
    const { clock, bus, sht } = setup();
    sht.faults.inject('crc', 1);
    await bus.i2cWrite(0x44, Buffer.of(0xfd));
    await clock.advance(8.3);
    const reply = await bus.i2cRead(0x44, 6);
    expect(crc8Sensirion(reply.subarray(3, 5))).not.toBe(reply[5]);
    expect(parseSensirionWords(reply)).toEqual({ badWord: 1 });
    sht.faults.inject('garbage', 1);
    await expect(measure(clock, bus)).rejects.toThrow(/CRC mismatch in word 0/);
    sht.faults.inject('unplug');
    expect(await kindOf(bus.i2cWrite(0x44, Buffer.of(0xfd)))).toBe('nack');
    sht.faults.clear();
    await expect(measure(clock, bus)).resolves.toBeDefined();
  });
});
