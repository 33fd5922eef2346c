/**
 * Lighting on the Linux drivers across a restart (lighting.ts, boot): the onoff GPIO controller
 * over a stand-in for onoff and the kernel's line state, the sysfs PWM controller over a fake
 * sysfs folder (drivers/pwm/test-support). A relay line and a dimmer channel a previous process
 * left exported and driven are read back and kept, nothing written; after a power cycle
 * (nothing exported) the kept state is driven instead.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { OnoffGpioController, SysfsPwmController, type Level, type OnoffDirection, type OnoffGpioConstructor, type OnoffGpioLike, type OnoffOptions } from '../../drivers/index.js';
import { FakePwmSysfs } from '../../drivers/pwm/test-support/index.js';
import type { OutputMemory } from '../model/index.js';
import { createLighting, type LightingState } from './lighting.js';

const RELAY = 23;
/** Pi 5 numbering: RP1 at base 571. */
const SYSFS = 571 + RELAY;

let root: string;
let clock: ManualClock;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'pia-lighting-linux-'));
  clock = new ManualClock();
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** Exported lines by sysfs number: direction and the physical levels driven, in order. */
type Pins = Map<number, { direction: 'in' | 'out'; physical: Level[] }>;

/** onoff's Gpio as the kernel answers it: 'high'/'low' are raw levels; direction written only when it differs (reconfigureDirection false). */
function onoffOver(pins: Pins): OnoffGpioConstructor {
  return class implements OnoffGpioLike {
    static accessible = true;
    private readonly pin: { direction: 'in' | 'out'; physical: Level[] };
    private readonly activeLow: boolean;
    constructor(
      private readonly n: number,
      direction: OnoffDirection,
      _edge: string,
      options: OnoffOptions,
    ) {
      this.activeLow = options.activeLow;
      const existing = pins.get(n);
      this.pin = existing ?? { direction: 'in', physical: [] };
      pins.set(n, this.pin);
      const wanted = direction === 'in' ? 'in' : 'out';
      if (existing?.direction !== wanted) {
        this.pin.direction = wanted;
        if (direction !== 'in') this.pin.physical.push(direction === 'high' ? 1 : 0);
      }
    }
    readSync(): Level {
      return ((this.pin.physical.at(-1) ?? 0) ^ (this.activeLow ? 1 : 0)) as Level;
    }
    read(): Promise<Level> {
      return Promise.resolve(this.readSync());
    }
    writeSync(value: Level): void {
      this.pin.physical.push((value ^ (this.activeLow ? 1 : 0)) as Level);
    }
    write(value: Level): Promise<void> {
      this.writeSync(value);
      return Promise.resolve();
    }
    watch(): void {}
    unwatch(): void {}
    unexport(): void {
      pins.delete(this.n);
    }
  };
}

async function linuxLights(pins: Pins, memory: OutputMemory<LightingState>) {
  const sysfs = await FakePwmSysfs.create({ root, clock, chips: [{ chip: 0, npwm: 2 }] });
  const readLine = (n: number) => {
    const pin = pins.get(n);
    return Promise.resolve(pin === undefined ? undefined : { direction: pin.direction, physical: pin.physical.at(-1) ?? 0 });
  };
  const gpio = new OnoffGpioController({ Gpio: onoffOver(pins), numbering: { toSysfs: (line) => Promise.resolve(571 + line) }, readLine, clock });
  const pwm = new SysfsPwmController({ sysfsRoot: root, clock, fs: sysfs.fs });
  const lights = createLighting({ name: 'office-lights', clock, gpio, relayLine: RELAY, relayActiveLow: true, dimmer: { pwm, chip: 0, channel: 1 }, random: () => 0, memory });
  return { sysfs, lights };
}

describe('lighting on the Linux drivers after a restart', () => {
  it('an exported relay (active-low, driven low: on) and a running dimmer at 40 % are kept: nothing written', async () => {
    const pins: Pins = new Map([[SYSFS, { direction: 'out', physical: [0] }]]);
    let saved: LightingState | undefined = { on: false, levelPct: 100 };
    const { sysfs, lights } = await linuxLights(pins, { load: () => saved, save: (s) => (saved = s) });
    await sysfs.preexport(0, 1, { periodNs: 1_000_000, dutyNs: 400_000, enabled: true });
    await clock.settle(lights.start(), 1, 60_000);
    expect(lights.read()).toEqual({ on: true, level: 40 });
    expect(pins.get(SYSFS)?.physical).toEqual([0]);
    expect(sysfs.writes).toEqual([]);
    expect(saved).toEqual({ on: true, levelPct: 40 });
    await clock.settle(lights.stop(), 1, 60_000);
  });

  it('after a power cycle (nothing exported) the kept state is driven: the relay exported straight at on', async () => {
    const pins: Pins = new Map();
    const { sysfs, lights } = await linuxLights(pins, { load: () => ({ on: true, levelPct: 25 }), save: () => undefined });
    await clock.settle(lights.start(), 1, 60_000);
    expect(lights.read()).toEqual({ on: true, level: 25 });
    expect(pins.get(SYSFS)).toEqual({ direction: 'out', physical: [0] });
    expect(sysfs.writes.map((w) => `${w.path}=${w.value}`)).toEqual(['pwmchip0/export=1', 'pwmchip0/pwm1/period=1000000', 'pwmchip0/pwm1/duty_cycle=250000', 'pwmchip0/pwm1/enable=1']);
    await clock.settle(lights.stop(), 1, 60_000);
  });
});
