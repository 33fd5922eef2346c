import * as nodeFs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SuiteId } from '../suites-ids.js';
import { FileLatchStore, LatchStoreError, type LatchFs } from './latch-file.js';

let dir = '';
let file = '';
let now = 1_700_000_000_000;
const opts = { now: () => now };

beforeEach(async () => {
  dir = await nodeFs.mkdtemp(join(tmpdir(), 'pia-latch-'));
  file = join(dir, 'latches.json');
  now = 1_700_000_000_000;
});
afterEach(async () => {
  await nodeFs.rm(dir, { recursive: true, force: true });
});

describe('FileLatchStore', () => {
  it('starts empty on a first start (no file) and creates none until a latch', async () => {
    const s = await FileLatchStore.open({ file, ...opts });
    expect(s.size).toBe(0);
    await expect(nodeFs.stat(file)).rejects.toThrow(/ENOENT/);
  });

  it('survives a restart: a new instance on the same file has the same latches', async () => {
    const s = await FileLatchStore.open({ file, ...opts });
    await s.record(['2001:db8::1'], { piaPort: 4500, suite: SuiteId.AesGcm256 });
    await s.record(['2001:db8:42::f1'], { piaPort: 4501, piaAddress: '2001:db8:42::1' });
    now += 5_000;
    s.touch('2001:db8::1');
    await s.flush();
    const again = await FileLatchStore.open({ file, ...opts });
    expect(Object.fromEntries(again.entries())).toEqual({
      '2001:db8::1': { since: 1_700_000_000_000, lastSeen: 1_700_000_005_000, piaPort: 4500, suite: SuiteId.AesGcm256 },
      '2001:db8:42::f1': { since: 1_700_000_000_000, lastSeen: 1_700_000_000_000, piaPort: 4501, piaAddress: '2001:db8:42::1' },
    });
    await again.remove('2001:db8::1');
    expect((await FileLatchStore.open({ file, ...opts })).has('2001:db8::1')).toBe(false);
  });

  it('writes the file with mode 0600, whatever the umask and the old file mode', async () => {
    await nodeFs.writeFile(file, JSON.stringify({ format: 'pia-latches', version: 1, peers: {} }), { mode: 0o644 });
    const old = process.umask(0);
    try {
      const s = await FileLatchStore.open({ file, ...opts });
      await nodeFs.writeFile(`${file}.tmp`, 'planted', { mode: 0o666 }); // a temp file someone left
      await s.record(['2001:db8::1'], { piaPort: 4500 });
    } finally {
      process.umask(old);
    }
    expect((await nodeFs.stat(file)).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(await nodeFs.readFile(file, 'utf8')) as { format: string; version: number };
    expect([doc.format, doc.version]).toEqual(['pia-latches', 1]);
  });

  it('never writes through a symlink planted at the temp path', async () => {
    const s = await FileLatchStore.open({ file, ...opts });
    const victim = join(dir, 'victim');
    await nodeFs.writeFile(victim, 'keep me');
    await nodeFs.symlink(victim, `${file}.tmp`);
    await s.record(['2001:db8::1'], { piaPort: 4500 });
    expect(await nodeFs.readFile(victim, 'utf8')).toBe('keep me');
    expect((await nodeFs.lstat(file)).isFile()).toBe(true);
  });

  it('a corrupt file stops the start with an error naming the file and the fix, and leaves it alone', async () => {
    await nodeFs.writeFile(file, '{"format": "pia-latches", "version": 1, "peers": {', { mode: 0o600 });
    const err = await FileLatchStore.open({ file, ...opts }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LatchStoreError);
    expect((err as Error).message).toContain(`latch store ${file}: not valid JSON`);
    expect((err as Error).message).toMatch(/downgraded to plaintext.*Fix: restore the file from a backup, or move it aside \(mv /);
    expect(await nodeFs.readFile(file, 'utf8')).toContain('"peers": {');
  });

  it.each([
    [{ format: 'other' }, /not a latch file/],
    [{ format: 'pia-latches', version: 2, peers: {} }, /version 2, this node reads 1/],
    [{ format: 'pia-latches', version: 1, peers: [] }, /"peers" is not an object/],
    [{ format: 'pia-latches', version: 1, peers: { 'not-an-ip': {} } }, /peer "not-an-ip": not an IP address/],
    [{ format: 'pia-latches', version: 1, peers: { '2001:DB8::1': {} } }, /not in canonical form \(2001:db8::1\)/],
    [{ format: 'pia-latches', version: 1, peers: { '2001:db8::1': { since: 1, lastSeen: 1, piaPort: 0 } } }, /"piaPort" must be 1–65535/],
    [{ format: 'pia-latches', version: 1, peers: { '2001:db8::1': { since: -1, lastSeen: 1, piaPort: 1 } } }, /"since" and "lastSeen"/],
    [{ format: 'pia-latches', version: 1, peers: { '2001:db8::1': { since: 1, lastSeen: 1, piaPort: 1, suite: 9 } } }, /"suite" 9 is not a known suite id/],
    [{ format: 'pia-latches', version: 1, peers: { '2001:db8::1': { since: 1, lastSeen: 1, piaPort: 1, piaAddress: 'x' } } }, /"piaAddress"/],
  ])('refuses a file that is JSON but not valid latches: %j', async (doc, problem) => {
    await nodeFs.writeFile(file, JSON.stringify(doc));
    await expect(FileLatchStore.open({ file, ...opts })).rejects.toThrow(problem);
  });

  it('starts empty on a corrupt file only when told, keeping the file aside and saying so', async () => {
    await nodeFs.writeFile(file, 'garbage');
    const logs: string[] = [];
    const s = await FileLatchStore.open({ file, onCorrupt: 'start-empty', log: (m) => logs.push(m), ...opts });
    expect(s.size).toBe(0);
    const aside = `${file}.corrupt-${now}`;
    expect(await nodeFs.readFile(aside, 'utf8')).toBe('garbage');
    expect(logs[0]).toContain(`kept it as ${aside} and started with no latches`);
  });

  it('a crash between the temp write and the rename leaves the old file intact', async () => {
    const s = await FileLatchStore.open({ file, ...opts });
    await s.record(['2001:db8::1'], { piaPort: 4500 });
    const before = await nodeFs.readFile(file, 'utf8');
    const crashing: LatchFs = { ...nodeFs, rename: () => Promise.reject(new Error('simulated power cut')) };
    const doomed = await FileLatchStore.open({ file, fs: crashing, ...opts });
    const err = await doomed.record(['2001:db8::2'], { piaPort: 4500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LatchStoreError);
    expect((err as Error).message).toMatch(/could not save \(simulated power cut\); the latches hold in memory/);
    expect(doomed.has('2001:db8::2')).toBe(true); // never forgotten in memory
    expect(await nodeFs.readFile(file, 'utf8')).toBe(before);
    expect(await nodeFs.readFile(`${file}.tmp`, 'utf8')).toContain('2001:db8::2'); // the write got that far
    const restarted = await FileLatchStore.open({ file, ...opts });
    expect([...restarted.entries()].map(([k]) => k)).toEqual(['2001:db8::1']);
    await expect(nodeFs.stat(`${file}.tmp`)).rejects.toThrow(/ENOENT/); // stale temp removed
  });

  it('concurrent records are serialised: the file ends with all of them', async () => {
    const s = await FileLatchStore.open({ file, ...opts });
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.record([`2001:db8::${i + 1}`], { piaPort: 4500 })));
    expect((await FileLatchStore.open({ file, ...opts })).size).toBe(20);
  });

  it('bounded: evicts the least recently seen when full, and keeps the newest of an oversized file', async () => {
    const logs: string[] = [];
    const s = await FileLatchStore.open({ file, maxPeers: 2, log: (m) => logs.push(m), ...opts });
    for (const p of ['2001:db8::1', '2001:db8::2', '2001:db8::3']) {
      await s.record([p], { piaPort: 4500 });
      now += 1_000;
    }
    expect(logs[0]).toMatch(/forgot the latch of 2001:db8::1/);
    const reopened = await FileLatchStore.open({ file, maxPeers: 2, ...opts });
    expect([...reopened.entries()].map(([k]) => k).sort()).toEqual(['2001:db8::2', '2001:db8::3']);
    const smaller = await FileLatchStore.open({ file, maxPeers: 1, log: (m) => logs.push(m), ...opts });
    expect([...smaller.entries()].map(([k]) => k)).toEqual(['2001:db8::3']);
    expect(logs[1]).toMatch(/more than maxPeers 1; kept the most recently seen/);
  });

  it('an unreadable path is an error naming the file, not an empty store', async () => {
    await nodeFs.mkdir(file); // a directory where the file should be
    await expect(FileLatchStore.open({ file, ...opts })).rejects.toThrow(new RegExp(`latch store ${file}: cannot read it`));
  });
});
