/**
 * Bench: the trusted server's audit log in PostgreSQL against the file log (docs/trust-server.md
 * "The audit log on PostgreSQL"), with the same phase-3-like records in both:
 *   - growth: bytes per 1,000 records; the database's is `pg_total_relation_size('audit_log')`
 *     (heap + TOAST + the primary-key index, after VACUUM), the file's its size in bytes;
 *   - verify: `audit verify` wall time, scaled to one million records (measured on N, default
 *     200,000: time × 1,000,000 / N); the database read in batches of AUDIT_BATCH rows through
 *     the same `openPostgresAuditLog().verify()` the CLI runs, the file through
 *     `verifyAuditFile`;
 *   - append: 1,000 real appends one after another (database: one transaction each, with its
 *     advisory lock; file: write + fsync each), appends per second.
 *
 * Flow:
 *   1. a throw-away cluster (common/test-support startPostgres: fsync=off, so the append rate
 *      is the database's CPU path, not the disk's; the file's fsync is real: said in the output);
 *   2. a database brought to the current schema by the store (as `serve --database` does);
 *   3. N records chained in this process with common/audit's functions and inserted 5,000 per
 *      statement (unnest): the rows are exactly what N appends write, without N round trips;
 *      the same lines written to a file;
 *   4. VACUUM ANALYZE, sizes; verify both (each best of 2); appends.
 *
 * Run: npx tsx bench/audit-postgres.ts [N records, default 200000]
 */
