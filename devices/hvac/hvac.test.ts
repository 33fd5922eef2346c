import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { RtuMaster } from '../../drivers/modbus/index.js';
import { createVirtualBuilding, type VirtualBuilding } from '../../simulator/index.js';
import type { VirtualSerialLine } from '../../simulator/index.js';
import { DeviceError, type DeviceEvent } from '../model/types.js';
import { createHvac, type HvacOptions } from './hvac-device.js';

let building: VirtualBuilding | undefined;

afterEach(async () => {
  await building?.close();
  building = undefined;
});

const POLL_MS = 1000;

async function rig(extra: Partial<HvacOptions> = {}) {
  const clock = new ManualClock();
  building = createVirtualBuilding({ clock });
  const line = building.host.serial.hvac;
  const master = new RtuMaster(line, { clock, timeoutMs: 200, retries: 1, checkCharacterGaps: true });
  const hvac = createHvac({ name: 'office-fcu', master, clock, pollIntervalMs: POLL_MS, maxPollIntervalMs: 8000, setpointWriteIntervalS: 30, random: () => 0, ...extra });
  const events: DeviceEvent[] = [];
  hvac.onEvent((e) => events.push(e));
  await hvac.start();
  await clock.advance(200); // the first poll: four requests at 9600 baud
  return { clock, hvac, unit: building.parts.hvac.unit, server: building.parts.hvac.server, line: line as VirtualSerialLine, events };
}

describe('hvac: reading the fan coil', () => {
  it('reads settings, limits and temperatures through the register map', async () => {
    const { hvac } = await rig();
    expect(hvac.health().status).toBe('ok');
    expect(hvac.read()).toMatchObject({
      power: false,
      mode: 'cool',
      fanSpeed: 'auto',
      setpointMin: 16,
      setpointMax: 30,
      coolingSetpoint: 24,
      heatingSetpoint: 21,
      roomTemperature: 24,
      faultCode: 0,
      faultText: null,
    });
    expect(typeof hvac.read().coilTemperature).toBe('number');
  });

  it('a failed sensor (32767) reads null, not 3276.7 °C, with a fault; back when repaired', async () => {
    const { clock, hvac, unit, events } = await rig();
    unit.failSensor('room');
    await clock.advance(POLL_MS + 200);
    expect(hvac.read()).toMatchObject({ roomTemperature: null, faultCode: 1, faultText: 'room temperature sensor failed' });
    expect(typeof hvac.read().coilTemperature).toBe('number');
    expect(hvac.health().status).toBe('degraded');
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['sensor-failed', 'fault']));
    unit.failSensor('room', false);
    await clock.advance(POLL_MS + 200);
    expect(hvac.read()).toMatchObject({ faultCode: 0, faultText: null });
    expect(hvac.read().roomTemperature).toBeCloseTo(building!.room.temperatureC, 0);
    expect(hvac.health().status).toBe('ok');
  });

  it('a unit answering exception 04 fails the device, with readings null, and it recovers by itself', async () => {
    const { clock, hvac, server, events } = await rig();
    server.deviceFailure = true;
    await clock.advance(20_000);
    expect(hvac.health().status).toBe('failed');
    expect(hvac.health().lastError?.message).toMatch(/exception 4 \(server device failure\)/);
    expect(hvac.read()).toMatchObject({ roomTemperature: null, coolingSetpoint: null, power: null });
    server.deviceFailure = false;
    await clock.advance(10_000); // backed off to at most 8 s
    expect(hvac.health().status).toBe('ok');
    expect(hvac.read().coolingSetpoint).toBe(24);
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['failed', 'recovered']));
  });

  it('an unplugged adapter (timeouts) is health, not a throw, and polling resumes after replug', async () => {
    const { clock, hvac, server, line } = await rig();
    server.faults.inject('unplug');
    await clock.advance(20_000);
    expect(hvac.health().status).toBe('failed');
    expect(hvac.health().lastError?.message).toMatch(/Modbus unit 15.*(serial line is reopening|no reply)/);
    line.replug();
    await clock.advance(10_000);
    expect(hvac.health().status).toBe('ok');
    expect(hvac.read().roomTemperature).toBeCloseTo(building!.room.temperatureC, 0);
  });
});

