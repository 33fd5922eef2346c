/**
 * The trusted server's audit log in PostgreSQL (docs/protocol.md §9.7; docs/trust-server.md
 * "The audit log on PostgreSQL"): one hash chain for every server instance sharing the
 * database, in the table `audit_log (seq, line)` made by schema step 4 (pg-migrations.ts).
 * `line` is the record's exact JSON line, as the file log writes it, so an export is a file
 * the file verifier accepts with the same last hash.
 *
 * Append (each one transaction, common/audit's chain functions):
 *   1. BEGIN; `pg_advisory_xact_lock(AUDIT_LOCK)`: appends of every server take turns;
 *   2. the head: the row of the highest seq, parsed and its own hash checked (a damaged head
 *      refuses the append, as the file log refuses to open after a damaged last record);
 *   3. the record built and checked (secret guard, reserved keys, JSON values: refused, the
 *      transaction rolls back, nothing written);
 *   4. INSERT, COMMIT (synchronous_commit: durable before `append` resolves).
 * Verify / lines: rows in seq order, `BATCH` at a time by keyset (`seq > last`), never the
 * whole table in memory; line numbers are row positions (1-based), as a file's lines.
 *
 * Must hold: the server's role needs only SELECT and INSERT here (pg-roles.ts); nothing here
 * updates or deletes a row (the table's trigger would refuse it anyway).
 */
import { openTrustPool } from './pg-pool.js';
import { buildNextRecord, EMPTY_HEAD, hashMatches, parseRecord, verifyChainAsync, type AsyncAuditLog, type AuditLine, type AuditRecord, type AuditVerifyResult, type ChainHead, type JsonValue } from '../../common/audit/index.js';
import { StoreError } from './errors.js';
import { storeErrorFrom } from './pg-errors.js';
import { runTransaction } from './pg-session.js';
import { pgTarget, type PgTarget } from './pg-url.js';

/** pg_advisory_xact_lock key of the audit chain ("piaa"); the schema's is "piat". */
export const AUDIT_LOCK = 0x70696161;
/** Rows read per query by verify and export. */
export const AUDIT_BATCH = 5000;

export interface PostgresAuditLogOptions {
  /** postgres://… (the server's role: SELECT and INSERT on audit_log suffice). */
  readonly url: string;
  /** Wall-clock time for the records' "time". Default: `new Date()`. */
  readonly now?: () => Date;
  /** Connections (default 2: appends take turns on the lock anyway). */
  readonly poolSize?: number;
  readonly connectTimeoutMs?: number;
  /** Rows per read of verify and `lines()` (default AUDIT_BATCH). */
  readonly batch?: number;
}

export interface PostgresAuditLog extends AsyncAuditLog {
  /** The database URL without its password. */
  readonly location: string;
  /** Every record's line in seq order, read in batches; `line` is the row's 1-based position. */
  lines(batch?: number): AsyncGenerator<AuditLine>;
}

/** Opens the log; refuses a database without the audit_log table (schema older than step 4), naming the fix. */
export async function openPostgresAuditLog(options: PostgresAuditLogOptions): Promise<PostgresAuditLog> {
  const target = pgTarget(options.url);
  const now = options.now ?? ((): Date => new Date());
  const pool = openTrustPool(options.url, { max: options.poolSize ?? 2, ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }), applicationName: 'pia-trust audit' });
  try {
    const table = (await pool.query<{ t: string | null }>("SELECT to_regclass('audit_log')::text AS t")).rows[0]?.t;
    if (table === null || table === undefined) {
      throw new StoreError('migration-failed', `trust database ${target.location} has no audit_log table (its schema is older than version 4); start \`pia-trust serve --database URL\` once as the schema owner: it brings the schema up to date`);
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw storeErrorFrom(err, target);
  }

  let closed = false;
  const guarded = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    if (closed) throw new Error(`audit log in ${target.location}: ${what} after the log was closed`);
    try {
      return await fn();
    } catch (err) {
      throw storeErrorFrom(err, target);
    }
  };

  async function* lines(batch = options.batch ?? AUDIT_BATCH): AsyncGenerator<AuditLine> {
    let after = 0n;
    let line = 0;
    for (;;) {
      const rows = (await guarded('read', () => pool.query<{ seqtext: string; line: string }>('SELECT seq::text AS seqtext, line FROM audit_log WHERE seq > $1 ORDER BY audit_log.seq LIMIT $2', [after.toString(), batch]))).rows;
      for (const row of rows) {
        line += 1;
        yield { text: row.line, line, terminated: true };
      }
      const last = rows.at(-1);
      if (last === undefined || rows.length < batch) return;
      after = BigInt(last.seqtext);
    }
  }

  return {
    location: target.location,
    append: (event: string, fields: Readonly<Record<string, JsonValue>> = {}): Promise<AuditRecord> =>
      guarded(`append of "${event}"`, () =>
        runTransaction(pool, async (client) => {
          await client.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]); // step 1
          const last = (await client.query<{ line: string }>('SELECT line FROM audit_log ORDER BY seq DESC LIMIT 1')).rows[0]?.line;
          const record = buildNextRecord(headOf(last, target), event, fields, now()); // steps 2, 3
          await client.query('INSERT INTO audit_log (seq, line) VALUES ($1, $2)', [record.seq, JSON.stringify(record)]); // step 4
          return record;
        }),
      ),
    tail: (n: number): Promise<AuditRecord[]> =>
      guarded('tail', async () => {
        const count = Math.max(0, Math.floor(n));
        if (count === 0) return [];
        const rows = (await pool.query<{ line: string }>('SELECT line FROM (SELECT seq, line FROM audit_log ORDER BY seq DESC LIMIT $1) AS last ORDER BY seq', [count])).rows;
        return rows.map((r) => {
          const record = parseRecord(r.line);
          if (typeof record === 'string') throw new Error(`audit log in ${target.location}: a record near the end is damaged (${record}); run \`pia-trust audit verify --database URL\` to find it`);
          return record;
        });
      }),
    verify: (): Promise<AuditVerifyResult> => verifyChainAsync(lines()),
    lines,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** Step 2 of Append. */
function headOf(lastLine: string | undefined, target: PgTarget): ChainHead {
  if (lastLine === undefined) return EMPTY_HEAD;
  const r = parseRecord(lastLine);
  if (typeof r === 'string' || !hashMatches(r)) {
    throw new Error(
      `audit log in ${target.location}: the last record is damaged (${typeof r === 'string' ? r : 'its hash does not match its content'}), so the chain cannot continue from it; ` +
        'run `pia-trust audit verify --database URL` to find the first broken record',
    );
  }
  return { seq: r.seq, hash: r.hash };
}
