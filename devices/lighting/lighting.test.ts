import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import type { GpioController, GpioOutput } from '../../drivers/index.js';
import { BUILDING_LINES, BUILDING_PWM, VirtualLighting, createVirtualBuilding, type LineDrive } from '../../simulator/index.js';
import type { DeviceEvent, OutputMemory } from '../model/index.js';
import { createLighting, type LightingOptions, type LightingState } from './lighting.js';

function setup(extra: Partial<LightingOptions> = {}, wrap?: (gpio: GpioController) => GpioController) {
  const clock = new ManualClock();
  const b = createVirtualBuilding({ clock });
  const gpio = wrap === undefined ? undefined : wrap(b.host.gpio);
  const drives: LineDrive[] = [];
  b.parts.gpio.onOutput(BUILDING_LINES.lightingRelay, (d) => drives.push(d));
  const lights = createLighting({
    name: 'office-lights',
    clock,
    gpio: gpio ?? b.host.gpio,
    relayLine: BUILDING_LINES.lightingRelay,
    dimmer: { pwm: b.host.pwm, chip: BUILDING_PWM.chip, channel: BUILDING_PWM.dimmer },
    random: () => 0,
    ...extra,
  });
  const events: DeviceEvent[] = [];
  lights.onEvent((e) => events.push(e));
  return { clock, b, lights, part: b.parts.lighting, drives, events };
}

