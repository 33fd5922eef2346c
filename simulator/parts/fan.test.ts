import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import type { GpioInput } from '../../drivers/gpio/index.js';
import type { PwmController } from '../../drivers/pwm/index.js';
import { VirtualGpioController } from '../gpio/index.js';
import { Room } from '../physics/room.js';
import { VirtualPwmController } from '../pwm/index.js';
import { VirtualFan, type FanOptions } from './fan.js';

const TACH = 24;

async function setup(extra: Partial<FanOptions> = {}) {
  const clock = new ManualClock();
  const gpio = new VirtualGpioController({ clock });
  const pwm = new VirtualPwmController();
  const fan = new VirtualFan({ clock, gpio, tachLine: TACH, pwm, pwmChannel: 0, maxRpm: 3000, minSpeedFraction: 0.2, timeConstantMs: 2000, ...extra });
  // The gateway's side, through the driver interfaces only.
  const controller: PwmController = pwm;
  const tach = await gpio.openInput(TACH, { edge: 'falling' });
  return { clock, gpio, pwm, fan, controller, tach };
}

/** What a fan device model does: count falling tach edges over a window; rpm = Hz × 30. */
async function measureRpm(clock: ManualClock, tach: GpioInput, windowMs: number): Promise<number> {
  let pulses = 0;
  const stop = tach.watch(() => pulses++);
  await clock.advance(windowMs);
  stop();
  return (pulses / (windowMs / 1000)) * 30;
}

async function driveDuty(controller: PwmController, fraction: number) {
  const ch = await controller.openChannel(0, 0);
  await ch.configure({ periodNs: 40_000, dutyNs: Math.round(40_000 * fraction), enabled: true });
  return ch;
}

describe('VirtualFan: speed and tachometer', () => {
  it('after spin-up, counting tach pulses gives the commanded rpm (50 % → 1500 rpm)', async () => {
    const { clock, fan, controller, tach } = await setup();
    await driveDuty(controller, 0.5);
    await clock.advance(15_000);
    // 7.5 τ after the start: within 1 rpm of the target.
    expect(Math.abs(fan.rpm - 1500)).toBeLessThan(1);
    const measured = await measureRpm(clock, tach, 2000);
    // ±1 pulse in 2 s is ±15 rpm.
    expect(Math.abs(measured - 1500)).toBeLessThanOrEqual(15);
  });

  it('spin-up inertia: first-order lag with the configured time constant, visible in the pulse count', async () => {
    const { clock, fan, controller, tach } = await setup();
    const ch = await driveDuty(controller, 0.2);
    await clock.advance(15_000);
    await ch.setDutyFraction(1);
    expect(fan.targetRpm).toBe(3000);
    const early = await measureRpm(clock, tach, 500);
    // At t = τ (2 s after the step): 600 + 2400·(1 − e⁻¹) ≈ 2117 rpm.
    await clock.advance(1500);
    expect(fan.rpm).toBeCloseTo(600 + 2400 * (1 - Math.exp(-1)), 0);
    expect(early).toBeLessThan(1200);
    await clock.advance(15_000);
    const late = await measureRpm(clock, tach, 2000);
    expect(Math.abs(late - 3000)).toBeLessThanOrEqual(15);
  });

  it('most fans do not stop at 0 %: minimum speed', async () => {
    const { clock, fan, controller, tach } = await setup();
    await driveDuty(controller, 0);
    await clock.advance(15_000);
    expect(fan.targetRpm).toBe(600);
    expect(Math.abs((await measureRpm(clock, tach, 2000)) - 600)).toBeLessThanOrEqual(15);
  });

  it('inversed polarity: 25 % duty is 75 % high time', async () => {
    const { controller, fan } = await setup();
    const ch = await controller.openChannel(0, 0);
    await ch.configure({ periodNs: 40_000, dutyNs: 10_000, polarity: 'inversed', enabled: true });
    expect(fan.dutyFraction).toBe(0.75);
    expect(fan.targetRpm).toBe(2250);
  });
});

