import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import type { GpioController, GpioOutput } from '../../drivers/index.js';
import { BUILDING_LINES, createVirtualBuilding, type VirtualBuilding } from '../../simulator/index.js';
import { VirtualGpioController } from '../../simulator/gpio/index.js';
import { VirtualDoor } from '../../simulator/parts/index.js';
import { DeviceError, type Device, type DeviceEvent } from '../model/types.js';
import { createDoor, type DoorOptions } from './door.js';

const L = BUILDING_LINES;
let building: VirtualBuilding | undefined;

afterEach(async () => {
  await building?.close();
  building = undefined;
});

/** The wall-clock time at each rig's start: events must carry times on this scale. */
const WALL_START = Date.parse('2026-12-07T10:40:00.000Z');
const OPERATOR = '7f3a1c2e-5b6d-4e8f-9a0b-1c2d3e4f5a6b';

async function rig(extra: Partial<DoorOptions> = {}, withExit = true) {
  const clock = new ManualClock(0, WALL_START);
  building = createVirtualBuilding({ clock });
  const door = createDoor({
    name: 'front-door',
    gpio: building.host.gpio,
    clock,
    relayLine: L.doorRelay,
    contactLine: L.doorContact,
    ...(withExit ? { exitLine: L.doorExit } : {}),
    random: () => 0,
    ...extra,
  });
  const events: DeviceEvent[] = [];
  door.onEvent((e) => events.push(e));
  await door.start();
  return { clock, door, part: building.parts.door, events };
}

const kinds = (events: readonly DeviceEvent[]) => events.map((e) => e.kind);

describe('door: start and stop', () => {
  it('starts locked without the relay ever unlocking, and reads the contact', async () => {
    const { door, part } = await rig();
    expect(part.locked).toBe(true);
    expect(part.events.filter((e) => e.kind === 'unlocked')).toEqual([]);
    expect(door.read()).toMatchObject({ locked: true, open: false, unlockedUntil: null, alarm: null });
    expect(door.describe().kind).toBe('door');
  });

  it('relocks on stop, in the middle of an unlock window', async () => {
    const { clock, door, part } = await rig();
    await door.call('unlock', { seconds: 30 });
    expect(part.locked).toBe(false);
    await door.stop();
    expect(part.locked).toBe(true);
    expect(door.read()).toMatchObject({ locked: true, unlockedUntil: null });
    // No timer left behind re-opens it.
    await clock.advance(60_000);
    expect(part.locked).toBe(true);
  });

  it('a fail-safe maglock is energized (locked) from start and stays locked after stop', async () => {
    const clock = new ManualClock();
    const gpio = new VirtualGpioController({ clock });
    const part = new VirtualDoor({ clock, gpio, relayLine: 5, contactLine: 6, lockType: 'fail-safe' });
    // Unpowered, a maglock holds nothing (life-safety egress): that is its physics.
    expect(part.locked).toBe(false);
    const door = createDoor({ name: 'exit-door', gpio, clock, relayLine: 5, contactLine: 6, lockType: 'fail-safe' });
    await door.start();
    expect(part.locked).toBe(true);
    await door.call('unlock', { seconds: 3 });
    expect(part.locked).toBe(false);
    await door.stop();
    expect(part.locked).toBe(true);
    expect(part.energized).toBe(true);
    // The line stays driven after stop: a restart finds it locked and keeps it locked.
    await door.start();
    expect(part.locked).toBe(true);
    expect(part.events.filter((e) => e.kind === 'unlocked')).toHaveLength(1);
  });
});

describe('door: open at start', () => {
  it('warns, raises no forced alarm, and raises held-open if it stays open', async () => {
    const clock = new ManualClock();
    const gpio = new VirtualGpioController({ clock });
    new VirtualDoor({ clock, gpio, relayLine: 5, contactLine: 6, lockType: 'fail-secure', initiallyOpen: true });
    const door = createDoor({ name: 'back-door', gpio, clock, relayLine: 5, contactLine: 6, heldOpenSeconds: 10, random: () => 0 });
    const events: DeviceEvent[] = [];
    door.onEvent((e) => events.push(e));
    await door.start();
    expect(door.read()).toMatchObject({ open: true, locked: true, alarm: null });
    expect(events.map((e) => [e.kind, e.severity])).toEqual([['open-at-start', 'warning']]);
    await clock.advance(10_000);
    expect(door.read().alarm).toBe('held-open');
    expect(door.health().status).toBe('ok');
  });
});

