import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION, applyMigrations, type Migration } from './migrations.js';
import { wrapNodeKey } from './key-wrap.js';
import { openSqliteStore } from './sqlite-store.js';
import { at, masterA, newNode, tempDir } from './test-support.js';

let tmp: ReturnType<typeof tempDir>;
let path: string;
beforeEach(() => {
  tmp = tempDir('pia-migrate-');
  path = join(tmp.dir, 'trust.db');
});
afterEach(() => tmp.cleanup());

describe('schema migrations', () => {
  it('brings an empty database to the current version with every table', async () => {
    await openSqliteStore({ path, masterKey: masterA() }).close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    const tables = raw.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((t) => t.name);
    expect(tables).toEqual(['accounts', 'enrollments', 'gateway_reports', 'grants', 'meta', 'node_groups', 'nodes']);
    raw.close();
  });

  it('reopens a current database without re-running steps', async () => {
    const store = openSqliteStore({ path, masterKey: masterA() });
    await store.addNode(newNode('operator', 'a'), at('2025-03-01T00:00:00Z'));
    await store.close();
    const again = openSqliteStore({ path, masterKey: masterA() });
    expect(await again.listNodes()).toHaveLength(1);
    await again.close();
  });

  /** A database as an older release left it: the first `steps` migrations, one node in it. */
  function oldDatabase(steps: number): { id: string; key: Buffer } {
    const raw = new Database(path);
    applyMigrations(raw, MIGRATIONS.slice(0, steps), path);
    const node = newNode('gateway', 'rack1-gw');
    raw.prepare("INSERT INTO nodes (id, kind, label, status, created, wrapped_key) VALUES (?, 'gateway', 'rack1-gw', 'active', ?, ?)").run(node.id, '2025-03-01T00:00:00.000Z', wrapNodeKey(masterA(), node.id, node.key));
    raw.close();
    return { id: node.id, key: node.key };
  }
  const HASH = `scrypt$16$1$1$${Buffer.alloc(16, 1).toString('base64')}$${Buffer.alloc(32, 2).toString('base64')}`;

  it('migrates a version-1 database (before accounts) in place, keeping its nodes, and accounts then work', async () => {
    const node = oldDatabase(1);
    const store = openSqliteStore({ path, masterKey: masterA() });
    expect(await store.getNode(node.id)).toMatchObject({ id: node.id, label: 'rack1-gw', owner: undefined });
    expect(Buffer.from((await store.nodeKey(node.id)) ?? [])).toEqual(node.key);
    expect(await store.listAccounts()).toEqual([]);
    const added = await store.addAccount({ name: 'alice', role: 'owner', passwordHash: HASH }, at('2025-03-02T00:00:00Z'));
    expect(added).toEqual({ name: 'alice', role: 'owner', created: '2025-03-02T00:00:00.000Z', updated: '2025-03-02T00:00:00.000Z', disabled: false });
    await store.close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
  });

  it('migrates a version-2 database (before owners and reports): nodes kept without an owner, then owners and reports work', async () => {
    const node = oldDatabase(2);
    const store = openSqliteStore({ path, masterKey: masterA() });
    expect((await store.getNode(node.id))?.owner).toBeUndefined();
    await store.addAccount({ name: 'alice', role: 'owner', passwordHash: HASH }, at('2025-03-02T00:00:00Z'));
    expect((await store.setOwner(node.id, 'alice')).owner).toBe('alice');
    await store.recordGatewayReport({ gateway: node.id, firmware: '1.0', devices: [], reportedAt: '2025-03-02T00:00:00Z' });
    expect((await store.gatewayReport(node.id))?.firmware).toBe('1.0');
    await store.close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(3);
    check.close();
  });

  it('refuses a database newer than the code, with a clear error, and leaves it untouched', () => {
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openSqliteStore({ path, masterKey: masterA() })).toThrow(
      expect.objectContaining({
        kind: 'schema-too-new',
        message: `database ${path} has schema version ${SCHEMA_VERSION + 1}, newer than this pia-trust understands (${SCHEMA_VERSION}); it was written by a newer release: run that release (or a later one); a downgrade is not supported`,
      }),
    );
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    expect(check.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()).toEqual({ n: 0 });
    check.close();
  });

  it('applies missing steps in order, each in its own transaction; a failing step leaves the previous version', () => {
    const steps: Migration[] = [
      { description: 'one', sql: 'CREATE TABLE a (x INTEGER) STRICT; INSERT INTO a VALUES (1);' },
      { description: 'two', sql: 'CREATE TABLE b (y INTEGER) STRICT;' },
      { description: 'three (broken)', sql: 'CREATE TABLE c (z INTEGER); INSERT INTO nowhere VALUES (1);' },
    ];
    const db = new Database(path);
    expect(applyMigrations(db, steps.slice(0, 1), 'test.db')).toBe(0);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(() => applyMigrations(db, steps, 'test.db')).toThrow(expect.objectContaining({ kind: 'migration-failed', message: expect.stringMatching(/^database test.db: migration 3 \(three \(broken\)\) failed: .*nowhere.*; the database stays at version 2$/) as unknown }));
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((t) => t.name);
    expect(tables).toEqual(['a', 'b']);
    expect(db.prepare('SELECT x FROM a').all()).toEqual([{ x: 1 }]);
    db.close();
  });
});
