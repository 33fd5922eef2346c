import { describe, expect, it } from 'vitest';
import { CHILTRIX_CXI } from './maps/chiltrix-cxi.js';
import { describeMap } from './register-map.js';
import { exceptionReply, makeHarness, readReply, request, signed, words, writeMultiple, type Harness } from './test-support/harness.js';

const UNIT = 15;

async function readInputs(h: Harness): Promise<{ room: number; coil: number; fan: number; rpm: number; valve: number }> {
  const [room = 0, coil = 0, fan = 0, rpm = 0, valve = 0] = words(await h.transact(request(UNIT, 0x04, 46801, 5)));
  return { room: signed(room), coil: signed(coil), fan, rpm, valve };
}

async function minutes(h: Harness, n: number): Promise<void> {
  await h.clock.advance(n * 60_000);
}

describe('fan-coil unit (Chiltrix CXI map)', () => {
  it('reads the fault-flag block and the setpoint block in one request each', async () => {
    const h = makeHarness();
    expect(await h.transact(request(UNIT, 0x04, 46808, 3))).toEqual(readReply(UNIT, 0x04, [0, 0, 0]));
    expect(await h.transact(request(UNIT, 0x03, 28308, 4))).toEqual(readReply(UNIT, 0x03, [300, 160, 240, 210]));
  });

  it('reports 32767 for a failed sensor, sets its fault flag, and recovers', async () => {
    const h = makeHarness({ room: { initialC: 25 } });
    h.unit.failSensor('room');
    expect(words(await h.transact(request(UNIT, 0x04, 46801, 2)))[0]).toBe(32767);
    expect(words(await h.transact(request(UNIT, 0x04, 46808, 1)))).toEqual([1]);
    h.unit.failSensor('coil');
    expect(words(await h.transact(request(UNIT, 0x04, 46801, 2)))).toEqual([32767, 32767]);
    expect(words(await h.transact(request(UNIT, 0x04, 46808, 1)))).toEqual([3]);
    h.unit.failSensor('room', false);
    h.unit.failSensor('coil', false);
    expect(words(await h.transact(request(UNIT, 0x04, 46801, 1)))).toEqual([250]);
  });

  it('keeps setpoints within min..max: refuses outside values, clamps when the limits narrow', async () => {
    const h = makeHarness();
    expect(await h.transact(request(UNIT, 0x06, 28310, 301))).toEqual(exceptionReply(UNIT, 0x06, 3));
    expect(await h.transact(request(UNIT, 0x06, 28311, 159))).toEqual(exceptionReply(UNIT, 0x06, 3));
    expect(await h.transact(request(UNIT, 0x06, 28310, 300))).toEqual(request(UNIT, 0x06, 28310, 300));
    // min above max, and a negative (signed) max: refused.
    expect(await h.transact(request(UNIT, 0x06, 28309, 301))).toEqual(exceptionReply(UNIT, 0x06, 3));
    expect(await h.transact(request(UNIT, 0x06, 28308, -10))).toEqual(exceptionReply(UNIT, 0x06, 3));
    // Narrowing max to 26.0 °C drags the 30.0 °C cooling setpoint down to it.
    expect(await h.transact(request(UNIT, 0x06, 28308, 260))).toEqual(request(UNIT, 0x06, 28308, 260));
    expect(words(await h.transact(request(UNIT, 0x03, 28308, 4)))).toEqual([260, 160, 260, 210]);
    // In one request, later values are checked against earlier ones.
    expect(await h.transact(writeMultiple(UNIT, 28308, [350, 100, 120, 110]))).toHaveLength(8);
    expect(words(await h.transact(request(UNIT, 0x03, 28308, 4)))).toEqual([350, 100, 120, 110]);
  });

  it('off: does nothing, the room warms under its heat load', async () => {
    const h = makeHarness({ room: { initialC: 24 } });
    const before = await readInputs(h);
    await minutes(h, 10);
    const after = await readInputs(h);
    expect(before).toMatchObject({ fan: 0, rpm: 0, valve: 0 });
    expect(after.room).toBeGreaterThan(before.room);
  });

  it('cool: brings a warm room down toward the cooling setpoint over simulated minutes', async () => {
    const h = makeHarness({ room: { initialC: 27 } });
    await h.transact(writeMultiple(UNIT, 28301, [1, 1, 4]));
    await h.transact(request(UNIT, 0x06, 28310, 220));
    const temps: number[] = [];
    for (let i = 0; i < 6; i++) {
      temps.push((await readInputs(h)).room);
      await minutes(h, 5);
    }
    for (let i = 1; i < temps.length; i++) expect(temps[i]).toBeLessThanOrEqual(temps[i - 1] ?? 0);
    expect(temps[1]).toBeLessThan(temps[0] ?? 0);
    expect(temps.at(-1)).toBeLessThan(235);
    // Proportional control settles just above the setpoint, never below it.
    expect(temps.at(-1)).toBeGreaterThanOrEqual(220);
  });

  it('while cooling: coil below room, valve open, rpm of the chosen fan step', async () => {
    const h = makeHarness({ room: { initialC: 27 } });
    await h.transact(writeMultiple(UNIT, 28301, [1, 1, 3]));
    const s = await readInputs(h);
    expect(s.coil).toBeLessThan(s.room);
    expect(s.valve).toBe(100);
    expect(s).toMatchObject({ fan: 3, rpm: 1400 });
    await h.transact(request(UNIT, 0x06, 28303, 4));
    expect(await readInputs(h)).toMatchObject({ fan: 4, rpm: 2000 });
    await h.transact(request(UNIT, 0x06, 28303, 2));
    expect(await readInputs(h)).toMatchObject({ fan: 2, rpm: 900 });
  });

  it('fan speed scales the capacity: high cools faster than low', async () => {
    const drop = async (fan: number): Promise<number> => {
      const h = makeHarness({ room: { initialC: 28 } });
      await h.transact(writeMultiple(UNIT, 28301, [1, 1, fan]));
      const start = (await readInputs(h)).room;
      await minutes(h, 5);
      return start - (await readInputs(h)).room;
    };
    expect(await drop(4)).toBeGreaterThan(await drop(2));
  });

  it('heat: warms a cold room toward the heating setpoint, coil above room', async () => {
    const h = makeHarness({ room: { initialC: 15, outsideC: 5, heatLoadW: 0 } });
    await h.transact(writeMultiple(UNIT, 28301, [1, 4, 6]));
    const first = await readInputs(h);
    expect(first.coil).toBeGreaterThan(first.room);
    expect(first).toMatchObject({ fan: 4, valve: 100 });
    await minutes(h, 30);
    const later = await readInputs(h);
    expect(later.room).toBeGreaterThan(first.room);
    expect(later.room).toBeLessThanOrEqual(210);
  });

  it('auto: idle between the setpoints (valve shut, low fan), cooling above', async () => {
    const h = makeHarness({ room: { initialC: 22.5, heatLoadW: 0, outsideC: 22.5 } });
    await h.transact(writeMultiple(UNIT, 28301, [1, 0, 6]));
    expect(await readInputs(h)).toMatchObject({ valve: 0, fan: 2, rpm: 900 });
    h.room.temperatureC = 26;
    expect(await readInputs(h)).toMatchObject({ valve: 100, fan: 4 });
  });

  it('a failed room sensor stops heat exchange (fan still runs)', async () => {
    const h = makeHarness({ room: { initialC: 27 } });
    await h.transact(writeMultiple(UNIT, 28301, [1, 1, 3]));
    h.unit.failSensor('room');
    const s = await readInputs(h);
    expect(s).toMatchObject({ room: 32767, valve: 0, fan: 3 });
    expect(h.unit.operation().heatW).toBe(0);
  });

  it('a failed fan: no rpm, fault flag, no heat exchange', async () => {
    const h = makeHarness({ room: { initialC: 27 } });
    await h.transact(writeMultiple(UNIT, 28301, [1, 1, 4]));
    h.unit.failFan();
    expect(await readInputs(h)).toMatchObject({ fan: 0, rpm: 0, valve: 0 });
    expect(words(await h.transact(request(UNIT, 0x04, 46809, 1)))).toEqual([1]);
  });

  it('describes its map for a banner', () => {
    const lines = describeMap(CHILTRIX_CXI);
    expect(lines[0]).toMatch(/^holding 28301 power/);
    expect(lines.some((l) => l.includes('46801 room_temperature (°C ×10)'))).toBe(true);
  });
});
