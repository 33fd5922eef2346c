import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import type { I2cBus, PwmChannel, PwmController } from '../../drivers/index.js';
import { BUILDING_LINES, BUILDING_PWM, createVirtualBuilding } from '../../simulator/index.js';
import type { DeviceEvent, OutputMemory, HealthStatus } from '../model/index.js';
import { createThermometer } from '../thermometer/index.js';
import { createFan, type FanOptions } from './fan.js';

function setup(extra: Partial<FanOptions> = {}, pwmOverride?: PwmController) {
  const clock = new ManualClock();
  const b = createVirtualBuilding({ clock });
  const fan = createFan({
    name: 'rack-fan',
    clock,
    pwm: pwmOverride ?? b.host.pwm,
    pwmChip: BUILDING_PWM.chip,
    pwmChannel: BUILDING_PWM.fan,
    gpio: b.host.gpio,
    tachLine: BUILDING_LINES.fanTach,
    random: () => 0,
    ...extra,
  });
  const events: DeviceEvent[] = [];
  fan.onEvent((e) => events.push(e));
  return { clock, b, fan, events, part: b.parts.fan };
}

/** ±1 pulse in a 1 s window is ±30 rpm. */
const RPM_TOLERANCE = 30;

describe('fan device: speed and tachometer', () => {
  it('starts at the safe speed (full) at 25 kHz and measures the rpm from the tach', async () => {
    const { clock, b, fan, part } = setup();
    await fan.start();
    expect(part.pwmFrequencyHz).toBe(25_000);
    expect(part.dutyFraction).toBe(1);
    expect(fan.read()).toMatchObject({ speed: 100, output: 100, rpm: null, stalled: false, failSafe: false });
    await clock.advance(15_000);
    expect(Math.abs((fan.read().rpm as number) - 3000)).toBeLessThanOrEqual(RPM_TOLERANCE);
    expect(fan.health().status).toBe('ok');
    await fan.stop();
    await b.close();
  });

  it('set speed drives the PWM duty and the rpm follows (50 % → 1500 rpm)', async () => {
    const { clock, b, fan, part } = setup();
    await fan.start();
    expect(await fan.set('speed', 50)).toBe(50);
    expect(part.dutyFraction).toBe(0.5);
    expect(fan.read()).toMatchObject({ speed: 50, output: 50 });
    await clock.advance(15_000);
    expect(Math.abs((fan.read().rpm as number) - 1500)).toBeLessThanOrEqual(RPM_TOLERANCE);
    expect(Math.abs((fan.read().rpm as number) - part.rpm)).toBeLessThanOrEqual(RPM_TOLERANCE);
    await fan.stop();
    await b.close();
  });

  it('refuses out-of-range and mistyped speeds before touching the PWM; refuses writes to rpm', async () => {
    const { b, fan, part } = setup();
    await fan.start();
    await fan.set('speed', 40);
    await expect(fan.set('speed', 101)).rejects.toMatchObject({ code: 'invalid', message: 'rack-fan: speed: 101 is out of range; allowed: a number from 0 to 100 %' });
    await expect(fan.set('speed', '80')).rejects.toMatchObject({ code: 'invalid' });
    await expect(fan.set('rpm', 10)).rejects.toMatchObject({ code: 'invalid', message: 'rack-fan: property "rpm" is read-only' });
    expect(part.dutyFraction).toBe(0.4);
    await fan.stop();
    await b.close();
  });

  it('a stopped fan refuses commands as busy', async () => {
    const { b, fan } = setup();
    await expect(fan.set('speed', 40)).rejects.toMatchObject({ code: 'busy' });
    await b.close();
  });

  it('stop returns the output to the safe speed; a configured safe speed is used at start and stop', async () => {
    const { clock, b, fan, part } = setup({ safeSpeedPct: 60 });
    await fan.start();
    expect(part.dutyFraction).toBe(0.6);
    await fan.set('speed', 25);
    await clock.advance(3000);
    await fan.stop();
    expect(part.dutyFraction).toBe(0.6);
    expect(fan.read().output).toBe(60);
    await b.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('a PWM channel that does not exist: start rejects naming the problem, health failed', async () => {
    const { b, fan } = setup({ pwmChannel: 5 });
    await expect(fan.start()).rejects.toMatchObject({ code: 'failed', message: expect.stringMatching(/rack-fan: cannot start: .*pwmchip0.*5/) });
    expect(fan.health().failures).toBe(1);
    await b.close();
  });
});

describe('fan device: stall', () => {
  it('driven but not turning for afterMs → stall alarm and degraded; turning again → cleared', async () => {
    const { clock, b, fan, part, events } = setup({ stall: { afterMs: 3000 } });
    await fan.start();
    await fan.set('speed', 60);
    await clock.advance(10_000);
    part.inject('stall');
    await clock.advance(2000);
    expect(fan.read().stalled).toBe(false); // not yet: afterMs
    await clock.advance(2000);
    expect(fan.read()).toMatchObject({ stalled: true, rpm: 0 });
    expect(fan.health()).toMatchObject({ status: 'degraded', lastError: { message: expect.stringMatching(/stalled: driven at 60 %/) } });
    expect(events.filter((e) => e.kind === 'stall').map((e) => e.severity)).toEqual(['alarm']);
    await clock.advance(5000);
    expect(events.filter((e) => e.kind === 'stall')).toHaveLength(1); // one alarm, not one per poll
    part.clear('stall');
    await clock.advance(3000);
    expect(fan.read().stalled).toBe(false);
    expect(fan.health().status).toBe('ok');
    expect(events.map((e) => e.kind)).toEqual(['stall', 'stall-cleared']);
    await fan.stop();
    await b.close();
  });

  it('a cut tach wire looks like a stall (no pulses) and is reported the same way', async () => {
    const { clock, b, fan, part } = setup({ stall: { afterMs: 3000 } });
    await fan.start();
    await clock.advance(10_000);
    part.inject('tach-unplugged');
    await clock.advance(5000);
    expect(fan.read().stalled).toBe(true);
    await fan.stop();
    await b.close();
  });

  it('no stall alarm while spinning up from rest', async () => {
    const { clock, b, fan, events } = setup({ stall: { afterMs: 2000 } });
    await fan.start();
    await clock.advance(20_000);
    expect(events).toEqual([]);
    await fan.stop();
    await b.close();
  });
});

describe('fan device: fail-safe', () => {
  it('goes to full speed when its thermometer fails, and back to the commanded speed when it recovers', async () => {
    const clock = new ManualClock();
    const b = createVirtualBuilding({ clock, room: { initialC: 24 } });
    const thermometer = createThermometer({ name: 'rack-temp', part: 'sht31', bus: b.host.i2c.get(1) as I2cBus, clock, intervalMs: 1000, maxIntervalMs: 4000, random: () => 0 });
    const fan = createFan({
      name: 'rack-fan',
      clock,
      pwm: b.host.pwm,
      pwmChip: 0,
      pwmChannel: 0,
      gpio: b.host.gpio,
      tachLine: BUILDING_LINES.fanTach,
      failSafe: { source: thermometer, thresholdC: 40, hysteresisC: 2 },
    });
    const events: DeviceEvent[] = [];
    fan.onEvent((e) => events.push(e));
    await thermometer.start();
    await fan.start();
    await fan.set('speed', 30);
    await clock.advance(5000);
    expect(b.parts.fan.dutyFraction).toBe(0.3);
    b.parts.sht31.faults.inject('unplug');
    await clock.advance(10_000);
    expect(thermometer.health().status).toBe('failed');
    expect(b.parts.fan.dutyFraction).toBe(1);
    expect(fan.read()).toMatchObject({ speed: 30, output: 100, failSafe: true });
    expect(events.map((e) => [e.kind, e.severity])).toEqual([['fail-safe', 'alarm']]);
    expect(events[0]?.message).toMatch(/temperature source failed/);
    // A command while the fail-safe holds is kept for later; the output stays at full speed.
    expect(await fan.set('speed', 35)).toBe(35);
    expect(b.parts.fan.dutyFraction).toBe(1);
    b.parts.sht31.faults.clear();
    await clock.advance(10_000);
    expect(thermometer.health().status).toBe('ok');
    expect(b.parts.fan.dutyFraction).toBe(0.35);
    expect(fan.read()).toMatchObject({ output: 35, failSafe: false });
    expect(events.map((e) => e.kind)).toEqual(['fail-safe', 'fail-safe-cleared']);
    await fan.stop();
    await thermometer.stop();
    await b.close();
  });

  it('after a restart: the safe speed until the temperature source has a reading, then the remembered speed', async () => {
    let saved: number | undefined = 35;
    const memory: OutputMemory<number> = { load: () => saved, save: (v) => (saved = v) };
    let reading: { temperatureC: number | null; status: HealthStatus } = { temperatureC: null, status: 'ok' };
    const { clock, b, fan, part } = setup({ memory, failSafe: { source: () => reading, thresholdC: 40, hysteresisC: 2, graceMs: 30_000 } });
    await fan.start();
    expect(fan.read()).toMatchObject({ speed: 35, output: 100 });
    await clock.advance(3000); // polls, but no temperature yet
    expect(part.dutyFraction).toBe(1);
    reading = { temperatureC: 25, status: 'ok' };
    await clock.advance(1000);
    expect(part.dutyFraction).toBe(0.35);
    expect(fan.read()).toMatchObject({ speed: 35, output: 35 });
    await fan.set('speed', 50);
    expect(saved).toBe(50);
    await fan.stop();
    expect(part.dutyFraction).toBe(1); // the fan's stop policy: its safe speed
    await b.close();
  });

  it('after a restart, too hot at the first reading: stays at the safe speed', async () => {
    const memory: OutputMemory<number> = { load: () => 20, save: () => undefined };
    const { clock, b, fan, part } = setup({ memory, failSafe: { source: () => ({ temperatureC: 45, status: 'ok' }), thresholdC: 40, hysteresisC: 2 } });
    await fan.start();
    await clock.advance(3000);
    expect(part.dutyFraction).toBe(1);
    expect(fan.read()).toMatchObject({ speed: 20, output: 100, failSafe: true });
    await fan.stop();
    await b.close();
  });

  it("onStop 'hold' leaves the speed as driven; a speed drives that speed", async () => {
    const held = setup({ onStop: 'hold' });
    await held.fan.start();
    await held.fan.set('speed', 30);
    await held.fan.stop();
    expect(held.part.dutyFraction).toBe(0.3);
    await held.b.close();
    const fixed = setup({ onStop: { value: 60 } });
    await fixed.fan.start();
    await fixed.fan.set('speed', 30);
    await fixed.fan.stop();
    expect(fixed.part.dutyFraction).toBe(0.6);
    await fixed.b.close();
  });

  it("onBoot 'safe' or a speed ignores the memory; either waits for the first reading like 'hold'", async () => {
    const memory: OutputMemory<number> = { load: () => 20, save: () => undefined };
    let reading: { temperatureC: number | null; status: HealthStatus } = { temperatureC: null, status: 'ok' };
    const failSafe = { source: () => reading, thresholdC: 40, hysteresisC: 2, graceMs: 30_000 };
    const fixed = setup({ memory, onBoot: { value: 45 }, failSafe });
    await fixed.fan.start();
    expect(fixed.fan.read()).toMatchObject({ speed: 45, output: 100 });
    await fixed.clock.advance(2000);
    expect(fixed.part.dutyFraction).toBe(1);
    reading = { temperatureC: 25, status: 'ok' };
    await fixed.clock.advance(1000);
    expect(fixed.part.dutyFraction).toBe(0.45);
    await fixed.fan.stop();
    await fixed.b.close();
    const safe = setup({ memory, onBoot: 'safe', failSafe });
    await safe.fan.start();
    await safe.clock.advance(2000);
    expect(safe.fan.read()).toMatchObject({ speed: 100, output: 100 });
    await safe.fan.stop();
    await safe.b.close();
  });

  it('a policy speed outside 0..100 is refused when the fan is built', () => {
    expect(() => setup({ onStop: { value: 120 } })).toThrow('fan "rack-fan": onStop speed must be within 0..100, got 120');
    expect(() => setup({ onBoot: { value: -1 } })).toThrow('fan "rack-fan": onBoot speed must be within 0..100, got -1');
  });

  it('passes the threshold → full speed; releases only below threshold − hysteresis', async () => {
    let reading: { temperatureC: number | null; status: HealthStatus } = { temperatureC: 30, status: 'ok' };
    const { clock, b, fan, part, events } = setup({ failSafe: { source: () => reading, thresholdC: 40, hysteresisC: 2 } });
    await fan.start();
    await fan.set('speed', 20);
    await clock.advance(2000);
    expect(part.dutyFraction).toBe(0.2);
    reading = { temperatureC: 40, status: 'ok' };
    await clock.advance(1000);
    expect(part.dutyFraction).toBe(1);
    expect(events.at(-1)?.message).toMatch(/temperature 40 °C ≥ threshold 40 °C/);
    reading = { temperatureC: 38.5, status: 'ok' };
    await clock.advance(3000);
    expect(part.dutyFraction).toBe(1); // inside the hysteresis band
    reading = { temperatureC: 37.9, status: 'degraded' }; // degraded still has a good last reading
    await clock.advance(1000);
    expect(part.dutyFraction).toBe(0.2);
    expect(events.map((e) => e.kind)).toEqual(['fail-safe', 'fail-safe-cleared']);
    await fan.stop();
    await b.close();
  });

  it('a source that throws, or reads nothing beyond the grace period, engages the fail-safe', async () => {
    let mode: 'null' | 'throw' | 'ok' = 'null';
    const source = () => {
      if (mode === 'throw') throw new Error('sensor bus gone');
      return { temperatureC: mode === 'ok' ? 25 : null, status: 'ok' as const };
    };
    const { clock, b, fan, part, events } = setup({ failSafe: { source, thresholdC: 40, graceMs: 10_000 } });
    await fan.start();
    await fan.set('speed', 20);
    await clock.advance(9000);
    expect(part.dutyFraction).toBe(0.2); // a null at boot is tolerated for graceMs
    await clock.advance(3000);
    expect(part.dutyFraction).toBe(1);
    expect(events.at(-1)?.message).toMatch(/no temperature for 1[01] s/);
    mode = 'ok';
    await clock.advance(1000);
    expect(part.dutyFraction).toBe(0.2);
    mode = 'throw';
    await clock.advance(1000);
    expect(part.dutyFraction).toBe(1);
    expect(events.at(-1)?.message).toMatch(/threw: sensor bus gone/);
    await fan.stop();
    await b.close();
  });
});

describe('fan device: faults never escape', () => {
  it('PWM writes that fail are poll failures (degraded → failed), retried, and recover', async () => {
    const clock = new ManualClock();
    const b = createVirtualBuilding({ clock });
    let broken = false;
    const flaky: PwmController = {
      async openChannel(chip, channel) {
        const real = await b.host.pwm.openChannel(chip, channel);
        const wrapped: PwmChannel = {
          name: real.name,
          configure: (s) => real.configure(s),
          setDutyFraction: (f) => (broken ? Promise.reject(new Error('pwmchip0/pwm0/duty_cycle: EIO')) : real.setDutyFraction(f)),
          setEnabled: (e) => real.setEnabled(e),
          read: () => real.read(),
          close: () => real.close(),
        };
        return wrapped;
      },
    };
    let reading = { temperatureC: 30 as number | null, status: 'ok' as HealthStatus };
    const fan = createFan({
      name: 'rack-fan', clock, pwm: flaky, pwmChip: 0, pwmChannel: 0, gpio: b.host.gpio, tachLine: BUILDING_LINES.fanTach,
      random: () => 0, failSafe: { source: () => reading, thresholdC: 40 },
    });
    await fan.start();
    await fan.set('speed', 50);
    broken = true;
    await expect(fan.set('speed', 60)).rejects.toMatchObject({ code: 'failed', message: expect.stringMatching(/EIO/) });
    reading = { temperatureC: 45, status: 'ok' }; // the fail-safe wants full speed: the writes keep failing
    await clock.advance(20_000);
    expect(fan.health()).toMatchObject({ status: 'failed', lastError: { message: expect.stringMatching(/EIO/) } });
    broken = false;
    await clock.advance(30_000);
    expect(fan.health().status).toBe('ok');
    expect(b.parts.fan.dutyFraction).toBe(1);
    await fan.stop();
    await b.close();
  });
});
