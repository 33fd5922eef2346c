import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { I2cError } from '../../drivers/i2c/index.js';
import { Mcp9808 } from './mcp9808.js';
import { VirtualI2cBus } from './virtual-bus.js';

function setup(address = 0x18): { clock: ManualClock; bus: VirtualI2cBus; env: { temperatureC: number }; mcp: Mcp9808 } {
  const clock = new ManualClock();
  const env = { temperatureC: 24.3 };
  const bus = new VirtualI2cBus({ clock, random: (n) => Buffer.alloc(n, 0x42) });
  const mcp = new Mcp9808({ clock, environment: env, address });
  bus.attach(mcp);
  return { clock, bus, env, mcp };
}

/** A 16-bit big-endian register through an I2C block read (readWord would be little-endian). */
async function reg(bus: VirtualI2cBus, r: number, address = 0x18): Promise<number> {
  return (await bus.readI2cBlock(address, r, 2)).readUInt16BE(0);
}

async function writeReg(bus: VirtualI2cBus, r: number, value: number): Promise<void> {
  await bus.writeI2cBlock(0x18, r, Buffer.of(value >> 8, value & 0xff));
}

/** The datasheet's conversion (docs/hardware.md#mcp9808): °C = (raw & 0x0FFF)/16, minus 256 if bit 0x1000. */
function celsius(raw: number): number {
  const t = (raw & 0x0fff) / 16;
  return raw & 0x1000 ? t - 256 : t;
}

describe('MCP9808', () => {
  it('identifies: manufacturer 0x0054, device/revision 0x0400, resolution 0x03, config 0', async () => {
    const { bus } = setup(0x1f);
    expect(await reg(bus, 0x06, 0x1f)).toBe(0x0054);
    expect(await reg(bus, 0x07, 0x1f)).toBe(0x0400);
    expect(await bus.readByte(0x1f, 0x08)).toBe(0x03);
    expect(await reg(bus, 0x01, 0x1f)).toBe(0x0000);
    // SMBus readWord swaps the bytes (docs/hardware.md#i2c): a driver using it must swap back.
    expect(await bus.readWord(0x1f, 0x06)).toBe(0x5400);
  });

  it('reads 0 until the first conversion (250 ms at 0.0625 °C), then the temperature, negative too', async () => {
    const { clock, bus, env } = setup();
    expect((await reg(bus, 0x05)) & 0x1fff).toBe(0);
    await clock.advance(250);
    for (const t of [24.3, -0.0625, -12.5, -40, 100.75]) {
      env.temperatureC = t;
      await clock.advance(250);
      expect(celsius(await reg(bus, 0x05))).toBeCloseTo(t, 1);
      expect(Math.abs(celsius(await reg(bus, 0x05)) - t)).toBeLessThanOrEqual(0.0625 / 2);
    }
  });

  it('holds the reading between conversions and quantises to the resolution register', async () => {
    const { clock, bus, env } = setup();
    await clock.advance(250);
    expect(celsius(await reg(bus, 0x05))).toBeCloseTo(24.3, 1);
    env.temperatureC = 30;
    await clock.advance(100);
    expect(celsius(await reg(bus, 0x05))).toBeCloseTo(24.3, 1);
    await bus.writeByte(0x18, 0x08, 0x00); // 0.5 °C, 30 ms
    env.temperatureC = 21.3;
    await clock.advance(30);
    expect(celsius(await reg(bus, 0x05))).toBe(21.5);
  });

  it('sets the alert flags against TCRIT, TUPPER, TLOWER (bits 15..13), limits masked to 0.25 °C', async () => {
    const { clock, bus, env } = setup();
    await writeReg(bus, 0x04, 0x0500 | 0x3); // TCRIT 80 °C, low bits dropped
    await writeReg(bus, 0x02, 0x01e0); // TUPPER 30 °C
    await writeReg(bus, 0x03, 0x0140); // TLOWER 20 °C
    expect(await reg(bus, 0x04)).toBe(0x0500);
    await clock.advance(250);
    expect((await reg(bus, 0x05)) >> 13).toBe(0b000);
    env.temperatureC = 35;
    await clock.advance(250);
    expect((await reg(bus, 0x05)) >> 13).toBe(0b010);
    env.temperatureC = 80;
    await clock.advance(250);
    expect((await reg(bus, 0x05)) >> 13).toBe(0b110);
    env.temperatureC = 10;
    await clock.advance(250);
    expect((await reg(bus, 0x05)) >> 13).toBe(0b001);
    await writeReg(bus, 0x01, 0x0008); // alert output enabled, comparator mode
    expect((await reg(bus, 0x01)) & 0x0010).toBe(0x0010);
  });

  it('shutdown holds the last reading; locks freeze the limits', async () => {
    const { clock, bus, env } = setup();
    await clock.advance(250);
    await writeReg(bus, 0x01, 0x0100);
    env.temperatureC = 50;
    await clock.advance(1000);
    expect(celsius(await reg(bus, 0x05))).toBeCloseTo(24.3, 1);
    await writeReg(bus, 0x01, 0x0000);
    await clock.advance(250);
    expect(celsius(await reg(bus, 0x05))).toBeCloseTo(50, 1);
    await writeReg(bus, 0x01, 0x00c0); // crit + window lock
    await writeReg(bus, 0x04, 0x0500);
    await writeReg(bus, 0x02, 0x0500);
    await writeReg(bus, 0x01, 0x0000); // lock bits cannot be cleared
    expect(await reg(bus, 0x04)).toBe(0);
    expect(await reg(bus, 0x02)).toBe(0);
    expect(await reg(bus, 0x01)).toBe(0x00c0);
  });

  it('a bare read re-reads the pointer; the scan finds it; faults reach the host', async () => {
    const { clock, bus, mcp } = setup();
    await bus.i2cWrite(0x18, Buffer.of(0x06));
    expect([...(await bus.i2cRead(0x18, 2))]).toEqual([0x00, 0x54]);
    expect(await bus.scan()).toEqual([0x18]);
    mcp.faults.inject('crc', 1);
    expect(await reg(bus, 0x06)).toBe(0x0055);
    mcp.faults.inject('garbage', 1);
    expect(await reg(bus, 0x06)).toBe(0x4242);
    mcp.faults.inject('nack', 1);
    await expect(reg(bus, 0x06)).rejects.toBeInstanceOf(I2cError);
    mcp.faults.inject('timeout', 1);
    const p = reg(bus, 0x06).catch((e: unknown) => (e as I2cError).kind);
    await clock.advance(25);
    expect(await p).toBe('timeout');
    mcp.faults.inject('unplug');
    expect(await bus.scan()).toEqual([]);
    mcp.faults.clear();
    expect(await reg(bus, 0x06)).toBe(0x0054);
  });
});
