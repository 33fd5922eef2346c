/**
 * heap-diff (scripts/soak/heap-diff.ts) on real V8 snapshots: a worker thread (its own heap)
 * writes one, keeps 5,000 objects of a class, writes another, drops them, writes a third.
 * The difference names the class and its count; the garbage is not counted; bad input is
 * refused with exit 2 naming the file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heapDiffMain, heapGrowth, summarizeHeap, type HeapSummary } from './heap-diff.js';

const dir = mkdtempSync(join(tmpdir(), 'pia-heap-diff-'));
const WORKER = `
  const { writeHeapSnapshot } = require('node:v8');
  const { workerData } = require('node:worker_threads');
  class KeptRecord { constructor(i) { this.i = i; this.label = 'record ' + i; } }
  writeHeapSnapshot(workerData.dir + '/a.heapsnapshot');
  globalThis.kept = Array.from({ length: 5000 }, (_, i) => new KeptRecord(i));
  for (let i = 0; i < 20000; i++) new KeptRecord(i); // garbage: gone before the snapshot
  writeHeapSnapshot(workerData.dir + '/b.heapsnapshot');
  globalThis.kept = undefined;
  writeHeapSnapshot(workerData.dir + '/c.heapsnapshot');
`;
const summary = (name: string): HeapSummary => summarizeHeap(JSON.parse(readFileSync(join(dir, name), 'utf8')));
const growthOf = (before: HeapSummary, after: HeapSummary, name: string) => heapGrowth(before, after).find((r) => r.name === name);

beforeAll(async () => {
  const worker = new Worker(WORKER, { eval: true, workerData: { dir } });
  await new Promise((resolve, reject) => worker.once('exit', resolve).once('error', reject));
}, 30_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('heap-diff', () => {
  it('names what the program kept, with its count, and only that', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((n) => summary(`${n}.heapsnapshot`)) as [HeapSummary, HeapSummary, HeapSummary];
    expect(growthOf(a, b, 'KeptRecord')).toMatchObject({ countDelta: 5000, count: 5000 });
    expect(growthOf(a, b, 'KeptRecord')?.bytesDelta).toBeGreaterThan(5000 * 16);
    expect(b.totalBytes - a.totalBytes).toBeGreaterThan(5000 * 16);
    // dropped again: the third snapshot holds none (collected before it was written)
    expect(c.groups.has('KeptRecord')).toBe(false);
    expect(growthOf(b, c, 'KeptRecord')).toMatchObject({ countDelta: -5000, count: 0 });
    // the groups add up to the heap's total
    expect([...b.groups.values()].reduce((n, g) => n + g.bytes, 0)).toBe(b.totalBytes);
  });

  it('prints the live totals and the top groups; KeptRecord first among objects', () => {
    let out = '';
    expect(heapDiffMain([join(dir, 'a.heapsnapshot'), join(dir, 'b.heapsnapshot'), '--top', '40'], (s) => (out += s), () => undefined)).toBe(0);
    expect(out).toMatch(/^live heap \d+\.\d\d → \d+\.\d\d MB \(\+\d+\.\d\d MB; compiled code [+-]?\d+(\.\d\d)? MB of it\)\n/);
    expect(out).toMatch(/\+5000 +5000 {2}KeptRecord\n/);
  });

  it('refuses a missing file, a file that is not a snapshot, and a bad command line, with exit 2', () => {
    const notJson = join(dir, 'notes.txt');
    const notSnapshot = join(dir, 'other.json');
    writeFileSync(notJson, 'hello');
    writeFileSync(notSnapshot, '{"nodes": []}');
    const run = (args: string[]): [number, string] => {
      let err = '';
      const code = heapDiffMain(args, () => undefined, (s) => (err += s));
      return [code, err];
    };
    expect(run([join(dir, 'missing.heapsnapshot'), join(dir, 'a.heapsnapshot')])).toEqual([2, expect.stringMatching(/^heap-diff: cannot read .*missing\.heapsnapshot \(ENOENT\): give the path of a \.heapsnapshot file\n$/)]);
    expect(run([notJson, join(dir, 'a.heapsnapshot')])).toEqual([2, expect.stringMatching(/notes\.txt is not JSON/)]);
    expect(run([join(dir, 'a.heapsnapshot'), notSnapshot])).toEqual([2, expect.stringMatching(/other\.json is not a V8 heap snapshot .*--heapsnapshot-signal=SIGUSR2/)]);
    expect(run([join(dir, 'a.heapsnapshot')])).toEqual([2, expect.stringMatching(/give two snapshot files.*\nusage: npm run heap-diff/)]);
    expect(run([join(dir, 'a.heapsnapshot'), join(dir, 'b.heapsnapshot'), '--top', '0'])[0]).toBe(2);
    expect(run([join(dir, 'a.heapsnapshot'), join(dir, 'b.heapsnapshot'), '--verbose'])[0]).toBe(2);
  });
});
