import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import type { GpioController, Level } from '../../drivers/gpio/index.js';
import { VirtualGpioController } from '../gpio/index.js';
import { CONTACT_CLOSED, CONTACT_OPEN, VirtualDoor, type DoorOptions } from './door.js';

const RELAY = 5;
const CONTACT = 17;
const EXIT = 27;

function setup(extra: Partial<DoorOptions> = {}) {
  const clock = new ManualClock();
  const gpio = new VirtualGpioController({ clock });
  const door = new VirtualDoor({ clock, gpio, relayLine: RELAY, contactLine: CONTACT, exitLine: EXIT, lockType: 'fail-secure', ...extra });
  // The gateway's side, through the driver interface only.
  const gateway: GpioController = gpio;
  return { clock, gpio, door, gateway };
}

describe('VirtualDoor: lock relay', () => {
  it('fail-secure strike: locked without power, energized = unlocked', async () => {
    const { door, gateway } = setup({ lockType: 'fail-secure' });
    expect(door.locked).toBe(true);
    const relay = await gateway.openOutput(RELAY, { initial: 0 });
    expect(door.locked).toBe(true);
    await relay.write(1);
    expect(door.energized).toBe(true);
    expect(door.locked).toBe(false);
    // Closing the output returns the pin to an input: the relay drops out, the strike locks.
    await relay.close();
    expect(door.locked).toBe(true);
  });

  it('fail-safe maglock: unlocked without power, energized = locked', async () => {
    const { door, gateway } = setup({ lockType: 'fail-safe' });
    expect(door.locked).toBe(false);
    const relay = await gateway.openOutput(RELAY, { initial: 1 });
    expect(door.locked).toBe(true);
    await relay.write(0);
    expect(door.locked).toBe(false);
  });

  it('an active-low relay board with an activeLow line: logical 1 energizes', async () => {
    const { door, gateway, gpio } = setup({ lockType: 'fail-secure', relayActiveLevel: 0 });
    const relay = await gateway.openOutput(RELAY, { initial: 0, activeLow: true });
    expect(gpio.level(RELAY)).toBe(1);
    expect(door.locked).toBe(true);
    await relay.write(1);
    expect(door.locked).toBe(false);
  });

  it('opening the output at its safe level never unlocks, even for an instant', async () => {
    const { door, gateway } = setup({ lockType: 'fail-secure' });
    await gateway.openOutput(RELAY, { initial: 0 });
    expect(door.events.filter((e) => e.kind === 'unlocked')).toEqual([]);
  });
});

describe('VirtualDoor: position contact', () => {
  it('closed door reads 0 (contact to ground), open door reads 1 (pull-up)', async () => {
    const { clock, door, gateway } = setup();
    const contact = await gateway.openInput(CONTACT);
    expect(await contact.read()).toBe(CONTACT_CLOSED);
    const relay = await gateway.openOutput(RELAY, { initial: 1 });
    expect(door.openDoor()).toBe(true);
    await clock.advance(10);
    expect(await contact.read()).toBe(CONTACT_OPEN);
    await relay.write(0);
    door.closeDoor();
    await clock.advance(10);
    expect(await contact.read()).toBe(CONTACT_CLOSED);
  });

  it('contact bounce: a raw input sees several edges, a debounced one exactly one per move', async () => {
    const raw = setup();
    const deb = setup();
    const rawIn = await raw.gateway.openInput(CONTACT);
    const debIn = await deb.gateway.openInput(CONTACT, { debounceMs: 20 });
    const rawSeen: Level[] = [];
    const debSeen: Level[] = [];
    rawIn.watch((l) => rawSeen.push(l));
    debIn.watch((l) => debSeen.push(l));
    for (const s of [raw, deb]) await s.gateway.openOutput(RELAY, { initial: 1 });
    raw.door.openDoor();
    deb.door.openDoor();
    await raw.clock.advance(100);
    await deb.clock.advance(100);
    expect(rawSeen.length).toBeGreaterThan(1);
    expect(debSeen).toEqual([1]);
    deb.door.closeDoor();
    await deb.clock.advance(100);
    expect(debSeen).toEqual([1, 0]);
  });

  it('a locked door does not open; forced open is detectable (contact opens while locked, no REX)', async () => {
    const { clock, door, gateway } = setup();
    await gateway.openOutput(RELAY, { initial: 0 }); // strike de-energized: locked
    const contact = await gateway.openInput(CONTACT, { debounceMs: 20 });
    const exit = await gateway.openInput(EXIT, { debounceMs: 20 });
    let exitPressed = false;
    exit.watch((l) => (exitPressed ||= l === 0));
    const alarms: string[] = [];
    contact.watch((l) => {
      if (l === CONTACT_OPEN && !exitPressed) alarms.push(`forced at ${clock.now()}`);
    });
    expect(door.openDoor()).toBe(false);
    await clock.advance(100);
    expect(alarms).toEqual([]);
    expect(await contact.read()).toBe(CONTACT_CLOSED);
    door.forceOpen();
    await clock.advance(100);
    expect(door.forced).toBe(true);
    expect(alarms).toEqual(['forced at 122']);
    expect(door.events.map((e) => e.kind)).toEqual(['open-refused', 'forced-open']);
  });
});

describe('VirtualDoor: exit button and faults', () => {
  it('pressExit: pressed (0) then released (1) after the hold, debounced', async () => {
    const { clock, door, gateway } = setup();
    const exit = await gateway.openInput(EXIT, { debounceMs: 10 });
    const seen: { level: Level; at: number }[] = [];
    exit.watch((level) => seen.push({ level, at: clock.now() }));
    door.pressExit(300);
    await clock.advance(1000);
    expect(seen).toEqual([
      { level: 0, at: 12 },
      { level: 1, at: 312 },
    ]);
  });

  it('a cut contact wire reads open whatever the door does, until replugged', async () => {
    const { clock, door, gateway } = setup();
    const contact = await gateway.openInput(CONTACT);
    door.unplugContact();
    expect(await contact.read()).toBe(CONTACT_OPEN);
    expect(door.isOpen).toBe(false);
    door.forceOpen();
    door.closeDoor();
    await clock.advance(10);
    expect(await contact.read()).toBe(CONTACT_OPEN);
    door.replugContact();
    expect(await contact.read()).toBe(CONTACT_CLOSED);
  });

  it('a door without an exit line says so', () => {
    const clock = new ManualClock();
    const door = new VirtualDoor({ clock, gpio: new VirtualGpioController({ clock }), relayLine: RELAY, contactLine: CONTACT, lockType: 'fail-safe' });
    expect(() => door.pressExit()).toThrow(/exitLine/);
  });
});
