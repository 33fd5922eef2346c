import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { GpioError } from './errors.js';
import {
  OnoffGpioController,
  type OnoffDirection,
  type OnoffEdge,
  type OnoffGpioConstructor,
  type OnoffGpioLike,
  type OnoffOptions,
  type OnoffWatchCallback,
} from './onoff-controller.js';
import type { Level } from './types.js';

interface PinState {
  direction: 'in' | 'out';
  /** Physical level history of the pin while it is an output. */
  physical: Level[];
}

/**
 * A recording stand-in for onoff's Gpio that also plays the kernel's part: it applies
 * options in onoff's order (active_low, then direction unless reconfigureDirection is false
 * and the direction already matches) and treats 'high'/'low' as raw levels, as
 * gpiolib-sysfs direction_store does.
 */
function fakeOnoff(opts: { accessible?: boolean; preexisting?: Map<number, PinState>; throwCode?: string } = {}) {
  const pins = opts.preexisting ?? new Map<number, PinState>();
  const constructed: { n: number; direction: OnoffDirection; edge: OnoffEdge; options: OnoffOptions }[] = [];
  const instances: FakeGpio[] = [];
  class FakeGpio implements OnoffGpioLike {
    static accessible = opts.accessible ?? true;
    listeners: OnoffWatchCallback[] = [];
    unexported = false;
    private readonly activeLow: boolean;
    readonly pin: PinState;

    constructor(
      readonly n: number,
      direction: OnoffDirection,
      edge: OnoffEdge,
      options: OnoffOptions,
    ) {
      if (opts.throwCode !== undefined) throw Object.assign(new Error(`${opts.throwCode}: resource busy`), { code: opts.throwCode });
      constructed.push({ n, direction, edge, options });
      instances.push(this);
      this.activeLow = options.activeLow;
      const existing = pins.get(n);
      this.pin = existing ?? { direction: 'in', physical: [] };
      pins.set(n, this.pin);
      const wanted = direction === 'in' ? 'in' : 'out';
      if (existing === undefined || options.reconfigureDirection || existing.direction !== wanted) {
        this.pin.direction = wanted;
        if (direction === 'high') this.pin.physical.push(1);
        if (direction === 'low' || direction === 'out') this.pin.physical.push(0);
      }
    }
    readSync(): Level {
      const raw = this.pin.physical.at(-1) ?? 0;
      return (this.activeLow ? 1 - raw : raw) as Level;
    }
    read(): Promise<Level> {
      return Promise.resolve(this.readSync());
    }
    writeSync(value: Level): void {
      this.pin.physical.push((this.activeLow ? 1 - value : value) as Level);
    }
    write(value: Level): Promise<void> {
      this.writeSync(value);
      return Promise.resolve();
    }
    watch(cb: OnoffWatchCallback): void {
      this.listeners.push(cb);
    }
    unwatch(cb?: OnoffWatchCallback): void {
      this.listeners = cb === undefined ? [] : this.listeners.filter((l) => l !== cb);
    }
    unexport(): void {
      this.unexported = true;
    }
    /** An interrupt as onoff delivers it. */
    fire(err: Error | null, value: Level): void {
      for (const l of this.listeners.slice()) l(err, value);
    }
  }
  const Gpio: OnoffGpioConstructor = FakeGpio;
  return { Gpio, constructed, instances, pins };
}

/** Pi 5 numbering: RP1 at base 571. */
const pi5 = { toSysfs: (line: number) => Promise.resolve(571 + line) };

async function rejection(p: Promise<unknown>): Promise<GpioError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GpioError);
  return err as GpioError;
}

