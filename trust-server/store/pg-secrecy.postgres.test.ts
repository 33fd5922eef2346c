/**
 * Must hold: a dump of the PostgreSQL database (the real `pg_dump`, as a backup or a thief
 * would take it) yields no node key and not the master key: node keys are in it only wrapped
 * under a master key kept outside the database — as store-secrecy.test.ts shows for SQLite.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresInstance } from '../../common/test-support/index.js';
import { openPostgresStore } from './pg-store.js';
import { at, newNode } from './test-support.js';
import { MasterKey } from './master-key.js';

const run = promisify(execFile);
let cluster: PostgresInstance;
const t0 = at('2025-03-01T08:00:00Z');

beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster.stop();
});

describe('pg_dump of the database', () => {
  it('holds no node key (raw, hex, base64) and not the master key', async () => {
    const masterBytes = Buffer.from('0f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff', 'hex');
    const url = await cluster.createDatabase('secrecy');
    const store = await openPostgresStore({ url, masterKey: MasterKey.fromBytes(Buffer.from(masterBytes)) });
    const nodes = [newNode('operator', 'alice', ['ops']), newNode('gateway', 'gw'), newNode('station', 'line-1'), newNode('operator', 'bob')];
    for (const n of nodes) await store.addNode(n, t0);
    await store.addGrant({ subject: nodes[0]!.id, gateway: nodes[1]!.id, devices: '*', rights: ['read'] }, t0);
    await store.revokeNode(nodes[3]!.id, t0);
    // the store can read them back: the keys are there, wrapped
    expect(Buffer.from((await store.nodeKey(nodes[0]!.id))!).equals(nodes[0]!.key)).toBe(true);
    await store.close();

    const { stdout: dump } = await run(join(cluster.binDir, 'pg_dump'), ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'pia_test', '--no-password', 'secrecy'], {
      env: { ...process.env, PGPASSWORD: cluster.password },
      maxBuffer: 64 * 1024 * 1024,
    });
    // the dump holds the data: every node's row, its wrapped key as bytea hex (12 + 32 + 16 bytes)
    for (const n of nodes) expect(dump).toContain(n.id);
    expect(dump.match(/\\\\x[0-9a-f]{120}\b/g)?.length ?? 0).toBeGreaterThanOrEqual(nodes.length);

    const bytes = Buffer.from(dump, 'utf8');
    const lower = dump.toLowerCase();
    for (const secret of [...nodes.map((n) => n.key), masterBytes]) {
      expect(bytes.indexOf(secret)).toBe(-1);
      expect(bytes.indexOf(secret.subarray(0, 16))).toBe(-1);
      expect(lower).not.toContain(secret.toString('hex'));
      expect(lower).not.toContain(secret.subarray(0, 16).toString('hex'));
      expect(dump).not.toContain(secret.toString('base64').slice(0, 40));
      expect(dump).not.toContain(secret.toString('base64url').slice(0, 40));
    }
  });
});
