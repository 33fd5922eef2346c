import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { BUILDING_LINES, createVirtualBuilding, type VirtualBuilding } from '../../simulator/index.js';
import type { DeviceEvent } from '../model/types.js';
import { createSafe, type SafeOptions } from './safe.js';

const L = BUILDING_LINES;
let building: VirtualBuilding | undefined;

afterEach(async () => {
  await building?.close();
  building = undefined;
});

function options(clock: ManualClock, b: VirtualBuilding, extra: Partial<SafeOptions> = {}): SafeOptions {
  return { name: 'cash-safe', gpio: b.host.gpio, clock, relayLine: L.safeRelay, contactLine: L.safeContact, random: () => 0, ...extra };
}

async function rig(extra: Partial<SafeOptions> = {}) {
  const clock = new ManualClock();
  building = createVirtualBuilding({ clock });
  const safe = createSafe(options(clock, building, extra));
  const events: DeviceEvent[] = [];
  safe.onEvent((e) => events.push(e));
  await safe.start();
  return { clock, safe, part: building.parts.safe, events };
}

describe('safe: the lock model with the safe profile', () => {
  it('describes itself as a safe with its own resource types', async () => {
    const { safe } = await rig();
    const d = safe.describe();
    expect(d.kind).toBe('safe');
    expect(d.properties.map((p) => p.rt)).toEqual(['pia.safe.locked', 'pia.safe.open', 'pia.safe.window', 'pia.safe.alarm']);
    expect(d.actions.find((a) => a.name === 'unlock')?.params[0]?.max).toBe(30);
  });

  it('unlocks for its default window (10 s) and relocks', async () => {
    const { clock, safe, part } = await rig();
    await safe.call('unlock', {});
    expect(part.locked).toBe(false);
    await clock.advance(9_999);
    expect(part.locked).toBe(false);
    await clock.advance(1);
    expect(part.locked).toBe(true);
  });

  it('refuses a window above its shorter maximum (30 s)', async () => {
    const { safe, part } = await rig();
    await expect(safe.call('unlock', { seconds: 31 })).rejects.toMatchObject({ code: 'invalid', message: expect.stringMatching(/to 30\b/) as unknown });
    expect(part.locked).toBe(true);
  });

  it('relocks on stop', async () => {
    const { safe, part } = await rig();
    await safe.call('unlock', { seconds: 20 });
    await safe.stop();
    expect(part.locked).toBe(true);
  });

  it('a safe door forced while locked raises forced-door', async () => {
    const { clock, safe, part, events } = await rig();
    part.forceOpen();
    await clock.advance(100);
    expect(safe.read().alarm).toBe('forced-door');
    expect(events.find((e) => e.kind === 'forced-door')?.message).toMatch(/^safe "cash-safe"/);
  });

  it('refuses a fail-safe lock, a maximum above its ceiling, and a REX line unless asked for', () => {
    const clock = new ManualClock();
    building = createVirtualBuilding({ clock });
    const b = building;
    expect(() => createSafe(options(clock, b, { lockType: 'fail-safe' }))).toThrow(/lockType "fail-safe" is not allowed for a safe; use "fail-secure"/);
    expect(() => createSafe(options(clock, b, { maxUnlockSeconds: 600 }))).toThrow(/maxUnlockSeconds 600 is outside 0 < s ≤ 120/);
    expect(() => createSafe(options(clock, b, { exitLine: 22 }))).toThrow(/request-to-exit is off for a safe; set rex: true or remove exitLine/);
    expect(() => createSafe(options(clock, b, { exitLine: 22, rex: true }))).not.toThrow();
  });
});