describe('OnoffGpioController outputs', () => {
  const cases: { initial: Level; activeLow: boolean; direction: OnoffDirection; physical: Level }[] = [
    { initial: 0, activeLow: false, direction: 'low', physical: 0 },
    { initial: 1, activeLow: false, direction: 'high', physical: 1 },
    { initial: 0, activeLow: true, direction: 'high', physical: 1 },
    { initial: 1, activeLow: true, direction: 'low', physical: 0 },
  ];
  it.each(cases)('initial $initial activeLow $activeLow is exported as raw "$direction" with no other level first', async (c) => {
    const fake = fakeOnoff();
    const ctl = new OnoffGpioController({ Gpio: fake.Gpio, numbering: pi5 });
    const out = await ctl.openOutput(17, { initial: c.initial, activeLow: c.activeLow });
    expect(fake.constructed).toEqual([
      { n: 588, direction: c.direction, edge: 'none', options: { debounceTimeout: 0, activeLow: c.activeLow, reconfigureDirection: false } },
    ]);
    expect(fake.pins.get(588)?.physical).toEqual([c.physical]);
    expect(await out.read()).toBe(c.initial);
  });

  it('an output already exported at another level is moved to the safe level with one write', async () => {
    const preexisting = new Map<number, PinState>([[588, { direction: 'out', physical: [1] }]]);
    const fake = fakeOnoff({ preexisting });
    const ctl = new OnoffGpioController({ Gpio: fake.Gpio, numbering: pi5 });
    await ctl.openOutput(17, { initial: 0 });
    expect(preexisting.get(588)?.physical).toEqual([1, 0]);
  });

  it('an output already at the safe level is not re-driven', async () => {
    const preexisting = new Map<number, PinState>([[588, { direction: 'out', physical: [0] }]]);
    const fake = fakeOnoff({ preexisting });
    const ctl = new OnoffGpioController({ Gpio: fake.Gpio, numbering: pi5 });
    await ctl.openOutput(17, { initial: 1, activeLow: true });
    expect(preexisting.get(588)?.physical).toEqual([0]);
  });

  it('writes logical levels and refuses after close', async () => {
    const fake = fakeOnoff();
    const ctl = new OnoffGpioController({ Gpio: fake.Gpio, numbering: pi5 });
    const out = await ctl.openOutput(5, { initial: 0, activeLow: true });
    await out.write(1);
    expect(fake.pins.get(576)?.physical).toEqual([1, 0]);
    await out.close();
    expect(fake.instances[0]?.unexported).toBe(true);
    expect((await rejection(out.write(0))).kind).toBe('closed');
  });
});

describe('OnoffGpioController.openOutputKeeping (a restart reads the line back)', () => {
  /** The kernel's side of sysfs-line.ts over the fake's pins: a pin in the map is exported. */
  function keeping(preexisting: Map<number, PinState>) {
    const fake = fakeOnoff({ preexisting });
    const readLine = (n: number) => {
      const pin = preexisting.get(n);
      return Promise.resolve(pin === undefined ? undefined : { direction: pin.direction, physical: pin.physical.at(-1) ?? 0 });
    };
    return { fake, ctl: new OnoffGpioController({ Gpio: fake.Gpio, numbering: pi5, readLine }) };
  }

  it('an output a previous process left driven keeps its level: nothing written, the level reported', async () => {
    const pins = new Map<number, PinState>([[588, { direction: 'out', physical: [1] }]]);
    const { fake, ctl } = keeping(pins);
    const { output, kept } = await ctl.openOutputKeeping(17, { fallback: 0 });
    expect(kept).toBe(1);
    expect(pins.get(588)?.physical).toEqual([1]);
    expect(fake.constructed[0]?.direction).toBe('high');
    expect(await output.read()).toBe(1);
    await output.write(0);
    expect(pins.get(588)?.physical).toEqual([1, 0]);
  });

  it('active-low: the kept logical level is the physical level inverted, still without a write', async () => {
    const pins = new Map<number, PinState>([[588, { direction: 'out', physical: [0] }]]);
    const { fake, ctl } = keeping(pins);
    const { kept } = await ctl.openOutputKeeping(17, { fallback: 0, activeLow: true });
    expect(kept).toBe(1);
    expect(pins.get(588)?.physical).toEqual([0]);
    expect(fake.constructed[0]).toMatchObject({ direction: 'low', options: { activeLow: true, reconfigureDirection: false } });
  });

  it('a line not exported (a power cycle) or exported as an input is exported straight at the fallback: kept undefined', async () => {
    const pins = new Map<number, PinState>([[589, { direction: 'in', physical: [] }]]);
    const { ctl } = keeping(pins);
    expect((await ctl.openOutputKeeping(17, { fallback: 1 })).kept).toBeUndefined();
    expect(pins.get(588)).toEqual({ direction: 'out', physical: [1] });
    expect((await ctl.openOutputKeeping(18, { fallback: 1, activeLow: true })).kept).toBeUndefined();
    expect(pins.get(589)).toEqual({ direction: 'out', physical: [0] });
  });

  it('a failed read releases the claim and exports nothing; a bad fallback is refused first', async () => {
    const fake = fakeOnoff();
    let fail = true;
    const readLine = () => (fail ? Promise.reject(new GpioError('io', '/sys/class/gpio/gpio588/value: cannot read (EACCES)')) : Promise.resolve(undefined));
    const ctl = new OnoffGpioController({ Gpio: fake.Gpio, numbering: pi5, readLine });
    expect((await rejection(ctl.openOutputKeeping(17, { fallback: 0 }))).message).toContain('EACCES');
    expect(fake.constructed).toEqual([]);
    fail = false;
    expect((await ctl.openOutputKeeping(17, { fallback: 0 })).kept).toBeUndefined();
    expect((await rejection(ctl.openOutputKeeping(4, { fallback: 2 as Level }))).message).toBe('GPIO 4: fallback level must be 0 or 1, got 2');
  });
});

