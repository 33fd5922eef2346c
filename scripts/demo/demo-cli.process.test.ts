/** `npm start`'s program (scripts/demo.ts) as a process: options, the port check, building events on stdin. */
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freeTcpPort, freeUdpPorts, ProcessTracker, REPO_ROOT, TSX } from '../../common/test-support/index.js';

const DEMO = join(REPO_ROOT, 'scripts/demo.ts');
const tracker = new ProcessTracker();
const dirs: string[] = [];
afterEach(async () => {
  await tracker.stopAll();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function newDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pia-demo-cli-'));
  dirs.push(d);
  return d;
}

async function portArgs(): Promise<{ args: string[]; base: number }> {
  const base = await freeUdpPorts(16);
  const args = ['--trust-port', String(base), '--pia-port', String(base + 1), '--coap-port', String(base + 2), '--admin-port', String(await freeTcpPort()), '--web-port', '0'];
  return { args, base };
}

describe('npm start (scripts/demo.ts)', () => {
  it('--help lists the port and folder options; a bad option exits 2 with the usage', async () => {
    const help = await tracker.run(TSX, [DEMO, '--help'], 20_000, { name: 'demo' });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--pia-port N/);
    expect(help.stdout).toMatch(/--coap-port N/);
    expect(help.stdout).toMatch(/--dir DIR/);
    const bad = await tracker.run(TSX, [DEMO, '--pia-port', 'many'], 20_000, { name: 'demo' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--pia-port must be a port number 1–65535, got "many"/);
    expect(bad.stderr).toMatch(/usage: npm start --/);
  }, 45_000);

  it('a taken PIA port is found before the factory step: exit 1, the option named, nothing burnt', async () => {
    const { args, base } = await portArgs();
    const taken = createSocket('udp6');
    await new Promise<void>((resolve) => taken.bind(base + 1, '::', resolve));
    const dir = newDir();
    try {
      const r = await tracker.run(TSX, [DEMO, ...args, '--dir', dir, '--seconds', '30'], 30_000, { name: 'demo' });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`${base + 1}/udp on :: \\(the gateway's PIA port\\): in use; choose another with --pia-port N`));
      expect(r.stdout).not.toMatch(/factory:/);
      expect(readdirSync(dir).sort()).toEqual(['.pia-demo', 'gateway.yaml']);
    } finally {
      taken.close();
    }
  }, 45_000);

  it('refuses to empty a folder it did not make', async () => {
    const { args } = await portArgs();
    const dir = newDir();
    writeFileSync(join(dir, 'thesis.tex'), 'precious');
    const r = await tracker.run(TSX, [DEMO, ...args, '--dir', dir, '--seconds', '30'], 30_000, { name: 'demo' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not empty and was not made by the demo; give a new or empty folder with --dir DIR/);
    expect(readdirSync(dir)).toEqual(['thesis.tex']);
  }, 45_000);

  it('--events: a line on stdin makes the building do it; a bad line is answered and the demo runs on', async () => {
    const { args } = await portArgs();
    const dir = newDir();
    const demo = tracker.start(TSX, [DEMO, ...args, '--dir', dir, '--events', '--seconds', '120'], { name: 'demo', stdin: 'pipe' });
    await demo.waitFor(/building events: type one per line/, 90_000);
    demo.child.stdin?.write('door dance\nfan stall\nhelp\n');
    await demo.waitFor(/building: rack fan: stalled/, 10_000);
    expect(demo.stdout()).toMatch(/building: unknown event "door dance"; one of: door force/);
    await demo.waitFor(/building: events: door force · door open/, 10_000);
    expect(demo.child.exitCode).toBe(null);
    demo.child.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
    expect(demo.stdout()).toMatch(/demo: stopped/);
  }, 150_000);
});
