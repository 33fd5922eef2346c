/**
 * The lab's topology (scripts/lab/topology.ts, docs/lab.md): every host reaches every other
 * across the router; the operations center's packets take two hops (on-path host, router) and
 * the legacy host's one, shown by the IPv6 hop limit (RFC 8200 §3: a router discards a packet
 * whose hop limit it would bring to 0); `remove()` leaves no namespace behind, and neither does
 * a lab whose creating process was killed, once `removeLeftoverLabs` has run.
 */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT, processAlive } from '../../common/test-support/index.js';
import { createLab, ip, removeLeftoverLabs, type Lab } from './topology.js';

let lab: Lab;

beforeAll(() => {
  removeLeftoverLabs();
  lab = createLab({ prefix: 'labtopo' });
});
afterAll(async () => {
  await lab?.remove();
});

/** A node one-liner: UDP echo on [::]:PORT, printing "listening" once bound. */
const ECHO = `const s=require('node:dgram').createSocket('udp6');s.on('message',(m,r)=>s.send(m,r.port,r.address));s.bind(7007,()=>console.log('listening'))`;
/** Sends one datagram with hop limit HL to ADDRESS:7007; prints "echo" or "lost" after 1.5 s. */
const PROBE = (address: string, hopLimit: number): string =>
  `const s=require('node:dgram').createSocket('udp6');s.bind(0,()=>{s.setTTL(${hopLimit});s.send('x',7007,'${address}')});` +
  `s.on('message',()=>{console.log('echo');process.exit(0)});setTimeout(()=>{console.log('lost');process.exit(0)},1500)`;

describe('the network lab', () => {
  it('every host reaches the data-center host across the router; ops takes two hops, legacy one', async () => {
    const echo = lab.start('dc', [process.execPath, '-e', ECHO]);
    await echo.waitFor(/listening/);
    for (const host of ['ops', 'building', 'trust', 'legacy', 'onpath'] as const) {
      const r = await lab.run(host, [process.execPath, '-e', PROBE(lab.hosts.dc.address, 64)]);
      expect(`${host}: ${r.stdout.trim()}`).toBe(`${host}: echo`);
    }
    expect((await lab.run('legacy', [process.execPath, '-e', PROBE(lab.hosts.dc.address, 2)])).stdout.trim()).toBe('echo');
    expect((await lab.run('ops', [process.execPath, '-e', PROBE(lab.hosts.dc.address, 2)])).stdout.trim()).toBe('lost');
    expect((await lab.run('ops', [process.execPath, '-e', PROBE(lab.hosts.dc.address, 3)])).stdout.trim()).toBe('echo');
  }, 30_000);

  it('a host the lab does not have is refused with the names it has', () => {
    expect(() => lab.exec('mars', ['true'])).toThrow(/no lab host 'mars': use one of ops, dc, building, trust, legacy, onpath, router/);
  });

  it('a lab whose creator was killed: removeLeftoverLabs stops what still runs in it and deletes it', async () => {
    const creator = `import { createLab } from ${JSON.stringify(join(REPO_ROOT, 'scripts/lab/topology.ts'))};
      const lab = createLab({ prefix: 'lableft' });
      const sleeper = lab.exec('dc', ['sleep', '600']);
      console.log(JSON.stringify({ router: lab.router, dc: lab.hosts.dc.netns, sleeper: sleeper.pid }));`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', creator], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString())));
    const left = JSON.parse(line) as { router: string; dc: string; sleeper: number };
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(processAlive(left.sleeper)).toBe(true); // killing the creator left its program running

    expect(removeLeftoverLabs()).toEqual(expect.arrayContaining([left.router, left.dc]));
    await vi.waitFor(() => expect(processAlive(left.sleeper)).toBe(false), { timeout: 5_000 });
    expect(ip(['netns', 'list'])).not.toContain(left.dc);
  }, 30_000);

  it('remove() deletes every namespace of the lab', async () => {
    const other = createLab({ prefix: 'labgone' });
    expect(ip(['netns', 'list'])).toContain(other.router);
    await other.remove();
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const ns of [other.router, ...Object.values(other.hosts).map((h) => h.netns)]) expect(left).not.toContain(ns);
  });
});