import { mkdtempSync, rmSync, statSync, writeSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { buildNextRecord, EMPTY_HEAD, openFileAuditLog, verifyAuditFile, type AuditVerifyResult, type ChainHead, type JsonValue } from '../common/audit/index.js';
import { startPostgres } from '../common/test-support/index.js';
import { MasterKey, openPostgresAuditLog, openPostgresStore, AUDIT_BATCH } from '../trust-server/store/index.js';

const INSERT_BATCH = 5000;
const APPENDS = 1000;

export interface AuditPostgresResult {
  readonly records: number;
  readonly dbBytesPer1000: number;
  readonly fileBytesPer1000: number;
  readonly dbVerifySecondsPerMillion: number;
  readonly fileVerifySecondsPerMillion: number;
  readonly dbAppendsPerSecond: number;
  readonly fileAppendsPerSecond: number;
}

/** A phase-3 record as the authority writes it (authority.ts auditFields). */
function phase3Fields(i: number): Record<string, JsonValue> {
  const id = (n: number): string => `3f2504e0-4f89-41d3-9a0c-${n.toString(16).padStart(12, '0')}`;
  const hex = (n: number): string => (n.toString(16).padStart(8, '0') + 'a5').repeat(32).slice(0, 64);
  return i % 10 === 9
    ? { requester: id(i % 500), responder: id(1000 + (i % 50)), direct: false, source: `[2001:db8::${(i % 500).toString(16)}]:4500`, transcript: hex(i), reason: 5, why: 'no grant allows this pair' }
    : { requester: id(i % 500), responder: id(1000 + (i % 50)), direct: false, source: `[2001:db8::${(i % 500).toString(16)}]:4500`, transcript: hex(i), grants: [id(5000 + (i % 200))], lifetimeS: 600 };
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; seconds: number }> {
  let best = Infinity;
  let value: T | undefined;
  for (let round = 0; round < 2; round++) {
    const t0 = performance.now();
    value = await fn();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return { value: value as T, seconds: best };
}

function expectOk(what: string, r: AuditVerifyResult, n: number): void {
  if (!r.ok || r.records !== n) throw new Error(`bench: ${what} verify gave ${JSON.stringify(r)}, expected ${n} records intact`);
}

export async function main(records = Number(process.argv[2] ?? 200_000)): Promise<AuditPostgresResult> {
  if (!Number.isSafeInteger(records) || records < 1000) throw new Error('bench: N must be a whole number ≥ 1000');
  console.log(`$ npx tsx bench/audit-postgres.ts ${records}`);
  const cluster = await startPostgres(); // step 1
  const dir = mkdtempSync(join(tmpdir(), 'audit-bench-'));
  try {
    const url = await cluster.createDatabase('audit_bench'); // step 2
    await (await openPostgresStore({ url, masterKey: MasterKey.fromBytes(Buffer.alloc(32, 7)) })).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const file = join(dir, 'audit.log');
    const fd = openSync(file, 'wx', 0o600);
    let head: ChainHead = EMPTY_HEAD; // step 3
    const start = Date.UTC(2025, 0, 1);
    for (let from = 0; from < records; from += INSERT_BATCH) {
      const seqs: number[] = [];
      const lines: string[] = [];
      for (let i = from; i < Math.min(records, from + INSERT_BATCH); i++) {
        const r = buildNextRecord(head, i % 10 === 9 ? 'phase3-denied' : 'phase3-granted', phase3Fields(i), new Date(start + i * 250));
        head = { seq: r.seq, hash: r.hash };
        seqs.push(r.seq);
        lines.push(JSON.stringify(r));
      }
      await client.query('INSERT INTO audit_log (seq, line) SELECT * FROM unnest($1::bigint[], $2::text[])', [seqs, lines]);
      const text = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
      for (let off = 0; off < text.length; ) off += writeSync(fd, text, off, text.length - off);
    }
    closeSync(fd);
    await client.query('VACUUM ANALYZE audit_log'); // step 4
    const dbBytes = Number((await client.query<{ n: string }>("SELECT pg_total_relation_size('audit_log')::text AS n")).rows[0]?.n);
    await client.end();
    const fileBytes = statSync(file).size;

    const log = await openPostgresAuditLog({ url });
    const dbVerify = await timed(() => log.verify());
    expectOk('database', dbVerify.value, records);
    const fileVerify = await timed(() => verifyAuditFile(file));
    expectOk('file', fileVerify.value, records);
    if (!dbVerify.value.ok || !fileVerify.value.ok || dbVerify.value.lastHash !== fileVerify.value.lastHash) throw new Error('bench: the database and the file end on different hashes');

    let t0 = performance.now();
    for (let i = 0; i < APPENDS; i++) await log.append('phase3-granted', phase3Fields(records + i));
    const dbAppendsPerSecond = APPENDS / ((performance.now() - t0) / 1000);
    await log.close();
    const fileLog = openFileAuditLog(file);
    t0 = performance.now();
    for (let i = 0; i < APPENDS; i++) fileLog.append('phase3-granted', phase3Fields(records + i));
    const fileAppendsPerSecond = APPENDS / ((performance.now() - t0) / 1000);
    fileLog.close();

    const scale = 1_000_000 / records;
    const result: AuditPostgresResult = {
      records,
      dbBytesPer1000: (dbBytes / records) * 1000,
      fileBytesPer1000: (fileBytes / records) * 1000,
      dbVerifySecondsPerMillion: dbVerify.seconds * scale,
      fileVerifySecondsPerMillion: fileVerify.seconds * scale,
      dbAppendsPerSecond,
      fileAppendsPerSecond,
    };
    const kib = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;
    console.log(`audit log, ${records} phase-3-like records (9 granted : 1 denied), PostgreSQL vs file (baseline):`);
    console.log(`  growth per 1,000 records   database ${kib(result.dbBytesPer1000)} (table + TOAST + index, pg_total_relation_size)   file ${kib(result.fileBytesPer1000)}   ratio ${(result.dbBytesPer1000 / result.fileBytesPer1000).toFixed(2)}`);
    console.log(`  verify per 1,000,000       database ${result.dbVerifySecondsPerMillion.toFixed(1)} s (batches of ${AUDIT_BATCH})   file ${result.fileVerifySecondsPerMillion.toFixed(1)} s   (measured on ${records}, scaled ×${scale.toFixed(1)}; best of 2)`);
    console.log(`  appends, one at a time     database ${result.dbAppendsPerSecond.toFixed(0)}/s (a transaction each; test cluster fsync=off)   file ${result.fileAppendsPerSecond.toFixed(0)}/s (write + fsync each, ${tmpdir()})`);
    console.log(`  both verified intact, same last hash ${dbVerify.value.ok ? dbVerify.value.lastHash : ''}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await cluster.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