describe('lighting device', () => {
  it('starts off (the default safe state) without the relay ever passing through on', async () => {
    const { b, lights, part, drives } = setup();
    expect(lights.describe().properties.map((p) => [p.name, p.writable])).toEqual([
      ['on', true],
      ['level', true],
    ]);
    await lights.start();
    expect(part.state).toEqual({ on: false, level: 0 });
    expect(drives).toEqual([0]);
    expect(lights.read()).toEqual({ on: false, level: 100 });
    await lights.stop();
    await b.close();
  });

  it('switches and dims: the light follows the relay and the PWM high fraction', async () => {
    const { b, lights, part } = setup();
    await lights.start();
    expect(await lights.set('on', true)).toBe(true);
    expect(part.state).toEqual({ on: true, level: 1 });
    expect(await lights.set('level', 40)).toBe(40);
    expect(part.level).toBeCloseTo(0.4, 6);
    expect(part.heatW()).toBeCloseTo(24, 6); // 60 W rated × 0.4
    expect(lights.read()).toEqual({ on: true, level: 40 });
    await lights.set('on', false);
    expect(part.state).toEqual({ on: false, level: 0 });
    await lights.set('level', 70); // dimming while off is remembered for the next switch-on
    await lights.set('on', true);
    expect(part.level).toBeCloseTo(0.7, 6);
    await lights.stop();
    await b.close();
  });

  it('validates before touching the outputs', async () => {
    const { b, lights, part } = setup();
    await lights.start();
    await lights.set('on', true);
    await expect(lights.set('level', 150)).rejects.toMatchObject({ code: 'invalid', message: 'office-lights: level: 150 is out of range; allowed: a number from 0 to 100 %' });
    await expect(lights.set('on', 'yes')).rejects.toMatchObject({ code: 'invalid', message: expect.stringContaining('allowed: true or false') });
    await expect(lights.set('colour', 'red')).rejects.toMatchObject({ code: 'not-found' });
    expect(part.state).toEqual({ on: true, level: 1 });
    await lights.stop();
    await b.close();
  });

  it("onStop 'safe' returns to the safe state: off by default", async () => {
    const { b, lights, part } = setup({ onStop: 'safe' });
    await lights.start();
    await lights.set('on', true);
    await lights.stop();
    expect(part.on).toBe(false);
    expect(lights.read().on).toBe(false);
    await expect(lights.set('on', true)).rejects.toMatchObject({ code: 'busy' });
    await lights.start(); // the held lines are reused
    await lights.set('on', true);
    expect(part.on).toBe(true);
    await lights.stop();
    await b.close();
  });

  it('a configured safe state (escape lighting on at 50 %) holds at start and after stop', async () => {
    const { b, lights, part, drives } = setup({ safe: { on: true, levelPct: 50 }, onStop: 'safe' });
    await lights.start();
    expect(drives).toEqual([1]);
    expect(part.level).toBeCloseTo(0.5, 6);
    await lights.set('on', false);
    await lights.stop();
    expect(part.on).toBe(true);
    expect(part.level).toBeCloseTo(0.5, 6);
    await b.close();
  });

  it('by default a restart keeps the lights: stop leaves them on, boot restores the remembered state without passing through off', async () => {
    let saved: LightingState | undefined;
    const memory: OutputMemory<LightingState> = { load: () => saved, save: (s) => (saved = s) };
    const { b, lights, part } = setup({ memory });
    await lights.start();
    await lights.set('on', true);
    await lights.set('level', 70);
    expect(saved).toEqual({ on: true, levelPct: 70 });
    await lights.stop();
    expect([part.on, part.level]).toEqual([true, 0.7]);
    await b.close();
    // The next gateway process (its own virtual hardware here): the relay is exported straight at "on".
    const next = setup({ memory });
    await next.lights.start();
    expect(next.drives).toEqual([1]);
    expect(next.lights.read()).toEqual({ on: true, level: 70 });
    expect([next.part.on, next.part.level]).toEqual([true, 0.7]);
    await next.lights.stop();
    await next.b.close();
  });

  it("onBoot 'safe' or a value ignores the memory; nothing remembered boots safe", async () => {
    const memory: OutputMemory<LightingState> = { load: () => ({ on: true, levelPct: 30 }), save: () => undefined };
    const safe = setup({ memory, onBoot: 'safe' });
    await safe.lights.start();
    expect(safe.lights.read()).toEqual({ on: false, level: 100 });
    await safe.b.close();
    const fixed = setup({ memory, onBoot: { value: { on: true, levelPct: 100 } } });
    await fixed.lights.start();
    expect(fixed.lights.read()).toEqual({ on: true, level: 100 });
    await fixed.b.close();
    const fresh = setup();
    await fresh.lights.start();
    expect(fresh.lights.read()).toEqual({ on: false, level: 100 });
    await fresh.b.close();
  });

  it('without a dimmer: only on/off, full brightness', async () => {
    const clock = new ManualClock();
    const b = createVirtualBuilding({ clock });
    const corridor = new VirtualLighting({ gpio: b.parts.gpio, relayLine: 5 });
    const plain = createLighting({ name: 'corridor', clock, gpio: b.host.gpio, relayLine: 5 });
    expect(plain.describe().properties.map((p) => p.name)).toEqual(['on']);
    expect(plain.describe().part).toBe('relay (GPIO5)');
    await plain.start();
    await plain.set('on', true);
    expect(corridor.state).toEqual({ on: true, level: 1 });
    expect(plain.read()).toEqual({ on: true });
    await expect(plain.set('level', 50)).rejects.toMatchObject({ code: 'not-found' });
    await plain.stop();
    corridor.close();
    await b.close();
  });

  it('an active-low relay board: logical on drives the line low', async () => {
    const clock = new ManualClock();
    const b = createVirtualBuilding({ clock });
    const part = new VirtualLighting({ gpio: b.parts.gpio, relayLine: 5, relayActiveLevel: 0 });
    const lights = createLighting({ name: 'l', clock, gpio: b.host.gpio, relayLine: 5, relayActiveLow: true });
    await lights.start();
    expect(part.on).toBe(false);
    expect(b.parts.gpio.level(5)).toBe(1);
    await lights.set('on', true);
    expect(part.on).toBe(true);
    expect(b.parts.gpio.level(5)).toBe(0);
    await lights.stop();
    part.close();
    await b.close();
  });

  it('puts back an output that drifted from the command, with a warning', async () => {
    const { clock, b, lights, part, events } = setup({ verifyIntervalMs: 1000 });
    await lights.start();
    await lights.set('on', true);
    await lights.set('level', 30);
    const intruder = await b.host.pwm.openChannel(BUILDING_PWM.chip, BUILDING_PWM.dimmer);
    await intruder.setDutyFraction(0.9);
    expect(part.level).toBeCloseTo(0.9, 6);
    await clock.advance(1000);
    expect(part.level).toBeCloseTo(0.3, 6);
    expect(events.map((e) => [e.kind, e.severity])).toEqual([['output-restored', 'warning']]);
    await lights.stop();
    await b.close();
  });

  it('a failing relay write fails the call and degrades health; the next good poll recovers', async () => {
    let broken = false;
    const flaky = (gpio: GpioController): GpioController => ({
      openInput: (line, o) => gpio.openInput(line, o),
      async openOutput(line, o) {
        const real = await gpio.openOutput(line, o);
        const out: GpioOutput = {
          line,
          write: (level) => (broken ? Promise.reject(new Error(`GPIO ${line}: write EIO`)) : real.write(level)),
          read: () => real.read(),
          close: () => real.close(),
        };
        return out;
      },
    });
    const { clock, b, lights, part } = setup({ verifyIntervalMs: 1000 }, flaky);
    await lights.start();
    broken = true;
    await expect(lights.set('on', true)).rejects.toMatchObject({ code: 'failed', message: expect.stringMatching(/office-lights: could not set on: GPIO 23: write EIO/) });
    expect(lights.health()).toMatchObject({ status: 'degraded', failures: 1 });
    expect(lights.read().on).toBe(false); // the command did not take effect
    expect(part.on).toBe(false);
    broken = false;
    await clock.advance(1000);
    expect(lights.health()).toMatchObject({ status: 'ok', failures: 0, lastError: { message: expect.stringMatching(/EIO/) } });
    await lights.set('on', true);
    expect(part.on).toBe(true);
    await lights.stop();
    await b.close();
  });
});
