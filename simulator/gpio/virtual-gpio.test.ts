import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { GpioError } from '../../drivers/gpio/index.js';
import type { Level } from '../../drivers/gpio/index.js';
import { VirtualGpioController, type LineDrive } from './virtual-gpio.js';

function setup() {
  const clock = new ManualClock();
  return { clock, gpio: new VirtualGpioController({ clock }) };
}

describe('VirtualGpioController: the wire', () => {
  it('an undriven line reads its pull (BCM defaults: 0–8 up, 9–27 down)', async () => {
    const { gpio } = setup();
    expect(gpio.level(4)).toBe(1);
    expect(gpio.level(17)).toBe(0);
    gpio.setPull(17, 'up');
    const input = await gpio.openInput(17);
    expect(await input.read()).toBe(1);
    gpio.drive(17, 0);
    expect(await input.read()).toBe(0);
    gpio.release(17);
    expect(await input.read()).toBe(1);
  });

  it('activeLow inverts what the gateway reads', async () => {
    const { gpio } = setup();
    gpio.drive(22, 0);
    const input = await gpio.openInput(22, { activeLow: true });
    expect(await input.read()).toBe(1);
  });

  it('refuses unknown lines, double opens, and use after close', async () => {
    const { gpio } = setup();
    await expect(gpio.openInput(40)).rejects.toMatchObject({ kind: 'line-range' });
    const input = await gpio.openInput(5);
    await expect(gpio.openOutput(5, { initial: 0 })).rejects.toMatchObject({ kind: 'busy' });
    await input.close();
    await expect(input.read()).rejects.toBeInstanceOf(GpioError);
    await gpio.openOutput(5, { initial: 0 });
  });
});

describe('VirtualGpioController: edges as onoff reports them', () => {
  it('both edges, no debounce: one callback per edge with the level read at handling', async () => {
    const { clock, gpio } = setup();
    const input = await gpio.openInput(17);
    const seen: Level[] = [];
    const stop = input.watch((l) => seen.push(l));
    gpio.drive(17, 1);
    await clock.advance(1);
    gpio.drive(17, 0);
    await clock.advance(1);
    stop();
    gpio.drive(17, 1);
    await clock.advance(1);
    expect(seen).toEqual([1, 0]);
  });

  it('edge filter with activeLow: a physical fall is a logical rise', async () => {
    const { clock, gpio } = setup();
    gpio.drive(17, 1);
    const input = await gpio.openInput(17, { edge: 'rising', activeLow: true });
    const seen: Level[] = [];
    input.watch((l) => seen.push(l));
    gpio.drive(17, 0); // logical 0 → 1
    await clock.advance(1);
    gpio.drive(17, 1); // logical 1 → 0: filtered
    await clock.advance(1);
    expect(seen).toEqual([1]);
  });

  it('edges faster than the handler: onoff reads the value late (a rising-only watch misses a short pulse)', async () => {
    const { clock, gpio } = setup();
    const both = await gpio.openInput(17);
    const rising = await gpio.openInput(18, { edge: 'rising' });
    const seenBoth: Level[] = [];
    const seenRising: Level[] = [];
    both.watch((l) => seenBoth.push(l));
    rising.watch((l) => seenRising.push(l));
    gpio.drive(17, 1);
    gpio.drive(17, 0);
    gpio.drive(18, 1);
    gpio.drive(18, 0);
    await clock.advance(1);
    expect(seenBoth).toEqual([0, 0]);
    expect(seenRising).toEqual([]);
  });

  it('debounce turns a bouncing contact into one callback after the quiet period', async () => {
    const { clock, gpio } = setup();
    gpio.setPull(23, 'up');
    gpio.setPull(24, 'up');
    const raw = await gpio.openInput(23);
    const debounced = await gpio.openInput(24, { debounceMs: 10 });
    const seenRaw: Level[] = [];
    const seenDebounced: { level: Level; at: number }[] = [];
    raw.watch((l) => seenRaw.push(l));
    debounced.watch((level) => seenDebounced.push({ level, at: clock.now() }));
    gpio.bounce(23, 0, { toggles: 3, spanMs: 3 });
    gpio.bounce(24, 0, { toggles: 3, spanMs: 3 });
    await clock.advance(50);
    expect(seenRaw).toEqual([0, 1, 0, 1, 0, 1, 0]);
    expect(seenDebounced).toEqual([{ level: 0, at: 13 }]);
  });

  it('a debounced falling-only watch ignores a glitch that ends high', async () => {
    const { clock, gpio } = setup();
    gpio.drive(25, 1);
    const input = await gpio.openInput(25, { edge: 'falling', debounceMs: 5 });
    const seen: Level[] = [];
    input.watch((l) => seen.push(l));
    gpio.drive(25, 0);
    await clock.advance(1);
    gpio.drive(25, 1);
    await clock.advance(20);
    expect(seen).toEqual([]);
    gpio.drive(25, 0);
    await clock.advance(20);
    expect(seen).toEqual([0]);
  });

  it('a new drive cancels a bounce in progress', async () => {
    const { clock, gpio } = setup();
    gpio.bounce(26, 1, { toggles: 5, spanMs: 10 });
    gpio.drive(26, 0);
    await clock.advance(20);
    expect(gpio.level(26)).toBe(0);
  });
});