describe('OnoffGpioController inputs', () => {
  it('passes edge, debounce and activeLow to onoff; default edge is both', async () => {
    const fake = fakeOnoff();
    const ctl = new OnoffGpioController({ Gpio: fake.Gpio, numbering: pi5 });
    await ctl.openInput(22, { edge: 'falling', debounceMs: 20, activeLow: true });
    await ctl.openInput(23);
    expect(fake.constructed).toEqual([
      { n: 593, direction: 'in', edge: 'falling', options: { debounceTimeout: 20, activeLow: true, reconfigureDirection: false } },
      { n: 594, direction: 'in', edge: 'both', options: { debounceTimeout: 0, activeLow: false, reconfigureDirection: false } },
    ]);
  });

  it('watch delivers levels, unsubscribe unwatches, errors go to onWatchError', async () => {
    const fake = fakeOnoff();
    const errors: string[] = [];
    const ctl = new OnoffGpioController({ Gpio: fake.Gpio, numbering: pi5, onWatchError: (line, e) => errors.push(`${line}:${e.message}`) });
    const input = await ctl.openInput(22);
    const seen: Level[] = [];
    const stop = input.watch((l) => seen.push(l));
    const gpio = fake.instances[0]!;
    gpio.fire(null, 1);
    gpio.fire(new Error('epoll failed'), 0);
    stop();
    gpio.fire(null, 0);
    expect(seen).toEqual([1]);
    expect(errors).toEqual(['22:epoll failed']);
  });

  it('close waits out a pending debounce before unexport', async () => {
    const fake = fakeOnoff();
    const clock = new ManualClock();
    const ctl = new OnoffGpioController({ Gpio: fake.Gpio, numbering: pi5, clock });
    const input = await ctl.openInput(22, { debounceMs: 50 });
    let closed = false;
    void input.close().then(() => (closed = true));
    await clock.advance(10);
    expect(fake.instances[0]?.unexported).toBe(false);
    await clock.advance(50);
    expect(closed).toBe(true);
    expect(fake.instances[0]?.unexported).toBe(true);
  });
});

describe('OnoffGpioController errors and claims', () => {
  it('Gpio.accessible false gives the gpio-group / simulator advice', async () => {
    const fake = fakeOnoff({ accessible: false });
    const ctl = new OnoffGpioController({ Gpio: fake.Gpio, numbering: pi5 });
    const err = await rejection(ctl.openOutput(17, { initial: 0 }));
    expect(err.kind).toBe('not-accessible');
    expect(err.message).toContain('sysfs GPIO not writable');
    expect(err.message).toContain('member of gpio');
    expect(err.message).toContain('simulator');
    expect(fake.constructed).toEqual([]);
    // The failed open released its claim.
    expect((await rejection(ctl.openOutput(17, { initial: 0 }))).kind).toBe('not-accessible');
  });

  it('a line open twice is refused until closed', async () => {
    const fake = fakeOnoff();
    const ctl = new OnoffGpioController({ Gpio: fake.Gpio, numbering: pi5 });
    const first = await ctl.openInput(4);
    const err = await rejection(ctl.openOutput(4, { initial: 0 }));
    expect(err.kind).toBe('busy');
    expect(err.message).toContain('GPIO 4 is already open as an input');
    await first.close();
    await ctl.openOutput(4, { initial: 0 });
  });

  it('EBUSY from the kernel names the line, its sysfs number and the overlay fix', async () => {
    const fake = fakeOnoff({ throwCode: 'EBUSY' });
    const ctl = new OnoffGpioController({ Gpio: fake.Gpio, numbering: pi5 });
    const err = await rejection(ctl.openInput(4));
    expect(err.kind).toBe('io');
    expect(err.message).toContain('GPIO 4 (sysfs 575)');
    expect(err.message).toContain('dtoverlay');
  });

  it('bad options are refused before anything is exported', async () => {
    const fake = fakeOnoff();
    const ctl = new OnoffGpioController({ Gpio: fake.Gpio, numbering: pi5 });
    expect((await rejection(ctl.openInput(4, { debounceMs: -1 }))).kind).toBe('invalid');
    expect((await rejection(ctl.openOutput(4, { initial: 2 as Level }))).kind).toBe('invalid');
    expect(fake.constructed).toEqual([]);
  });

  it('the default numbering reads /sys, which has no gpio class here (docs/hardware.md#testing)', async () => {
    const ctl = new OnoffGpioController({ Gpio: fakeOnoff().Gpio });
    expect((await rejection(ctl.openInput(4))).kind).toBe('no-sysfs');
  });

  it('the default Gpio is the real onoff, which is not accessible without sysfs GPIO', async () => {
    const ctl = new OnoffGpioController({ numbering: pi5 });
    const { Gpio } = await import('onoff');
    expect(Gpio.accessible).toBe(false);
    expect((await rejection(ctl.openInput(4))).kind).toBe('not-accessible');
  });
});
