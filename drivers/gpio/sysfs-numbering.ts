/**
 * BCM line number → sysfs GPIO number, found at run time (docs/hardware.md#gpio:
 * numbering on kernel 6.6+ and on the Pi 5).
 *
 * Must hold: the sysfs number is `base + line` of the `gpiochip*` under `<root>/class/gpio`
 * whose `label` is a Raspberry Pi header controller; `base` is read, never assumed (0 on old
 * kernels, 512 on a Pi 4 with kernel 6.6, 571 on a Pi 5). When several known chips are present
 * the earlier label in `labels` wins (the Pi 5's RP1 before any SoC chip).
 *
 * Flow:
 *  1. list `<root>/class/gpio/gpiochip*` (missing folder → sysfs GPIO is not in this kernel)
 *  2. read each chip's `base`, `label`, `ngpio`
 *  3. pick the chip by label preference (none → list the labels that were found)
 *  4. check 0 ≤ line < ngpio, answer base + line
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GpioError, errnoCode } from './errors.js';

/** Header GPIO controllers, in order of preference: Pi 5 (RP1), Pi 4, Pi 1–3 and Zero. */
export const PI_GPIO_LABELS: readonly string[] = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'];

export interface GpioChipInfo {
  /** Folder name, e.g. "gpiochip512". */
  readonly name: string;
  readonly base: number;
  readonly label: string;
  readonly ngpio: number;
}

export interface SysfsNumberingOptions {
  /** The sysfs mount point; default "/sys". Tests point it at a temp folder. */
  readonly sysfsRoot?: string;
  /** Acceptable chip labels, most preferred first; default `PI_GPIO_LABELS`. */
  readonly labels?: readonly string[];
}

/** Reads every `gpiochip*` under `<root>/class/gpio`, sorted by base. */
export async function listGpioChips(sysfsRoot = '/sys'): Promise<GpioChipInfo[]> {
  const classDir = join(sysfsRoot, 'class', 'gpio');
  let entries: string[];
  try {
    entries = await readdir(classDir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') {
      throw new GpioError(
        'no-sysfs',
        `sysfs GPIO is not available: ${classDir} does not exist (this kernel has no CONFIG_GPIO_SYSFS, ` +
          'as on recent Debian trixie images). Use a kernel with sysfs GPIO enabled, a driver on the ' +
          'GPIO character device (libgpiod), or the simulator.',
        { cause: err },
      );
    }
    throw new GpioError('io', `cannot list ${classDir}: ${String(err)}`, { cause: err });
  }
  const chips: GpioChipInfo[] = [];
  for (const name of entries.filter((e) => /^gpiochip\d+$/.test(e))) {
    const dir = join(classDir, name);
    chips.push({
      name,
      base: await readInt(join(dir, 'base')),
      label: (await readText(join(dir, 'label'))).trim(),
      ngpio: await readInt(join(dir, 'ngpio')),
    });
  }
  return chips.sort((a, b) => a.base - b.base);
}

/** The header controller among `chips`, by label preference. */
export function pickHeaderChip(chips: readonly GpioChipInfo[], labels: readonly string[] = PI_GPIO_LABELS): GpioChipInfo {
  for (const label of labels) {
    const chip = chips.find((c) => c.label === label);
    if (chip !== undefined) return chip;
  }
  const found = chips.length === 0 ? 'none' : chips.map((c) => `${c.name} "${c.label}"`).join(', ');
  throw new GpioError(
    'unknown-chip',
    `no Raspberry Pi GPIO controller under class/gpio: found ${found}; expected a chip labelled ` +
      `${labels.join(', ')} (pinctrl-rp1 is the Pi 5, pinctrl-bcm2711 the Pi 4, pinctrl-bcm2835 the Pi 1–3 and Zero). ` +
      'On another board, pass its controller label in "labels".',
  );
}

/** sysfs number of a line on `chip`, with a range check. */
export function sysfsNumberOn(chip: GpioChipInfo, line: number): number {
  if (!Number.isInteger(line) || line < 0 || line >= chip.ngpio) {
    throw new GpioError(
      'line-range',
      `GPIO line ${line} does not exist: ${chip.label} (${chip.name}) has ${chip.ngpio} lines (0–${chip.ngpio - 1}). ` +
        'Use the BCM number of a header pin (0–27), not the physical pin number.',
    );
  }
  return chip.base + line;
}

/**
 * Resolves BCM line numbers against one sysfs tree. The chip is looked up once (on first
 * use) and cached: bases do not move while the system runs.
 */
export class SysfsGpioNumbering {
  private chip: Promise<GpioChipInfo> | undefined;
  private readonly root: string;
  private readonly labels: readonly string[];

  constructor(options: SysfsNumberingOptions = {}) {
    this.root = options.sysfsRoot ?? '/sys';
    this.labels = options.labels ?? PI_GPIO_LABELS;
  }

  /** The header controller in use. */
  headerChip(): Promise<GpioChipInfo> {
    if (this.chip === undefined) {
      const pending = listGpioChips(this.root).then((chips) => pickHeaderChip(chips, this.labels));
      // A failed lookup is not cached: the next call tries again (e.g. after a module load).
      void pending.catch(() => {
        if (this.chip === pending) this.chip = undefined;
      });
      this.chip = pending;
    }
    return this.chip;
  }

  async toSysfs(line: number): Promise<number> {
    return sysfsNumberOn(await this.headerChip(), line);
  }
}

/** One-shot form: the sysfs GPIO number of BCM `line`. */
export async function sysfsGpioNumber(line: number, options: SysfsNumberingOptions = {}): Promise<number> {
  return new SysfsGpioNumbering(options).toSysfs(line);
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new GpioError('io', `cannot read ${path}: ${errnoCode(err) ?? String(err)}`, { cause: err });
  }
}

async function readInt(path: string): Promise<number> {
  const text = (await readText(path)).trim();
  if (!/^\d+$/.test(text)) throw new GpioError('io', `${path} holds "${text}", expected a whole number`);
  return Number(text);
}
