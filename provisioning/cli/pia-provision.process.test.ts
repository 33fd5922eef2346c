/** The real program (pia-provision.ts) as a process: its wiring to the Linux I2C buses and the exit codes. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TSX } from '../../common/test-support/index.js';

const run = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [join(import.meta.dirname, 'pia-provision.ts'), ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('pia-provision (process)', () => {
  it('help exits 0; a board on an I2C bus this host lacks exits 2 naming /dev/i2c-N and how to enable it', async () => {
    const help = await run(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^pia-provision: turn blank boards/);
    const missing = await run(['inspect', '--board', 'atecc608=i2c-77:0x60']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/\/dev\/i2c-77.*enable I2C/);
    const bad = await run(['burn', '--board', 'nonsense']);
    expect(bad.code).toBe(1);
  }, 30_000);
});