describe('door: timed unlock', () => {
  it('unlocks for the window asked, counts down, and relocks when it ends', async () => {
    const { clock, door, part, events } = await rig();
    const result = await door.call('unlock', { seconds: 5 }, OPERATOR);
    expect(result).toEqual({ locked: false, unlockedUntil: 5 });
    expect(part.locked).toBe(false);
    await clock.advance(2_000);
    expect(door.read().unlockedUntil).toBe(3);
    await clock.advance(2_999);
    expect(part.locked).toBe(false);
    await clock.advance(1);
    expect(part.locked).toBe(true);
    expect(door.read()).toMatchObject({ locked: true, unlockedUntil: null });
    expect(kinds(events)).toEqual(['unlocked', 'locked']);
    // the command's subject caused the unlock; the window running out is the lock's own doing
    expect(events.map((e) => [e.message, e.at, e.by])).toEqual([
      [`door "front-door" unlocked for 5 s by ${OPERATOR}`, '2026-12-07T10:40:00.000Z', OPERATOR],
      ['door "front-door" relocked: unlock window ended', '2026-12-07T10:40:05.000Z', 'device'],
    ]);
  });

  it('a lock command names its subject; a command without one is local', async () => {
    const { door, events } = await rig();
    await door.call('unlock', { seconds: 30 }, 'mqtt:ha-bridge');
    await door.call('lock', {});
    expect(events.map((e) => [e.kind, e.by, e.message])).toEqual([
      ['unlocked', 'mqtt:ha-bridge', 'door "front-door" unlocked for 30 s by mqtt:ha-bridge'],
      ['locked', 'local', 'door "front-door" locked by local'],
    ]);
  });

  it('unlock without seconds uses the default window (5 s)', async () => {
    const { clock, door, part } = await rig();
    await door.call('unlock', {});
    await clock.advance(4_999);
    expect(part.locked).toBe(false);
    await clock.advance(1);
    expect(part.locked).toBe(true);
  });

  it('refuses a window above the configured maximum, naming it, and stays locked', async () => {
    const { door, part } = await rig({ maxUnlockSeconds: 20 });
    const err: unknown = await door.call('unlock', { seconds: 21 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as DeviceError).code).toBe('invalid');
    expect((err as DeviceError).message).toMatch(/seconds: 21 .*to 20\b/);
    expect(part.locked).toBe(true);
    await expect(door.call('unlock', { seconds: 20 })).resolves.toMatchObject({ locked: false });
  });

  it('refuses a configured maximum above the profile ceiling when created', () => {
    const clock = new ManualClock();
    const gpio = new VirtualGpioController({ clock });
    expect(() => createDoor({ name: 'd', gpio, clock, relayLine: 5, contactLine: 6, maxUnlockSeconds: 7200 })).toThrow(/maxUnlockSeconds 7200 is outside 0 < s ≤ 3600/);
  });

  it('relocks as soon as the door closes after a passage', async () => {
    const { clock, door, part, events } = await rig();
    await door.call('unlock', { seconds: 10 });
    expect(part.openDoor()).toBe(true);
    await clock.advance(1_000);
    expect(door.read().open).toBe(true);
    part.closeDoor();
    await clock.advance(100);
    expect(part.locked).toBe(true);
    expect(door.read()).toMatchObject({ locked: true, open: false, unlockedUntil: null });
    expect(events.at(-1)?.message).toMatch(/closed after passage/);
  });

  it('with relockOnClose off, stays unlocked after a passage until the window ends', async () => {
    const { clock, door, part } = await rig({ relockOnClose: false });
    await door.call('unlock', { seconds: 10 });
    part.openDoor();
    await clock.advance(1_000);
    part.closeDoor();
    await clock.advance(1_000);
    expect(part.locked).toBe(false);
    await clock.advance(8_000);
    expect(part.locked).toBe(true);
  });

  it('lock ends the window at once', async () => {
    const { door, part } = await rig();
    await door.call('unlock', { seconds: 30 });
    await expect(door.call('lock', {})).resolves.toEqual({ locked: true, unlockedUntil: null });
    expect(part.locked).toBe(true);
  });
});

