import { appendFileSync, chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_PREV } from './chain.js';
import { openFileAuditLog, verifyAuditFile, type FileAuditLog } from './file-audit-log.js';

let dir: string;
let path: string;
let warnings: string[];
const open: FileAuditLog[] = [];
let tick = 0;
const now = (): Date => new Date(Date.UTC(2025, 2, 1, 12, 0, tick++));

function openLog(): FileAuditLog {
  const log = openFileAuditLog(path, { now, warn: (m) => warnings.push(m) });
  open.push(log);
  return log;
}

const lines = (): string[] => readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pia-audit-'));
  path = join(dir, 'audit.log');
  warnings = [];
});
afterEach(() => {
  for (const log of open.splice(0)) log.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('file audit log', () => {
  it('appends durable JSON lines that verify, with mode 0600', () => {
    const log = openLog();
    const r1 = log.append('node-enrolled', { nodeId: 'n1', kind: 'operator' });
    const r2 = log.append('grant-added', { grantId: 'g1' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(lines().map((l) => JSON.parse(l) as unknown)).toEqual([r1, r2]);
    expect(r1.prev).toBe(GENESIS_PREV);
    expect(r2.prev).toBe(r1.hash);
    expect(log.verify()).toEqual({ ok: true, records: 2, lastHash: r2.hash });
    expect(verifyAuditFile(path)).toEqual({ ok: true, records: 2, lastHash: r2.hash });
    expect(log.tail(1)).toEqual([r2]);
  });

  it('continues the chain after a restart (seq and prev)', () => {
    const first = openLog();
    first.append('a', { n: 1 });
    const last = first.append('b', { n: 2 });
    first.close();
    const second = openLog();
    const next = second.append('c', { n: 3 });
    expect(next.seq).toBe(3);
    expect(next.prev).toBe(last.hash);
    expect(second.verify()).toMatchObject({ ok: true, records: 3 });
    expect(second.tail(3).map((r) => r.event)).toEqual(['a', 'b', 'c']);
  });

  it('moves a partial last line (power cut mid-write) aside and continues from the last whole record', () => {
    const log = openLog();
    log.append('a', {});
    const whole = log.append('b', {});
    log.close();
    const cut = '{"seq":3,"time":"2025-03-01T12:00:09.000Z","event":"phase3-gr';
    appendFileSync(path, cut);
    expect(verifyAuditFile(path)).toMatchObject({ ok: false, line: 3, reason: 'incomplete-last-line', records: 2 });

    const reopened = openLog();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/last line was cut short \(\d+ bytes.*moved to audit\.log\.partial/);
    expect(readFileSync(`${path}.partial`, 'utf8')).toBe(`${cut}\n`);
    expect(statSync(`${path}.partial`).mode & 0o777).toBe(0o600);
    const next = reopened.append('c', {});
    expect(next).toMatchObject({ seq: 3, prev: whole.hash });
    expect(reopened.verify()).toMatchObject({ ok: true, records: 3 });
    expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(true);
  });

  it('treats a partial first line (cut before any newline) as partial too', () => {
    writeFileSync(path, '{"seq":1,"ti', { mode: 0o600 });
    const log = openLog();
    expect(log.append('a', {})).toMatchObject({ seq: 1, prev: GENESIS_PREV });
    expect(existsSync(`${path}.partial`)).toBe(true);
  });

  it('refuses to continue from a damaged last record, pointing at audit verify', () => {
    const log = openLog();
    log.append('a', {});
    log.close();
    const [line] = lines();
    writeFileSync(path, `${line!.replace('"event":"a"', '"event":"z"')}\n`);
    expect(() => openLog()).toThrow(/last record is damaged \(its hash does not match its content\).*pia-trust audit verify/);
  });

  it('names the first broken record in the file: tampered field, deleted record, reorder', () => {
    const log = openLog();
    for (let i = 1; i <= 6; i += 1) log.append('phase3-denied', { reason: i });
    log.close();
    const original = lines();

    writeFileSync(path, `${original.map((l, i) => (i === 3 ? l.replace('"reason":4', '"reason":0') : l)).join('\n')}\n`);
    expect(verifyAuditFile(path)).toMatchObject({ ok: false, line: 4, seq: 4, reason: 'hash-mismatch' });

    writeFileSync(path, `${original.filter((_, i) => i !== 1).join('\n')}\n`);
    expect(verifyAuditFile(path)).toMatchObject({ ok: false, line: 2, seq: 3, reason: 'seq-gap' });

    writeFileSync(path, `${[original[0], original[2], original[1], ...original.slice(3)].join('\n')}\n`);
    expect(verifyAuditFile(path)).toMatchObject({ ok: false, line: 2, seq: 3, reason: 'seq-out-of-order' });

    writeFileSync(path, `${[...original.slice(0, 2), original[2]!.slice(0, 30) + original[3], ...original.slice(4)].join('\n')}\n`);
    expect(verifyAuditFile(path)).toMatchObject({ ok: false, line: 3, reason: 'unparseable' });
  });

  it('reads across chunk boundaries (a log larger than the 64 KiB read size)', () => {
    const log = openLog();
    const padding = 'x'.repeat(300);
    for (let i = 1; i <= 400; i += 1) log.append('phase3-granted', { n: i, note: `${padding}é${i}` });
    log.close();
    expect(statSync(path).size).toBeGreaterThan(2 * 64 * 1024);
    const reopened = openLog();
    expect(reopened.verify()).toMatchObject({ ok: true, records: 400 });
    expect(reopened.tail(250).map((r) => r.n)).toEqual(Array.from({ length: 250 }, (_, i) => 151 + i));
    expect(reopened.append('x', {}).seq).toBe(401);
  });

  it('narrows a looser mode of an existing log to 0600, with a warning', () => {
    writeFileSync(path, '');
    chmodSync(path, 0o644);
    openLog();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(warnings[0]).toMatch(/mode was 0644.*set to 0600/);
  });

  it('says which directory to create when it does not exist', () => {
    expect(() => openFileAuditLog(join(dir, 'missing', 'audit.log'))).toThrow(/cannot be opened .*mkdir -p .*missing/);
  });

  it('writes nothing when a field is refused', () => {
    const log = openLog();
    expect(() => log.append('node-enrolled', { nodeKey: 'AAAA' })).toThrow(/field "nodeKey" looks like a secret/);
    expect(readFileSync(path, 'utf8')).toBe('');
    expect(log.append('node-enrolled', { nodeId: 'n1' }).seq).toBe(1);
  });
});
