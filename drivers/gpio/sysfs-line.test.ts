import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GpioError } from './errors.js';
import { readSysfsLine } from './sysfs-line.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A sysfs tree with line `n` exported, its files as given. */
function sysfs(n: number, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'pia-sysfs-line-'));
  roots.push(root);
  const dir = join(root, 'class', 'gpio', `gpio${n}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return root;
}

describe('readSysfsLine', () => {
  it('a line that is not exported answers undefined', async () => {
    expect(await readSysfsLine(588, sysfs(587, {}))).toBeUndefined();
  });

  it('an exported output: the physical level is value XOR active_low', async () => {
    expect(await readSysfsLine(588, sysfs(588, { direction: 'out\n', value: '1\n', active_low: '0\n' }))).toEqual({ direction: 'out', physical: 1 });
    expect(await readSysfsLine(588, sysfs(588, { direction: 'out\n', value: '1\n', active_low: '1\n' }))).toEqual({ direction: 'out', physical: 0 });
    expect(await readSysfsLine(588, sysfs(588, { direction: 'in\n', value: '0\n', active_low: '1\n' }))).toEqual({ direction: 'in', physical: 1 });
  });

  it('files that are not a GPIO line are an io error naming the file', async () => {
    const err = await readSysfsLine(588, sysfs(588, { direction: 'sideways\n', value: '1\n', active_low: '0\n' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpioError);
    expect((err as GpioError).message).toMatch(/gpio588\/direction is "sideways", not "in" or "out"/);
    const missing = await readSysfsLine(588, sysfs(588, { direction: 'out\n', active_low: '0\n' })).catch((e: unknown) => e);
    expect((missing as GpioError).message).toMatch(/gpio588\/value is missing, not 0 or 1/);
  });
});
