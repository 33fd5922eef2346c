/**
 * What an exported sysfs GPIO line holds before this process touches it:
 * `<root>/class/gpio/gpioN/{direction,value,active_low}` (Documentation/ABI/obsolete/sysfs-gpio).
 *
 * Must hold:
 * - reading never drives the line: only the three files are read, nothing is written;
 * - a line that is not exported (no `gpioN` folder) answers undefined: nobody drives it, and
 *   on BCM283x/2711 an unexported pin is an input (bcm2835_pmx_free sets GPIO_IN);
 * - `value` is logical under the line's *current* `active_low` (gpiolib-sysfs value_show), so
 *   the physical level is value XOR active_low: a previous process may have set another
 *   active_low than the one this process is about to write;
 * - an exported output keeps driving its level until someone writes `direction` or `value`
 *   or unexports it (gpiolib-sysfs: exports outlive the process that made them), so the level
 *   read here is the level the pin still drives.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GpioError, errnoCode } from './errors.js';
import type { Level } from './types.js';

export interface SysfsLineState {
  readonly direction: 'in' | 'out';
  /** The physical (raw) level on the pin: active_low undone. */
  readonly physical: Level;
}

/** Reads exported line `n` (its sysfs number) under `sysfsRoot` (default "/sys"); undefined when not exported. */
export async function readSysfsLine(n: number, sysfsRoot = '/sys'): Promise<SysfsLineState | undefined> {
  const dir = join(sysfsRoot, 'class', 'gpio', `gpio${n}`);
  const read = async (file: string): Promise<string | undefined> => {
    try {
      return (await readFile(join(dir, file), 'utf8')).trim();
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw new GpioError('io', `${join(dir, file)}: cannot read (${errnoCode(err) ?? String(err)}): run as root or as a member of the gpio group`, { cause: err });
    }
  };
  const direction = await read('direction');
  if (direction === undefined) return undefined;
  const value = await read('value');
  const activeLow = await read('active_low');
  if (direction !== 'in' && direction !== 'out') throw unexpected(dir, 'direction', direction, '"in" or "out"');
  if (value !== '0' && value !== '1') throw unexpected(dir, 'value', value, '0 or 1');
  if (activeLow !== '0' && activeLow !== '1') throw unexpected(dir, 'active_low', activeLow, '0 or 1');
  return { direction, physical: (Number(value) ^ Number(activeLow)) as Level };
}

function unexpected(dir: string, file: string, got: string | undefined, want: string): GpioError {
  const shown = got === undefined ? 'missing' : `"${got.slice(0, 20)}"`;
  return new GpioError('io', `${join(dir, file)} is ${shown}, not ${want}: this is not a sysfs GPIO line; check the kernel's gpio class`);
}
