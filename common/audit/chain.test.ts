import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { GENESIS_PREV, recordHash } from './chain.js';
import { createMemoryAuditLog } from './memory-audit-log.js';
import type { AuditRecord } from './types.js';

const fixedNow = (): Date => new Date('2025-03-01T12:00:00.000Z');

/** Five records: phase3-granted #1..#5 with distinct fields. */
function fiveRecordLog(): ReturnType<typeof createMemoryAuditLog> {
  const log = createMemoryAuditLog({ now: fixedNow });
  for (let i = 1; i <= 5; i += 1) log.append('phase3-granted', { subject: `op-${i}`, grants: [`g${i}`], detail: { n: i } });
  return log;
}

describe('canonical JSON (§9.7)', () => {
  it('sorts keys recursively and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}');
  });
  it('refuses values JSON cannot carry exactly, naming where', () => {
    expect(() => canonicalJson({ a: { b: Number.NaN } })).toThrow(/\$\.a\.b is NaN/);
    expect(() => canonicalJson({ a: [undefined as unknown as null] })).toThrow(/\$\.a\[0\] is a undefined/);
    expect(() => canonicalJson({ k: new Uint8Array(4) as unknown as null })).toThrow(/not a plain object \(a Uint8Array\)/);
  });
});

describe('record format and hash (§9.7)', () => {
  it('writes {seq, time, event, …fields, prev, hash} with hash = SHA-256(prev bytes | canonical record without hash)', () => {
    const log = createMemoryAuditLog({ now: fixedNow });
    const r1 = log.append('node-revoked', { nodeId: 'n1', by: 'admin' });
    expect(Object.keys(JSON.parse(log.lines[0]!) as object)).toEqual(['seq', 'time', 'event', 'nodeId', 'by', 'prev', 'hash']);
    expect(r1).toMatchObject({ seq: 1, time: '2025-03-01T12:00:00.000Z', event: 'node-revoked', nodeId: 'n1', prev: GENESIS_PREV });
    // Independent recomputation from the spec's words, not through recordHash.
    const canonical = '{"by":"admin","event":"node-revoked","nodeId":"n1","prev":"' + GENESIS_PREV + '","seq":1,"time":"2025-03-01T12:00:00.000Z"}';
    const expected = createHash('sha256').update(Buffer.alloc(32)).update(canonical).digest('hex');
    expect(r1.hash).toBe(expected);
    const r2 = log.append('grant-added', { grantId: 'g1' });
    expect(r2.seq).toBe(2);
    expect(r2.prev).toBe(r1.hash);
    expect(recordHash(r1.hash, { seq: 2, time: r2.time, event: 'grant-added', grantId: 'g1', prev: r1.hash })).toBe(r2.hash);
  });

  it('verifies an intact log and an empty one', () => {
    expect(fiveRecordLog().verify()).toEqual({ ok: true, records: 5, lastHash: fiveRecordLog().tail(1)[0]!.hash });
    expect(createMemoryAuditLog().verify()).toEqual({ ok: true, records: 0, lastHash: GENESIS_PREV });
  });

  it('tail returns the last n records oldest first', () => {
    const log = fiveRecordLog();
    expect(log.tail(2).map((r) => r.seq)).toEqual([4, 5]);
    expect(log.tail(0)).toEqual([]);
    expect(log.tail(99).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('verify names the first broken record', () => {
  const edit = (line: string, change: (r: Record<string, unknown>) => void): string => {
    const r = JSON.parse(line) as Record<string, unknown>;
    change(r);
    return JSON.stringify(r);
  };

  it('a tampered field: hash mismatch at that record', () => {
    const log = fiveRecordLog();
    log.lines[2] = edit(log.lines[2]!, (r) => (r.subject = 'mallory'));
    expect(log.verify()).toMatchObject({ ok: false, line: 3, seq: 3, reason: 'hash-mismatch', records: 2 });
  });

  it('a tampered nested field: hash mismatch at that record', () => {
    const log = fiveRecordLog();
    log.lines[1] = edit(log.lines[1]!, (r) => ((r.detail as { n: number }).n = 7));
    expect(log.verify()).toMatchObject({ ok: false, seq: 2, reason: 'hash-mismatch' });
  });

  it('an edited hash: hash mismatch at that record; a recomputed hash: prev mismatch at the next', () => {
    const log = fiveRecordLog();
    log.lines[1] = edit(log.lines[1]!, (r) => (r.hash = 'f'.repeat(64)));
    expect(log.verify()).toMatchObject({ ok: false, line: 2, seq: 2, reason: 'hash-mismatch' });

    const log2 = fiveRecordLog();
    log2.lines[1] = edit(log2.lines[1]!, (r) => {
      r.subject = 'mallory';
      const { hash: _h, ...rest } = r;
      r.hash = recordHash(r.prev as string, rest as Record<string, never>);
    });
    const result = log2.verify();
    expect(result).toMatchObject({ ok: false, line: 3, seq: 3, reason: 'prev-mismatch', records: 2 });
    expect(!result.ok && result.message).toMatch(/line 3: record seq 3: "prev" is not the hash of record seq 2/);
  });

  it('a deleted record: seq gap naming the missing seq', () => {
    const log = fiveRecordLog();
    log.lines.splice(2, 1);
    const result = log.verify();
    expect(result).toMatchObject({ ok: false, line: 3, seq: 4, reason: 'seq-gap', records: 2 });
    expect(!result.ok && result.message).toMatch(/record seq 3 is missing/);
  });

  it('the middle cut out (several records): seq gap naming the range', () => {
    const log = fiveRecordLog();
    log.lines.splice(1, 3);
    const result = log.verify();
    expect(result).toMatchObject({ ok: false, line: 2, seq: 5, reason: 'seq-gap' });
    expect(!result.ok && result.message).toMatch(/records seq 2–4 are missing/);
  });

  it('the first record removed: seq gap at line 1', () => {
    const log = fiveRecordLog();
    log.lines.shift();
    expect(log.verify()).toMatchObject({ ok: false, line: 1, seq: 2, reason: 'seq-gap', records: 0 });
  });

  it('reordered records: out of order, naming where the expected one is', () => {
    const log = fiveRecordLog();
    const [a, b] = [log.lines[2]!, log.lines[3]!];
    log.lines[2] = b;
    log.lines[3] = a;
    const result = log.verify();
    expect(result).toMatchObject({ ok: false, line: 3, seq: 4, reason: 'seq-out-of-order' });
    expect(!result.ok && result.message).toMatch(/seq 3 appears later \(line 4\)/);
  });

  it('a repeated record: out of order', () => {
    const log = fiveRecordLog();
    log.lines.splice(3, 0, log.lines[1]!);
    expect(log.verify()).toMatchObject({ ok: false, line: 4, seq: 2, reason: 'seq-out-of-order' });
  });

  it('a line cut in the middle of the file: unparseable at that line', () => {
    const log = fiveRecordLog();
    log.lines[2] = log.lines[2]!.slice(0, 40);
    expect(log.verify()).toMatchObject({ ok: false, line: 3, seq: undefined, reason: 'unparseable', records: 2 });
  });

  it('a line that is JSON but not a record: unparseable, saying what is missing', () => {
    const log = fiveRecordLog();
    log.lines[0] = edit(log.lines[0]!, (r) => delete r.prev);
    const result = log.verify();
    expect(result).toMatchObject({ ok: false, line: 1, reason: 'unparseable' });
    expect(!result.ok && result.message).toMatch(/"prev" is not 64 hex digits/);
  });

  it('a first record whose prev is not zeros: prev mismatch', () => {
    const log = fiveRecordLog();
    log.lines[0] = edit(log.lines[0]!, (r) => (r.prev = '1'.repeat(64)));
    const result = log.verify();
    expect(result).toMatchObject({ ok: false, line: 1, seq: 1, reason: 'prev-mismatch' });
    expect(!result.ok && result.message).toMatch(/64 zeros/);
  });

  it('key order on the line does not matter (the hash is over canonical JSON)', () => {
    const log = fiveRecordLog();
    const r = JSON.parse(log.lines[2]!) as AuditRecord;
    log.lines[2] = JSON.stringify(Object.fromEntries(Object.entries(r).reverse()));
    expect(log.verify()).toMatchObject({ ok: true, records: 5 });
  });
});
