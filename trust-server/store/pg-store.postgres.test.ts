/**
 * The PostgreSQL engine against a real server (common/test-support startPostgres): its schema
 * and migrations, its master-key check, and its behaviour under concurrency.
 *
 * Must hold: the schema is made once even by servers opening together; a newer schema is
 * refused, named; a wrong master key is refused at open; two identical enrollments at once
 * both succeed; a grant waits for a revocation of its gateway in flight, and is refused.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresInstance } from '../../common/test-support/index.js';
import { SCHEMA_VERSION } from './migrations.js';
import { PG_MIGRATIONS } from './pg-migrations.js';
import { openPostgresStore, type PostgresTrustStore } from './pg-store.js';
import { at, masterA, masterB, newNode } from './test-support.js';

let cluster: PostgresInstance;
let dbCount = 0;
const opened: PostgresTrustStore[] = [];
const t0 = at('2025-03-01T08:00:00Z');

beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster.stop();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function freshUrl(): Promise<string> {
  return cluster.createDatabase(`store_${++dbCount}`);
}
async function open(url: string, masterKey = masterA()): Promise<PostgresTrustStore> {
  const store = await openPostgresStore({ url, masterKey });
  opened.push(store);
  return store;
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

describe('schema', () => {
  it('has as many steps as the SQLite schema, and records the version', async () => {
    expect(PG_MIGRATIONS).toHaveLength(SCHEMA_VERSION);
    const url = await freshUrl();
    const store = await open(url);
    expect(store.engine).toBe('postgres');
    expect(store.location).toBe(url.replace(`:${cluster.password}@`, '@'));
    expect(await sql(url, 'SELECT version FROM schema_version')).toEqual([{ version: SCHEMA_VERSION }]);
    const tables = (await sql<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).map((r) => r.tablename);
    expect(tables).toEqual(['accounts', 'enrollments', 'gateway_reports', 'grants', 'meta', 'node_groups', 'nodes', 'schema_version']);
  });

  it('is made once when several servers open a new database together', async () => {
    const url = await freshUrl();
    const stores = await Promise.all([open(url), open(url), open(url), open(url)]);
    expect(stores).toHaveLength(4);
    expect(await sql(url, 'SELECT version FROM schema_version')).toEqual([{ version: SCHEMA_VERSION }]);
    expect(await sql(url, "SELECT name FROM meta WHERE name = 'key_check'")).toHaveLength(1);
    // what one wrote, another reads
    const n = newNode('operator', 'alice');
    await stores[0].addNode(n, t0);
    expect((await stores[3].getNode(n.id))?.label).toBe('alice');
  });

  it('refuses a database whose schema is newer, naming it and both versions', async () => {
    const url = await freshUrl();
    await (await open(url)).close();
    await sql(url, 'UPDATE schema_version SET version = $1', [SCHEMA_VERSION + 4]);
    const error = await openPostgresStore({ url, masterKey: masterA() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'schema-too-new' });
    const message = (error as Error).message;
    expect(message).toContain(`has schema version ${SCHEMA_VERSION + 4}, newer than this pia-trust understands (${SCHEMA_VERSION})`);
    expect(message).toContain(`127.0.0.1:${cluster.port}/store_${dbCount}`);
    expect(message).not.toContain(cluster.password);
  });

  it('leaves a database at the previous version when a step fails', async () => {
    const url = await freshUrl();
    // A table in the way of step 2 makes it fail.
    await sql(url, 'CREATE TABLE accounts (x int)');
    const error = await openPostgresStore({ url, masterKey: masterA() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'migration-failed', message: expect.stringContaining('migration 2 (accounts') as unknown });
    expect(await sql(url, 'SELECT version FROM schema_version')).toEqual([{ version: 1 }]);
  });
});

describe('the master key', () => {
  it('refuses a master key that does not open the database, at open', async () => {
    const url = await freshUrl();
    const store = await open(url);
    await store.addNode(newNode('gateway', 'gw'), t0);
    await store.close();
    await expect(openPostgresStore({ url, masterKey: masterB() })).rejects.toMatchObject({ kind: 'wrong-master-key', message: expect.stringContaining('was created with a different master key') as unknown });
    expect(await (await open(url)).listNodes()).toHaveLength(1);
  });

  it('refuses it even when the key-check row is gone (a node key decides)', async () => {
    const url = await freshUrl();
    const store = await open(url);
    await store.addNode(newNode('gateway', 'gw'), t0);
    await store.close();
    await sql(url, "DELETE FROM meta WHERE name = 'key_check'");
    await expect(openPostgresStore({ url, masterKey: masterB() })).rejects.toMatchObject({ kind: 'wrong-master-key' });
  });
});

describe('concurrency', () => {
  it('answers two identical enrollment records at once alike, and a different one with a conflict', async () => {
    const store = await open(await freshUrl());
    const station = newNode('station', 'line-1');
    const board = newNode('gateway', 'board');
    const other = newNode('gateway', 'other');
    for (const n of [station, board, other]) await store.addNode(n, t0);
    const record = { stationId: station.id, requestKey: 'req-1', nodeId: board.id };
    const results = await Promise.allSettled([store.recordEnrollment(record), store.recordEnrollment(record), store.recordEnrollment(record)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    await expect(store.recordEnrollment({ ...record, nodeId: other.id })).rejects.toMatchObject({ kind: 'conflict' });
    expect(await store.findEnrollment(station.id, 'req-1')).toEqual(record);
  });

  it('registers a node ID once when two servers add it at once', async () => {
    const store = await open(await freshUrl());
    const n = newNode('operator', 'alice');
    const results = await Promise.allSettled([store.addNode(n, t0), store.addNode(n, t0)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { kind: 'conflict' } });
  });

  it('makes a grant wait for a revocation of its gateway in flight, then refuses it', async () => {
    const store = await open(await freshUrl());
    const gw = newNode('gateway', 'gw');
    await store.addNode(gw, t0);
    let revoked!: () => void;
    const revokedInTx = new Promise<void>((r) => (revoked = r));
    let commit!: () => void;
    const gate = new Promise<void>((r) => (commit = r));
    const revocation = store.transaction(async (tx) => {
      await tx.revokeNode(gw.id, t0);
      revoked();
      await gate;
    });
    await revokedInTx;
    // Read committed alone would see the gateway still active and grant: the row lock makes
    // the grant wait for the revocation's outcome.
    let settled = false;
    const grant = store.addGrant({ subject: 'group:ops', gateway: gw.id, devices: '*', rights: ['read'] }, t0).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 300));
    const waited = !settled;
    commit();
    await revocation;
    expect(waited).toBe(true);
    await expect(grant).rejects.toMatchObject({ kind: 'invalid', field: 'gateway', message: expect.stringContaining('is revoked') as unknown });
    expect(await store.listGrants()).toEqual([]);
  });

  it('runs a transaction atomically: an error rolls back every call and comes back unchanged', async () => {
    const store = await open(await freshUrl());
    const n = newNode('operator', 'alice');
    const mine = new Error('mine');
    await expect(
      store.transaction(async (tx) => {
        await tx.addNode(n, t0);
        expect((await tx.getNode(n.id))?.label).toBe('alice');
        expect(await store.getNode(n.id)).toBeUndefined(); // not seen outside before COMMIT
        throw mine;
      }),
    ).rejects.toBe(mine);
    expect(await store.getNode(n.id)).toBeUndefined();
    let kept: Parameters<Parameters<PostgresTrustStore['transaction']>[0]>[0] | undefined;
    await store.transaction(async (tx) => {
      kept = tx;
      await tx.addNode(n, t0);
      // a failing call inside rolls back only itself
      await expect(tx.addNode(n, t0)).rejects.toMatchObject({ kind: 'conflict' });
      await tx.setGroups(n.id, ['ops']);
    });
    expect((await store.getNode(n.id))?.groups).toEqual(['ops']);
    await expect(kept!.listNodes()).rejects.toThrow(/after that transaction ended/);
  });
});