describe('door: alarms', () => {
  it('held open past the limit after a legitimate unlock → held-open alarm, cleared on close', async () => {
    const { clock, door, part, events } = await rig({ heldOpenSeconds: 20 });
    await door.call('unlock', { seconds: 5 });
    part.openDoor();
    await clock.advance(19_000);
    expect(door.read().alarm).toBeNull();
    // The window ended while the door stood open: the strike relocked anyway.
    expect(part.locked).toBe(true);
    await clock.advance(1_100);
    expect(door.read().alarm).toBe('held-open');
    const alarm = events.find((e) => e.kind === 'held-open');
    expect(alarm?.severity).toBe('alarm');
    expect(alarm?.message).toMatch(/front-door.*held open longer than 20 s/);
    part.closeDoor();
    await clock.advance(100);
    expect(door.read().alarm).toBeNull();
    expect(kinds(events)).toContain('alarm-cleared');
    expect(kinds(events)).not.toContain('forced-door');
  });

  it('a door forced while locked → forced-door alarm', async () => {
    const { clock, door, part, events } = await rig();
    part.forceOpen();
    await clock.advance(100);
    expect(door.read()).toMatchObject({ open: true, locked: true, alarm: 'forced-door' });
    expect(events.find((e) => e.kind === 'forced-door')).toMatchObject({ severity: 'alarm', by: 'device', at: expect.stringMatching(/^2026-12-07T10:40:00\.\d{3}Z$/) as unknown });
  });

  it('a cut contact wire reads open: forced-door, never a silent "closed"', async () => {
    const { clock, door, part } = await rig();
    part.unplugContact();
    await clock.advance(100);
    expect(door.read().alarm).toBe('forced-door');
  });
});

describe('door: request to exit', () => {
  it('a REX press unlocks for the REX window; the passage raises no alarm; it relocks', async () => {
    const { clock, door, part, events } = await rig({ rexUnlockSeconds: 4, relockOnClose: false });
    part.pressExit(300);
    await clock.advance(50);
    expect(part.locked).toBe(false);
    expect(part.openDoor()).toBe(true);
    await clock.advance(2_000);
    part.closeDoor();
    await clock.advance(2_000);
    expect(part.locked).toBe(true);
    expect(door.read().alarm).toBeNull();
    expect(events.find((e) => e.kind === 'unlocked')).toMatchObject({ message: expect.stringMatching(/request to exit/) as unknown, by: 'local' });
    expect(kinds(events)).not.toContain('forced-door');
  });

  it('a REX press never shortens a longer window', async () => {
    const { clock, door, part } = await rig({ rexUnlockSeconds: 2 });
    await door.call('unlock', { seconds: 20 });
    part.pressExit(100);
    await clock.advance(5_000);
    expect(part.locked).toBe(false);
    expect(door.read().unlockedUntil).toBe(15);
  });

  it('a lock without REX (rex: false) ignores the button', async () => {
    const { clock, part } = await rig({ rex: false }, false);
    expect(() => part.pressExit()).not.toThrow();
    await clock.advance(100);
    expect(part.locked).toBe(true);
  });
});

describe('door: a relay that fails to relock', () => {
  it('raises relock-failed, retries, and ends locked', async () => {
    const clock = new ManualClock();
    const gpio = new VirtualGpioController({ clock });
    const part = new VirtualDoor({ clock, gpio, relayLine: 5, contactLine: 6, lockType: 'fail-secure' });
    let failWrites = 0;
    // A relay driver that fails on demand, through the GpioController interface.
    const flaky: GpioController = {
      openInput: (line, o) => gpio.openInput(line, o),
      async openOutput(line, o) {
        const out = await gpio.openOutput(line, o);
        const wrapped: GpioOutput = {
          line,
          write: (level) => (failWrites-- > 0 ? Promise.reject(new Error(`GPIO ${line}: EIO`)) : out.write(level)),
          read: () => out.read(),
          close: () => out.close(),
        };
        return wrapped;
      },
    };
    const door: Device = createDoor({ name: 'd', gpio: flaky, clock, relayLine: 5, contactLine: 6, random: () => 0 });
    const events: DeviceEvent[] = [];
    door.onEvent((e) => events.push(e));
    await door.start();
    await door.call('unlock', { seconds: 2 });
    failWrites = 2;
    await clock.advance(2_000);
    expect(part.locked).toBe(false);
    expect(events.find((e) => e.kind === 'relock-failed')?.severity).toBe('alarm');
    expect(door.health().lastError?.message).toMatch(/EIO/);
    await clock.advance(2_000);
    expect(part.locked).toBe(true);
    expect(door.read().locked).toBe(true);
    expect(kinds(events).filter((k) => k === 'relock-failed')).toHaveLength(1);
    expect(kinds(events)).toContain('relocked');
  });
});
