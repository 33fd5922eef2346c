/**
 * The audit log on PostgreSQL against a real server (pg-audit.ts, pg-roles.ts): one gapless
 * chain from two instances appending at once, tampering named by verify, the append-only
 * trigger (owner included) and the limited server role (SELECT + INSERT only: 42501).
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_PREV, parseRecord, verifyChain } from '../../common/audit/index.js';
import { startPostgres, type PostgresInstance } from '../../common/test-support/index.js';
import { openPostgresAuditLog, type PostgresAuditLog } from './pg-audit.js';
import { grantServerRole, serverRoleGrants } from './pg-roles.js';
import { openPostgresStore } from './pg-store.js';
import { masterA } from './test-support.js';

let cluster: PostgresInstance;
let dbCount = 0;
const opened: { close(): Promise<void> }[] = [];
let tick = 0;
const now = (): Date => new Date(Date.UTC(2025, 2, 1, 8, 0, 0, tick++));

beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster.stop();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

/** A fresh database brought to the current schema by the store (as `serve --database` does). */
async function migrated(): Promise<string> {
  const url = await cluster.createDatabase(`audit_${++dbCount}`);
  const store = await openPostgresStore({ url, masterKey: masterA() });
  await store.close();
  return url;
}
async function openLog(url: string, batch?: number): Promise<PostgresAuditLog> {
  const log = await openPostgresAuditLog({ url, now, ...(batch === undefined ? {} : { batch }) });
  opened.push(log);
  return log;
}
async function sql<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}
async function refusal(url: string, text: string): Promise<{ code: string; message: string }> {
  try {
    await sql(url, text);
  } catch (err) {
    return { code: String((err as { code?: unknown }).code), message: (err as Error).message };
  }
  throw new Error(`${text} was not refused`);
}

describe('one chain for every instance', () => {
  it('two instances appending at once make one gapless chain that verifies', async () => {
    const url = await migrated();
    const a = await openLog(url);
    const b = await openLog(url, 7);
    const each = 60;
    const appended = await Promise.all([
      Promise.all(Array.from({ length: each }, (_, i) => a.append('phase3-granted', { requester: 'a', n: i }))),
      Promise.all(Array.from({ length: each }, (_, i) => b.append('phase3-denied', { requester: 'b', n: i }))),
    ]);
    const seqs = appended.flat().map((r) => r.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 2 * each }, (_, i) => i + 1));
    const rows = await sql<{ seq: string; line: string }>(url, 'SELECT seq::text AS seq, line FROM audit_log ORDER BY audit_log.seq');
    expect(rows.map((r) => Number(r.seq))).toEqual(seqs);
    const last = appended.flat().find((r) => r.seq === 2 * each);
    // Both instances see the same chain, read in batches of 5000 and of 7 rows.
    expect(await a.verify()).toEqual({ ok: true, records: 2 * each, lastHash: last?.hash });
    expect(await b.verify()).toEqual({ ok: true, records: 2 * each, lastHash: last?.hash });
    // The rows are the file log's lines: the file verifier accepts them as they are.
    expect(verifyChain(rows.map((r, i) => ({ text: r.line, line: i + 1, terminated: true })))).toEqual({ ok: true, records: 2 * each, lastHash: last?.hash });
    expect((await b.tail(3)).map((r) => r.seq)).toEqual([2 * each - 2, 2 * each - 1, 2 * each]);
  });

  it('starts at seq 1 after 64 zeros, and continues from the head after a reopen', async () => {
    const url = await migrated();
    const first = await openLog(url);
    expect(await first.verify()).toEqual({ ok: true, records: 0, lastHash: GENESIS_PREV });
    const r1 = await first.append('node-enrolled', { nodeId: 'x', by: 'first-start' });
    expect(r1).toMatchObject({ seq: 1, prev: GENESIS_PREV, event: 'node-enrolled', nodeId: 'x' });
    await first.close();
    const again = await openLog(url);
    const r2 = await again.append('grant-added', { grantId: 'g' });
    expect(r2).toMatchObject({ seq: 2, prev: r1.hash });
  });

  it('refuses a secret-looking or reserved field, writing nothing', async () => {
    const url = await migrated();
    const log = await openLog(url);
    await expect(log.append('login-failed', { password: 'hunter2' })).rejects.toThrow(/password/);
    await expect(log.append('x', { seq: 5 })).rejects.toThrow(/seq/);
    expect(await sql(url, 'SELECT count(*)::int AS n FROM audit_log')).toEqual([{ n: 0 }]);
  });

  it('refuses to open a database whose schema has no audit_log table, naming the fix', async () => {
    const url = await cluster.createDatabase(`audit_${++dbCount}`);
    await expect(openPostgresAuditLog({ url })).rejects.toThrow(/has no audit_log table.*pia-trust serve --database URL/);
  });
});

