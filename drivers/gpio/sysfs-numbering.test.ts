import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GpioError } from './errors.js';
import { SysfsGpioNumbering, listGpioChips, sysfsGpioNumber } from './sysfs-numbering.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'pia-gpio-sysfs-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** One `gpiochipN` folder as the kernel lays it out (values end in a newline). */
async function chip(base: number, label: string, ngpio: number): Promise<void> {
  const dir = join(root, 'class', 'gpio', `gpiochip${base}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'base'), `${base}\n`);
  await writeFile(join(dir, 'label'), `${label}\n`);
  await writeFile(join(dir, 'ngpio'), `${ngpio}\n`);
}

async function gpioClassOnly(): Promise<void> {
  await mkdir(join(root, 'class', 'gpio'), { recursive: true });
  await writeFile(join(root, 'class', 'gpio', 'export'), '');
}

async function rejection(p: Promise<unknown>): Promise<GpioError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GpioError);
  return err as GpioError;
}

describe('sysfs GPIO numbering', () => {
  it('Pi 4 on an old kernel: base 0, the sysfs number is the BCM number', async () => {
    await chip(0, 'pinctrl-bcm2711', 58);
    await chip(504, 'raspberrypi-exp-gpio', 8);
    expect(await sysfsGpioNumber(17, { sysfsRoot: root })).toBe(17);
  });

  it('Pi 4 on kernel 6.6: base 512', async () => {
    await chip(512, 'pinctrl-bcm2711', 58);
    await chip(570, 'raspberrypi-exp-gpio', 8);
    expect(await sysfsGpioNumber(17, { sysfsRoot: root })).toBe(529);
    expect(await sysfsGpioNumber(0, { sysfsRoot: root })).toBe(512);
  });

  it('Pi 5: the RP1 chip at base 571 among the SoC chips', async () => {
    await chip(512, 'gpio-brcmstb@107d508500', 32);
    await chip(544, 'gpio-brcmstb@107d508520', 4);
    await chip(548, 'gpio-brcmstb@107d517c00', 17);
    await chip(565, 'gpio-brcmstb@107d517c20', 6);
    await chip(571, 'pinctrl-rp1', 54);
    const numbering = new SysfsGpioNumbering({ sysfsRoot: root });
    expect(await numbering.toSysfs(17)).toBe(588);
    expect(await numbering.toSysfs(27)).toBe(598);
    expect((await numbering.headerChip()).name).toBe('gpiochip571');
  });

  it('prefers pinctrl-rp1 over an older label when both are present', async () => {
    await chip(0, 'pinctrl-bcm2835', 54);
    await chip(600, 'pinctrl-rp1', 54);
    expect(await sysfsGpioNumber(4, { sysfsRoot: root })).toBe(604);
  });

  it('lists chips sorted by base', async () => {
    await chip(571, 'pinctrl-rp1', 54);
    await chip(512, 'gpio-brcmstb@107d508500', 32);
    const chips = await listGpioChips(root);
    expect(chips.map((c) => c.base)).toEqual([512, 571]);
    expect(chips[1]).toEqual({ name: 'gpiochip571', base: 571, label: 'pinctrl-rp1', ngpio: 54 });
  });

  it('no gpio class folder: says sysfs GPIO is not enabled and mentions libgpiod', async () => {
    const err = await rejection(sysfsGpioNumber(17, { sysfsRoot: root }));
    expect(err.kind).toBe('no-sysfs');
    expect(err.message).toContain(join(root, 'class', 'gpio'));
    expect(err.message).toMatch(/CONFIG_GPIO_SYSFS/);
    expect(err.message).toMatch(/libgpiod/);
  });

  it('no known pinctrl chip: lists the labels found', async () => {
    await chip(0, 'gpio-mockup-A', 8);
    await chip(8, 'gpio-sim.0-node0', 16);
    const err = await rejection(sysfsGpioNumber(17, { sysfsRoot: root }));
    expect(err.kind).toBe('unknown-chip');
    expect(err.message).toContain('"gpio-mockup-A"');
    expect(err.message).toContain('"gpio-sim.0-node0"');
    expect(err.message).toContain('pinctrl-rp1');
  });

  it('an empty gpio class folder says it found none', async () => {
    await gpioClassOnly();
    const err = await rejection(sysfsGpioNumber(2, { sysfsRoot: root }));
    expect(err.kind).toBe('unknown-chip');
    expect(err.message).toContain('found none');
  });

  it('a line outside ngpio is refused with the range', async () => {
    await chip(512, 'pinctrl-bcm2711', 58);
    const numbering = new SysfsGpioNumbering({ sysfsRoot: root });
    const err = await rejection(numbering.toSysfs(58));
    expect(err.kind).toBe('line-range');
    expect(err.message).toContain('0–57');
    expect((await rejection(numbering.toSysfs(-1))).kind).toBe('line-range');
    expect((await rejection(numbering.toSysfs(1.5))).kind).toBe('line-range');
    expect(await numbering.toSysfs(57)).toBe(569);
  });

  it('a custom label list serves other boards', async () => {
    await chip(0, 'gpio-mockup-A', 8);
    expect(await sysfsGpioNumber(3, { sysfsRoot: root, labels: ['gpio-mockup-A'] })).toBe(3);
  });

  it('a malformed base names the file', async () => {
    await chip(512, 'pinctrl-bcm2711', 58);
    await writeFile(join(root, 'class', 'gpio', 'gpiochip512', 'base'), 'garbage\n');
    const err = await rejection(sysfsGpioNumber(1, { sysfsRoot: root }));
    expect(err.kind).toBe('io');
    expect(err.message).toContain(join('gpiochip512', 'base'));
  });

  it('a failed lookup is retried on the next call, a good one is cached', async () => {
    const numbering = new SysfsGpioNumbering({ sysfsRoot: root });
    await rejection(numbering.toSysfs(1));
    await chip(512, 'pinctrl-bcm2711', 58);
    expect(await numbering.toSysfs(1)).toBe(513);
    await rm(join(root, 'class'), { recursive: true });
    expect(await numbering.toSysfs(2)).toBe(514);
  });
});