describe('hvac: writes', () => {
  it('turns the unit on, sets mode and fan, and the unit has them', async () => {
    const { clock, hvac, unit } = await rig();
    await expect(clock.settle(hvac.set('power', true))).resolves.toBe(true);
    await expect(clock.settle(hvac.set('mode', 'heat'))).resolves.toBe('heat');
    await expect(clock.settle(hvac.set('fanSpeed', 'high'))).resolves.toBe('high');
    expect([unit.raw('power'), unit.raw('mode'), unit.raw('fan_speed')]).toEqual([1, 4, 4]);
    expect(hvac.read()).toMatchObject({ power: true, mode: 'heat', fanSpeed: 'high' });
  });

  it('writes a setpoint within the unit limits (°C×10 on the wire)', async () => {
    const { clock, hvac, unit } = await rig();
    await expect(clock.settle(hvac.set('coolingSetpoint', 22.5))).resolves.toBe(22.5);
    expect(unit.raw('setpoint_cooling')).toBe(225);
  });

  it('refuses a setpoint outside the unit limits read from it, naming them, without writing', async () => {
    const { clock, hvac, unit } = await rig();
    const err: unknown = await clock.settle(hvac.set('coolingSetpoint', 31)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    expect(err).toMatchObject({ code: 'invalid', message: expect.stringMatching(/coolingSetpoint: 31 °C is outside the unit's limits 16–30 °C/) as unknown });
    await expect(clock.settle(hvac.set('heatingSetpoint', 15))).rejects.toMatchObject({ code: 'invalid' });
    // Outside even the map's static range: refused by validation before anything else.
    await expect(clock.settle(hvac.set('heatingSetpoint', 80))).rejects.toMatchObject({ code: 'invalid', message: expect.stringMatching(/from 5 to 35 Cel/) as unknown });
    expect(unit.raw('setpoint_cooling')).toBe(240);
    expect(unit.raw('setpoint_heating')).toBe(210);
    // A refusal does not use up the rate limit.
    await expect(clock.settle(hvac.set('coolingSetpoint', 25))).resolves.toBe(25);
  });

  it('rate-limits each setpoint: a second write too early is busy, naming when to retry', async () => {
    const { clock, hvac, unit } = await rig();
    await clock.settle(hvac.set('coolingSetpoint', 23));
    await clock.advance(10_000);
    const err: unknown = await clock.settle(hvac.set('coolingSetpoint', 22)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'busy', retryAfterS: 20, message: expect.stringMatching(/was written 10 s ago; the unit takes one write per 30 s per setpoint$/) as unknown });
    expect(unit.raw('setpoint_cooling')).toBe(230);
    // The other setpoint has its own budget.
    await expect(clock.settle(hvac.set('heatingSetpoint', 20))).resolves.toBe(20);
    await clock.advance(20_000);
    await expect(clock.settle(hvac.set('coolingSetpoint', 22))).resolves.toBe(22);
    expect(unit.raw('setpoint_cooling')).toBe(220);
  });

  it('writing the value the unit already holds writes nothing and keeps the allowance', async () => {
    const { clock, hvac, unit } = await rig();
    await clock.settle(hvac.set('coolingSetpoint', 23));
    // At once again: not busy, since nothing is written.
    await expect(clock.settle(hvac.set('coolingSetpoint', 23))).resolves.toBe(23);
    await clock.advance(31_000);
    await expect(clock.settle(hvac.set('coolingSetpoint', 23))).resolves.toBe(23);
    // That unchanged write did not use the allowance: a real change right after it lands.
    await expect(clock.settle(hvac.set('coolingSetpoint', 22))).resolves.toBe(22);
    expect(unit.raw('setpoint_cooling')).toBe(220);
    await expect(clock.settle(hvac.set('coolingSetpoint', 21))).rejects.toMatchObject({ code: 'busy', retryAfterS: 30 });
  });

  it('two concurrent writes of one setpoint: the second is busy, the first lands', async () => {
    const { clock, hvac, unit } = await rig();
    const first = hvac.set('heatingSetpoint', 19);
    const second = hvac.set('heatingSetpoint', 18).catch((e: unknown) => e); // both join one fresh poll
    await expect(clock.settle(first)).resolves.toBe(19);
    expect(await clock.settle(second)).toMatchObject({ code: 'busy', retryAfterS: 30 });
    expect(unit.raw('setpoint_heating')).toBe(190);
  });

  it('a write that times out is DeviceError failed and health; read-only properties are refused', async () => {
    const { clock, hvac, server } = await rig();
    server.faults.inject('timeout', 2);
    await expect(clock.settle(hvac.set('power', true))).rejects.toMatchObject({ code: 'failed', message: expect.stringMatching(/writing power \(register 28301\) failed: .*no reply/) as unknown });
    expect(hvac.health().failures).toBeGreaterThan(0);
    await expect(hvac.set('roomTemperature', 20)).rejects.toMatchObject({ code: 'invalid', message: expect.stringMatching(/read-only/) as unknown });
  });
});
