/**
 * `npm run heap-diff -- BEFORE AFTER [--top N]`: what a program's live JavaScript heap gained
 * between two V8 heap snapshots (docs/soak.md, "A leak or a settling heap"), grouped by
 * constructor (objects, closures) or by V8's node type (code, strings, arrays, …).
 *
 * Must hold:
 * 1. a snapshot holds only what was reachable: V8 collects garbage before it writes one, so the
 *    difference is what the program kept, not the garbage-collection sawtooth a `heapUsed`
 *    sample shows;
 * 2. sizes are self sizes (each object's own bytes), so the groups add up to the heap's total;
 * 3. a file that is missing or is not a heap snapshot is named with the fix; exit 2.
 *
 * Format: V8's `.heapsnapshot` JSON (as Chrome DevTools reads it): `snapshot.meta.node_fields`
 * names each node's fields, `nodes` is the flat array of them, `strings` the names.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface HeapGroup {
  readonly count: number;
  readonly bytes: number;
}

export interface HeapSummary {
  readonly totalBytes: number;
  readonly groups: ReadonlyMap<string, HeapGroup>;
}

export interface HeapGrowth {
  readonly name: string;
  readonly countDelta: number;
  readonly bytesDelta: number;
  readonly count: number;
}

interface SnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Groups a snapshot's nodes: objects and closures by constructor name, the rest by node type in parentheses. */
export function summarizeHeap(json: unknown, what = 'the heap snapshot'): HeapSummary {
  const s = json as Partial<SnapshotJson>;
  const fields = s.snapshot?.meta?.node_fields;
  const types = s.snapshot?.meta?.node_types?.[0];
  if (!Array.isArray(fields) || !Array.isArray(types) || !Array.isArray(s.nodes) || !Array.isArray(s.strings)) {
    throw new Error(`${what} is not a V8 heap snapshot (no snapshot.meta.node_fields, nodes, strings): write one with 'node --heapsnapshot-signal=SIGUSR2' and 'kill -USR2 PID'`);
  }
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const groups = new Map<string, { count: number; bytes: number }>();
  let totalBytes = 0;
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const kind = types[s.nodes[i + type] ?? -1] ?? 'unknown';
    const label = kind === 'object' ? (s.strings[s.nodes[i + name] ?? -1] ?? '?') : kind === 'closure' ? `closure ${s.strings[s.nodes[i + name] ?? -1] ?? ''}` : `(${kind})`;
    const bytes = s.nodes[i + size] ?? 0;
    const g = groups.get(label) ?? { count: 0, bytes: 0 };
    g.count += 1;
    g.bytes += bytes;
    groups.set(label, g);
    totalBytes += bytes;
  }
  return { totalBytes, groups };
}

/** Every group of `after`, with what it gained since `before`; largest byte gain first. */
export function heapGrowth(before: HeapSummary, after: HeapSummary): HeapGrowth[] {
  const names = new Set([...before.groups.keys(), ...after.groups.keys()]);
  return [...names]
    .map((name) => {
      const a = before.groups.get(name) ?? { count: 0, bytes: 0 };
      const b = after.groups.get(name) ?? { count: 0, bytes: 0 };
      return { name, countDelta: b.count - a.count, bytesDelta: b.bytes - a.bytes, count: b.count };
    })
    .sort((x, y) => y.bytesDelta - x.bytesDelta || x.name.localeCompare(y.name));
}

const MB = 1024 * 1024;

export function formatGrowth(before: HeapSummary, after: HeapSummary, top: number): string {
  const rows = heapGrowth(before, after);
  const code = rows.find((r) => r.name === '(code)')?.bytesDelta ?? 0;
  const lines = [
    `live heap ${(before.totalBytes / MB).toFixed(2)} → ${(after.totalBytes / MB).toFixed(2)} MB (${signed((after.totalBytes - before.totalBytes) / MB)} MB; compiled code ${signed(code / MB)} MB of it)`,
    `${'bytes'.padStart(10)} ${'count'.padStart(8)} ${'now'.padStart(8)}  group`,
    ...rows.slice(0, top).map((r) => `${signed(r.bytesDelta).padStart(10)} ${signed(r.countDelta).padStart(8)} ${String(r.count).padStart(8)}  ${r.name.slice(0, 80)}`),
  ];
  return `${lines.join('\n')}\n`;
}

function signed(n: number): string {
  const text = Number.isInteger(n) ? String(n) : n.toFixed(2);
  return n > 0 ? `+${text}` : text;
}

export const HEAP_DIFF_USAGE = 'usage: npm run heap-diff -- BEFORE.heapsnapshot AFTER.heapsnapshot [--top N]';

function readSummary(file: string): HeapSummary {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): give the path of a .heapsnapshot file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not JSON: a heap snapshot is the .heapsnapshot file V8 writes`);
  }
  return summarizeHeap(json, file);
}

export function heapDiffMain(args: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  let files: string[];
  let top: number;
  try {
    const parsed = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: { top: { type: 'string' } } });
    [files, top] = [parsed.positionals, Number(parsed.values.top ?? 25)];
  } catch (e) {
    err(`heap-diff: ${(e as Error).message}\n${HEAP_DIFF_USAGE}\n`); // names the unknown option
    return 2;
  }
  if (files.length !== 2 || !Number.isInteger(top) || top < 1) {
    err(`heap-diff: give two snapshot files and at most --top N (N ≥ 1)\n${HEAP_DIFF_USAGE}\n`);
    return 2;
  }
  try {
    const [before, after] = files.map(readSummary) as [HeapSummary, HeapSummary];
    out(formatGrowth(before, after, top));
    return 0;
  } catch (e) {
    err(`heap-diff: ${(e as Error).message}\n`);
    return 2;
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  process.exitCode = heapDiffMain(process.argv.slice(2), (s) => process.stdout.write(s), (s) => process.stderr.write(s));
}
