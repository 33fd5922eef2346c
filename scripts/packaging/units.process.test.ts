/**
 * systemd's own checks of the two units (docs/install.md, "The systemd units"):
 *
 * 1. `systemd-analyze verify` on a copy whose ExecStart points at an executable stand-in in a
 *    temp folder (the real /usr/local/bin/<program> exists only on an installed machine): no
 *    warning at all (an unknown or misspelt key is a warning, and would be ignored by systemd);
 * 2. `systemd-analyze security --offline=true` on the unit: its exposure score, printed, at
 *    most the threshold documented in docs/install.md (gateway 2.5: it needs CAP_NET_ADMIN,
 *    devices and writable sysfs; trusted server 1.5).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ProcessTracker, REPO_ROOT } from '../../common/test-support/index.js';
import { exposureScore } from './unit-file.js';

const tracker = new ProcessTracker();
const tmp = mkdtempSync(join(tmpdir(), 'pia-units-'));
afterEach(() => tracker.stopAll());
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const UNITS = [
  { program: 'pia-gateway', path: 'firmware/systemd/pia-gateway.service', threshold: 2.5 },
  { program: 'pia-trust', path: 'trust-server/systemd/pia-trust.service', threshold: 1.5 },
];

/** A copy of the unit in its own folder, ExecStart pointing at an executable stand-in. */
function standIn(program: string, path: string): string {
  const dir = join(tmp, program);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'bin', program), '#!/bin/sh\nexit 0\n');
  chmodSync(join(dir, 'bin', program), 0o755);
  const text = readFileSync(join(REPO_ROOT, path), 'utf8');
  const rewritten = text.replace(`ExecStart=/usr/local/bin/${program} `, `ExecStart=${join(dir, 'bin', program)} `);
  expect(rewritten).not.toBe(text);
  const unit = join(dir, `${program}.service`);
  writeFileSync(unit, rewritten);
  return unit;
}

for (const { program, path, threshold } of UNITS) {
  describe(`${program}.service under systemd-analyze`, () => {
    it('verifies without a warning', async () => {
      const r = await tracker.run('systemd-analyze', ['verify', '--man=no', standIn(program, path)], 30_000);
      expect({ code: r.code, out: r.stdout + r.stderr }).toEqual({ code: 0, out: '' });
    });

    it(`has an exposure score of at most ${threshold}`, async () => {
      const r = await tracker.run('systemd-analyze', ['security', '--offline=true', '--no-pager', join(REPO_ROOT, path)], 30_000);
      expect(r.code, r.stderr).toBe(0);
      const score = exposureScore(r.stdout);
      console.log(`${program}.service: exposure ${score} (threshold ${threshold})`);
      expect(score).toBeLessThanOrEqual(threshold);
    });

    it('a misspelt key is caught by the verify step', async () => {
      const unit = standIn(program, path);
      writeFileSync(unit, readFileSync(unit, 'utf8').replace('ProtectSystem=strict', 'ProtectSytem=strict'));
      const r = await tracker.run('systemd-analyze', ['verify', '--man=no', unit], 30_000);
      expect(r.stderr).toMatch(/Unknown key 'ProtectSytem'/);
    });
  });
}
