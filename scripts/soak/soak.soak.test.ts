/**
 * `npm run soak` for one minute in CI (docs/soak.md): the real programs in the network lab,
 * the trusted server killed and restarted, the broker stopped twice, and the report's checks
 * all holding — plus a bad command line answered with exit 2 and nothing started.
 * The long runs (`--minutes 10`, 30) are run by hand; their memory slopes are judged there.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ProcessTracker, TSX } from '../../common/test-support/index.js';
import type { SoakReport } from './report.js';

const CLI = 'scripts/soak/soak-cli.ts';
const tracker = new ProcessTracker();
const dir = mkdtempSync(join(tmpdir(), 'pia-soak-test-'));
afterEach(() => tracker.stopAll());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run soak', () => {
  it('a bad --minutes: exit 2 naming it, the usage, and no lab made', async () => {
    const r = await tracker.run(TSX, [CLI, '--minutes', '0'], 30_000, { name: 'soak' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^soak: --minutes 0 is out of range: give 0\.5–1440 minutes\nusage: npm run soak -- --minutes N/);
    expect(r.stdout).toBe('');
  });

  it('one minute in the lab: every check holds, and the figures behind them are there', async () => {
    const out = join(dir, 'report.json');
    const soak = tracker.start(TSX, [CLI, '--minutes', '1', '--out', out], { name: 'soak' });
    const exit = await soak.exited;
    expect(exit, `${soak.stderr()}${soak.stdout()}`).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as SoakReport;
    expect(soak.stdout()).toMatch(/verdict: PASS\n$/);
    expect(report.verdict).toBe('pass');
    expect(report.hosts).toMatch(/^network lab/);
    expect(report.checks.map((c) => c.name)).toEqual([
      'no program crashed',
      'no unhandled error in any output',
      'clean stop',
      'phase 3 after every restart',
      'commands completed',
      'polls completed',
      'rekeys (at least 2)',
      'MQTT: nothing lost beyond cap drops',
      'memory slope pia-gateway',
      'memory slope pia-trust',
    ]);
    // a one-minute run judges no memory slope (its second half is 30 s), but it measures one
    for (const c of report.checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(c.name.startsWith('memory slope') ? null : true);
    expect(report.memory.find((m) => m.program === 'pia-gateway')?.samples).toBeGreaterThan(10);
    expect(report.restarts.map((r) => r.what)).toEqual(['trusted server restart', 'broker restart 1', 'broker restart 2']);
    for (const r of report.restarts) expect(r.recoveredS).not.toBeNull();
    expect(report.commandsCompleted).toBeGreaterThan(5);
    expect(report.gatewayCommandsOk).toBeGreaterThanOrEqual(report.commandsCompleted);
    expect(report.rekeys).toBeGreaterThanOrEqual(2);
    // the broker was down past the queue's cap: drops happened and account for every message not delivered
    expect(report.mqtt.capDropped).toBeGreaterThan(0);
    expect(report.mqtt.published).toBeGreaterThan(report.mqtt.delivered);
    expect((report.mqtt.published ?? 0) - report.mqtt.delivered).toBeLessThanOrEqual(report.mqtt.capDropped ?? -1);
    // the lab is gone: no namespace named for the soak's process is left
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(`piasoak-${soak.child.pid}-`);
  }, 240_000);
});