describe('VirtualFan: floating PWM runs at full speed', () => {
  it('channel never exported', async () => {
    const { clock, fan, tach } = await setup();
    expect(fan.targetRpm).toBe(3000);
    await clock.advance(15_000);
    expect(Math.abs((await measureRpm(clock, tach, 1000)) - 3000)).toBeLessThanOrEqual(30);
  });

  it('channel exported but disabled, or the PWM wire cut', async () => {
    const { controller, fan } = await setup();
    const ch = await driveDuty(controller, 0.3);
    expect(fan.targetRpm).toBe(900);
    await ch.setEnabled(false);
    expect(fan.targetRpm).toBe(3000);
    await ch.setEnabled(true);
    fan.inject('pwm-unplugged');
    expect(fan.targetRpm).toBe(3000);
    fan.clear('pwm-unplugged');
    expect(fan.targetRpm).toBe(900);
  });
});

describe('VirtualFan: faults', () => {
  it('stall: no pulses, rpm 0, line high; cleared, it spins up from 0', async () => {
    const { clock, gpio, fan, controller, tach } = await setup();
    await driveDuty(controller, 1);
    await clock.advance(15_000);
    fan.inject('stall');
    expect(fan.rpm).toBe(0);
    expect(await measureRpm(clock, tach, 1000)).toBe(0);
    expect(gpio.level(TACH)).toBe(1);
    fan.clear('stall');
    await clock.advance(200);
    expect(fan.rpm).toBeGreaterThan(0);
    expect(fan.rpm).toBeLessThan(3000 * (1 - Math.exp(-0.1)) + 1);
    await clock.advance(15_000);
    expect(Math.abs((await measureRpm(clock, tach, 2000)) - 3000)).toBeLessThanOrEqual(15);
  });

  it('tach unplugged: the line floats high and no pulses arrive, while the fan still turns', async () => {
    const { clock, gpio, fan, tach } = await setup();
    await clock.advance(15_000);
    fan.inject('tach-unplugged');
    expect(await measureRpm(clock, tach, 1000)).toBe(0);
    expect(gpio.level(TACH)).toBe(1);
    expect(Math.abs(fan.rpm - 3000)).toBeLessThan(2);
    fan.clear();
    // Reconnected: no burst of the pulses missed while unplugged.
    expect(Math.abs((await measureRpm(clock, tach, 1000)) - 3000)).toBeLessThanOrEqual(30);
  });
});

describe('VirtualFan: airflow on a room', () => {
  function roomWithFan(stalled: boolean) {
    const clock = new ManualClock();
    const gpio = new VirtualGpioController({ clock });
    const pwm = new VirtualPwmController();
    const room = new Room({ clock, initialC: 30, outsideC: 18, heatLoadW: 0, heatCapacityJPerK: 50_000 });
    const fan = new VirtualFan({ clock, gpio, tachLine: TACH, pwm, pwmChannel: 0, room, airflowWPerK: 100 });
    if (stalled) fan.inject('stall');
    return { clock, room, fan };
  }

  it('heatW = −k·(rpm/max)·(room − outside)', async () => {
    const { clock, fan } = roomWithFan(false);
    expect(fan.heatW(30, 18)).toBeCloseTo(0, 6); // at rest
    await clock.advance(30_000);
    expect(fan.heatW(30, 18)).toBeCloseTo(-1200, 0);
    expect(fan.heatW(18, 18)).toBeCloseTo(0, 6);
  });

  it('a running fan cools the room faster than a stalled one', async () => {
    const running = roomWithFan(false);
    const stalled = roomWithFan(true);
    await running.clock.advance(600_000);
    await stalled.clock.advance(600_000);
    expect(stalled.room.temperatureC).toBeLessThan(30); // the envelope leaks
    expect(running.room.temperatureC).toBeLessThan(stalled.room.temperatureC - 1);
  });
});
