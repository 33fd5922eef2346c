/**
 * The tests' throw-away PostgreSQL (postgres.ts): it starts on a free port with a password,
 * makes databases, dies when killed, comes back on the same port, and leaves nothing behind.
 */
import { existsSync, statSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresInstance } from './postgres.js';

let cluster: PostgresInstance;

beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster.stop();
});

async function query(url: string, text: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('startPostgres', () => {
  it('serves on 127.0.0.1 with password authentication, and makes databases', async () => {
    expect(cluster.url).toBe(`postgres://pia_test:${cluster.password}@127.0.0.1:${cluster.port}/postgres`);
    const url = await cluster.createDatabase('made_here');
    expect(await query(url, 'SELECT current_database() AS db')).toEqual([{ db: 'made_here' }]);
    await expect(query(cluster.url.replace(cluster.password, 'wrong'), 'SELECT 1')).rejects.toMatchObject({ code: '28P01' });
    await expect(cluster.createDatabase('Bad-Name')).rejects.toThrow(/use a-z, 0-9, _/);
    if (process.getuid?.() === 0) expect(statSync(cluster.folder).uid).not.toBe(0);
  });

  it('dies on kill() and comes back on the same port with its data on start()', async () => {
    const url = await cluster.createDatabase('survives');
    await query(url, 'CREATE TABLE t (x int); INSERT INTO t VALUES (42)');
    await cluster.kill();
    await expect(query(url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await cluster.start();
    expect(await query(url, 'SELECT x FROM t')).toEqual([{ x: 42 }]);
  });

  it('stop() removes its folder', async () => {
    const other = await startPostgres();
    expect(existsSync(other.folder)).toBe(true);
    await other.stop();
    expect(existsSync(other.folder)).toBe(false);
    await expect(query(other.url, 'SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
