import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import type { GpioController } from '../../drivers/gpio/index.js';
import type { PwmController } from '../../drivers/pwm/index.js';
import { VirtualGpioController } from '../gpio/index.js';
import { Room } from '../physics/room.js';
import { VirtualPwmController } from '../pwm/index.js';
import { VirtualLighting, type LightingState } from './lighting.js';

const RELAY = 16;

function setup(withDimmer: boolean, room?: Room, clock = new ManualClock()) {
  const gpio = new VirtualGpioController({ clock });
  const pwm = new VirtualPwmController();
  const light = new VirtualLighting({
    gpio,
    relayLine: RELAY,
    ratedW: 100,
    ...(withDimmer ? { dimmer: { pwm, channel: 1 } } : {}),
    ...(room !== undefined ? { room } : {}),
  });
  const gateway: GpioController = gpio;
  const pwmGateway: PwmController = pwm;
  return { clock, light, gateway, pwmGateway };
}

describe('VirtualLighting', () => {
  it('follows the relay line; off while nobody drives it', async () => {
    const { light, gateway } = setup(false);
    expect(light.state).toEqual({ on: false, level: 0 });
    const relay = await gateway.openOutput(RELAY, { initial: 0 });
    expect(light.on).toBe(false);
    await relay.write(1);
    expect(light.state).toEqual({ on: true, level: 1 });
    await relay.close();
    expect(light.on).toBe(false);
  });

  it('dims with the PWM high fraction; an undriven dimming input is full brightness', async () => {
    const { light, gateway, pwmGateway } = setup(true);
    const seen: LightingState[] = [];
    light.onChange((s) => seen.push(s));
    const relay = await gateway.openOutput(RELAY, { initial: 1 });
    expect(light.level).toBe(1);
    const ch = await pwmGateway.openChannel(0, 1);
    await ch.configure({ periodNs: 1_000_000, dutyNs: 250_000, enabled: true });
    expect(light.level).toBe(0.25);
    await ch.setEnabled(false);
    expect(light.level).toBe(1);
    await relay.write(0);
    expect(light.level).toBe(0);
    expect(seen.map((s) => `${s.on}:${s.level}`)).toEqual(['true:1', 'true:0.25', 'true:1', 'false:0']);
  });

  it('adds its power as heat while lit', async () => {
    const clock = new ManualClock();
    const room = new Room({ clock, initialC: 20, outsideC: 20, heatLoadW: 0, heatCapacityJPerK: 10_000, envelopeWPerK: 0.000001 });
    const { light, gateway } = setup(false, room, clock);
    expect(light.heatW()).toBe(0);
    const relay = await gateway.openOutput(RELAY, { initial: 1 });
    expect(light.heatW()).toBe(100);
    await clock.advance(100_000);
    // 100 W for 100 s into 10 kJ/K: +1 K.
    expect(room.temperatureC).toBeCloseTo(21, 2);
    await relay.write(0);
    await clock.advance(100_000);
    expect(room.temperatureC).toBeCloseTo(21, 2);
  });
});