describe('tampering', () => {
  it('the trigger refuses UPDATE, DELETE and TRUNCATE to the owner; past a disabled trigger, verify names the changed record', async () => {
    const url = await migrated();
    const log = await openLog(url, 2);
    for (let i = 0; i < 5; i++) await log.append('grant-added', { grantId: `g${i}` });
    for (const text of ['UPDATE audit_log SET line = line', 'DELETE FROM audit_log WHERE seq = 5', 'TRUNCATE audit_log']) {
      const r = await refusal(url, text);
      expect(r.code).toBe('P0001');
      expect(r.message).toMatch(/audit_log is append-only: (UPDATE|DELETE|TRUNCATE) refused/);
    }
    expect((await log.verify()).ok).toBe(true);
    await sql(url, 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    await sql(url, `UPDATE audit_log SET line = replace(line, '"g2"', '"g9"') WHERE seq = 3`);
    await sql(url, 'ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    const v = await log.verify();
    expect(v).toMatchObject({ ok: false, line: 3, seq: 3, reason: 'hash-mismatch', records: 2 });
    expect(v.ok ? '' : v.message).toBe('line 3: record seq 3: its hash does not match its content: the record was changed');
    // A damaged head refuses further appends (the chain would hide it).
    await sql(url, 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    await sql(url, `UPDATE audit_log SET line = replace(line, '"g4"', '"gX"') WHERE seq = 5`);
    await expect(log.append('grant-added', { grantId: 'g5' })).rejects.toThrow(/the last record is damaged/);
  });

  it('a removed row is a seq gap', async () => {
    const url = await migrated();
    const log = await openLog(url);
    for (let i = 0; i < 4; i++) await log.append('grant-added', { grantId: `g${i}` });
    await sql(url, 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    await sql(url, 'DELETE FROM audit_log WHERE seq = 2');
    expect(await log.verify()).toMatchObject({ ok: false, line: 2, seq: 3, reason: 'seq-gap', records: 1 });
  });
});

describe('the server role', () => {
  it('as a role granted by grantServerRole: the store and appends work; UPDATE, DELETE, TRUNCATE are refused 42501', async () => {
    const url = await migrated();
    await sql(url, "CREATE ROLE pia_server LOGIN PASSWORD 'server-pw'");
    expect(await grantServerRole(url, 'pia_server')).toEqual(serverRoleGrants('pia_server'));
    const limited = url.replace(/\/\/[^@]*@/, '//pia_server:server-pw@');
    const store = await openPostgresStore({ url: limited, masterKey: masterA() });
    opened.push(store);
    expect(await store.listNodes()).toEqual([]);
    const log = await openLog(limited);
    const r = await log.append('node-enrolled', { nodeId: 'n1' });
    expect(r.seq).toBe(1);
    expect((await log.tail(1))[0]).toEqual(r);
    for (const text of ['UPDATE audit_log SET line = line', 'DELETE FROM audit_log', 'TRUNCATE audit_log', 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only']) {
      const refused = await refusal(limited, text);
      expect(refused.code, text).toBe('42501');
    }
    const rows = await sql<{ line: string }>(url, 'SELECT line FROM audit_log');
    expect(rows.map((x) => parseRecord(x.line))).toEqual([r]);
  });

  it('grant refuses an unknown role and a malformed name, naming the fix', async () => {
    const url = await migrated();
    await expect(grantServerRole(url, 'nobody_here')).rejects.toThrow(/role nobody_here does not exist; create it first/);
    await expect(grantServerRole(url, 'x; DROP TABLE nodes')).rejects.toThrow(/is not a plain identifier/);
  });
});