describe('VirtualGpioController: outputs', () => {
  it('an output opened with its initial level never reports another level first', async () => {
    const { gpio } = setup();
    const seen: LineDrive[] = [];
    gpio.onOutput(6, (d) => seen.push(d));
    const out = await gpio.openOutput(6, { initial: 0, activeLow: true });
    expect(seen).toEqual([1]);
    expect(gpio.outputDrive(6)).toBe(1);
    expect(await out.read()).toBe(0);
    await out.write(1);
    await out.write(1);
    expect(seen).toEqual([1, 0]);
  });

  it('closing an output returns the pin to an input: it floats to its pull', async () => {
    const { gpio } = setup();
    const seen: LineDrive[] = [];
    gpio.onOutput(20, (d) => seen.push(d));
    const out = await gpio.openOutput(20, { initial: 1 });
    await out.close();
    expect(seen).toEqual([1, 'z']);
    expect(gpio.level(20)).toBe(0);
    expect(gpio.mode(20)).toBe('unused');
    await expect(out.write(0)).rejects.toMatchObject({ kind: 'closed' });
  });

  it('a process that ends without closing leaves its output driven; the next one keeps it with openOutputKeeping', async () => {
    const { gpio } = setup();
    const seen: LineDrive[] = [];
    gpio.onOutput(20, (d) => seen.push(d));
    const first = await gpio.openOutput(20, { initial: 0, activeLow: true }); // physical 1
    const tach = await gpio.openInput(6);
    gpio.endProcess();
    await expect(first.write(1)).rejects.toMatchObject({ kind: 'closed' });
    await expect(tach.read()).rejects.toMatchObject({ kind: 'closed' });
    expect([gpio.level(20), gpio.mode(20), gpio.mode(6)]).toEqual([1, 'output', 'unused']);
    const next = await gpio.openOutputKeeping(20, { fallback: 1, activeLow: true });
    expect(next.kept).toBe(0);
    expect(seen).toEqual([1]); // never released, never re-driven
    await next.output.write(1);
    expect(seen).toEqual([1, 0]);
    await expect(gpio.openOutputKeeping(20, { fallback: 0 })).rejects.toMatchObject({ kind: 'busy' });
  });

  it('openOutputKeeping on a line nobody drives exports it at the fallback; openOutput moves a kept line', async () => {
    const { gpio } = setup();
    const fresh = await gpio.openOutputKeeping(21, { fallback: 1 });
    expect([fresh.kept, gpio.level(21)]).toEqual([undefined, 1]);
    gpio.endProcess();
    await gpio.openOutput(21, { initial: 0 });
    expect(gpio.level(21)).toBe(0);
    await expect(gpio.openOutputKeeping(22, { fallback: 3 as Level })).rejects.toMatchObject({ kind: 'invalid' });
  });

  it('the output wins over a part on the same line', async () => {
    const { gpio } = setup();
    gpio.drive(21, 0);
    await gpio.openOutput(21, { initial: 1 });
    expect(gpio.level(21)).toBe(1);
  });
});
