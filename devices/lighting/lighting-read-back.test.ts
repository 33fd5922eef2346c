/**
 * Lighting after a restart reads its state back from the hardware where the driver can
 * (lighting.ts, boot): one virtual building stands for the board across two gateway
 * processes; `gpio.endProcess()` is the first one ending without closing its lines (SIGKILL, or
 * a stop that holds them), as sysfs exports outlive their process.
 */
import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import type { GpioController } from '../../drivers/index.js';
import { BUILDING_LINES, BUILDING_PWM, createVirtualBuilding, type LineDrive } from '../../simulator/index.js';
import type { DeviceEvent, OutputMemory } from '../model/index.js';
import { createLighting, type LightingOptions, type LightingState } from './lighting.js';

function board() {
  const clock = new ManualClock();
  const b = createVirtualBuilding({ clock });
  const drives: LineDrive[] = [];
  b.parts.gpio.onOutput(BUILDING_LINES.lightingRelay, (d) => drives.push(d));
  /** One gateway process's lighting device on this board. */
  const lights = (extra: Partial<LightingOptions> = {}, gpio: GpioController = b.host.gpio) => {
    const device = createLighting({
      name: 'office-lights',
      clock,
      gpio,
      relayLine: BUILDING_LINES.lightingRelay,
      dimmer: { pwm: b.host.pwm, chip: BUILDING_PWM.chip, channel: BUILDING_PWM.dimmer },
      random: () => 0,
      ...extra,
    });
    const events: DeviceEvent[] = [];
    device.onEvent((e) => events.push(e));
    return { device, events };
  };
  return { b, lights, drives, part: b.parts.lighting };
}

/** A memory whose saves can be lost (a SIGKILL between the write and the save), as a test needs. */
function memoryOf(initial: LightingState | undefined) {
  const m = { saved: initial, saves: 0 };
  const memory: OutputMemory<LightingState> = { load: () => m.saved, save: (s) => ((m.saved = s), m.saves++) };
  return { m, memory };
}

describe('lighting: the state read back from the hardware after a restart', () => {
  it('a relay and dimmer left driven are kept as they are, nothing written; a stale memory is corrected, saved and said', async () => {
    const { b, lights, drives, part } = board();
    const { m, memory } = memoryOf(undefined);
    const first = lights({ memory });
    await first.device.start();
    await first.device.set('on', true);
    await first.device.set('level', 33.33);
    b.parts.gpio.endProcess(); // SIGKILL
    m.saved = { on: false, levelPct: 100 }; // as if the last save had not reached the disk
    const savesBefore = m.saves;

    const second = lights({ memory });
    await second.device.start();
    expect(second.device.read()).toEqual({ on: true, level: 33.33 });
    expect(drives).toEqual([0, 1]); // the boot at off, then the command: nothing since
    expect([part.on, part.level]).toEqual([true, expect.closeTo(0.3333, 4)]);
    expect(m.saved).toEqual({ on: true, levelPct: 33.33 });
    expect(m.saves).toBe(savesBefore + 1);
    expect(second.events.map((e) => [e.kind, e.severity, e.message])).toEqual([
      ['state-read-back', 'info', 'office-lights: on at 33.33 % as read back from the hardware (the kept state was off)'],
    ]);
    await second.device.set('on', false); // the new process drives the kept line
    expect(part.on).toBe(false);
    await second.device.stop();
    await b.close();
  });

  it('a read-back that matches the memory saves nothing and says nothing; a relay found off stays off', async () => {
    const { b, lights, drives } = board();
    const { m, memory } = memoryOf(undefined);
    const first = lights({ memory });
    await first.device.start();
    await first.device.set('level', 60);
    await first.device.stop(); // SIGTERM, onStop hold
    b.parts.gpio.endProcess();
    const savesBefore = m.saves;
    const second = lights({ memory });
    await second.device.start();
    expect(second.device.read()).toEqual({ on: false, level: 60 });
    expect([m.saves, second.events]).toEqual([savesBefore, []]);
    expect(drives).toEqual([0]);
    await b.close();
  });

  it("with onStop 'safe' the stop state on the lines is no command: the kept state comes back", async () => {
    const { b, lights, part } = board();
    const { memory } = memoryOf(undefined);
    const first = lights({ memory, onStop: 'safe' });
    await first.device.start();
    await first.device.set('on', true);
    await first.device.stop(); // off while the gateway is down
    b.parts.gpio.endProcess();
    expect(part.on).toBe(false);
    const second = lights({ memory, onStop: 'safe' });
    await second.device.start();
    expect([second.device.read(), part.on, second.events]).toEqual([{ on: true, level: 100 }, true, []]);
    await b.close();
  });

  it('a start that failed after keeping the relay keeps it at the retry', async () => {
    const { b, lights, part } = board();
    const first = lights();
    await first.device.start();
    await first.device.set('on', true);
    b.parts.gpio.endProcess();
    let failures = 1;
    const pwm = { openChannel: (chip: number, channel: number) => (failures-- > 0 ? Promise.reject(new Error(`pwmchip${chip}/pwm${channel}: not ready (EACCES)`)) : b.host.pwm.openChannel(chip, channel)) };
    const second = lights({ dimmer: { pwm, chip: BUILDING_PWM.chip, channel: BUILDING_PWM.dimmer } });
    await expect(second.device.start()).rejects.toThrow(/cannot start: pwmchip0\/pwm1: not ready/);
    expect(part.on).toBe(true);
    await second.device.start();
    expect([second.device.read(), part.on]).toEqual([{ on: true, level: 100 }, true]);
    await b.close();
  });

  it("onBoot 'safe' does not keep: the relay goes to the safe state", async () => {
    const { b, lights, part } = board();
    const first = lights();
    await first.device.start();
    await first.device.set('on', true);
    b.parts.gpio.endProcess();
    const second = lights({ onBoot: 'safe' });
    await second.device.start();
    expect([second.device.read(), part.on]).toEqual([{ on: false, level: 100 }, false]);
    await b.close();
  });

  it('a driver that cannot read a line back: the remembered state, written over what the line holds', async () => {
    const { b, lights, part } = board();
    const first = lights();
    await first.device.start();
    await first.device.set('on', true);
    b.parts.gpio.endProcess();
    const gpio = b.host.gpio;
    const noReadBack: GpioController = { openInput: (line, o) => gpio.openInput(line, o), openOutput: (line, o) => gpio.openOutput(line, o) };
    const { memory } = memoryOf({ on: false, levelPct: 20 });
    const second = lights({ memory }, noReadBack);
    await second.device.start();
    expect(second.device.read()).toEqual({ on: false, level: 20 });
    expect(part.on).toBe(false);
    expect(second.events).toEqual([]);
    await b.close();
  });
});
