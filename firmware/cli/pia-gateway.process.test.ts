/** `pia-gateway` as a process (the bin entry's source through tsx): exit codes reach the shell. */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessTracker, REPO_ROOT, TSX } from '../../common/test-support/index.js';

const CLI = join(REPO_ROOT, 'firmware/cli/pia-gateway.ts');
const DEMO = join(REPO_ROOT, 'firmware/config/examples/demo-building.yaml');
const tracker = new ProcessTracker();
afterEach(() => tracker.stopAll());

const run = (args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> => tracker.run(TSX, [CLI, ...args], 20_000, { name: 'pia-gateway' });

describe('pia-gateway process', () => {
  it('check: 0 for the demo file, 1 for a missing file, 2 for bad arguments', async () => {
    const ok = await run(['check', '--config', DEMO]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/demo-building\.yaml: OK, 10 devices/);
    const missing = await run(['check', '--config', '/nonexistent/gateway.yaml']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('/nonexistent/gateway.yaml:1: cannot read the file (ENOENT); check the path (examples: firmware/config/examples/demo-building.yaml)\n/nonexistent/gateway.yaml: 1 error: not usable\n');
    expect((await run(['frobnicate'])).code).toBe(2);
  });

  it('discover --simulated prints the snippet', async () => {
    const r = await run(['discover', '--simulated']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {4}i2c: \{ bus: 1, address: 0x44 \}$/m);
  });
});
