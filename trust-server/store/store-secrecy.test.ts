/**
 * Must hold: a database copied without its master key yields no key (node keys are wrapped
 * under a master key kept outside the database).
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteTrustStore } from './sqlite-store.js';
import { at, masterA, masterB, newNode, tempDir } from './test-support.js';

let tmp: ReturnType<typeof tempDir>;
let path: string;
const opened: SqliteTrustStore[] = [];
const t0 = at('2025-03-01T08:00:00Z');

beforeEach(() => {
  tmp = tempDir('pia-secrecy-');
  path = join(tmp.dir, 'trust.db');
});
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  tmp.cleanup();
});

async function populated(): Promise<{ keys: Buffer[]; ids: string[] }> {
  const store = openSqliteStore({ path, masterKey: masterA() });
  const nodes = [newNode('operator', 'alice', ['ops']), newNode('gateway', 'gw'), newNode('station', 'line-1'), newNode('operator', 'bob')];
  for (const n of nodes) await store.addNode(n, t0);
  await store.addGrant({ subject: nodes[0]!.id, gateway: nodes[1]!.id, devices: '*', rights: ['read'] }, t0);
  await store.revokeNode(nodes[3]!.id, t0);
  await store.close();
  return { keys: nodes.map((n) => n.key), ids: nodes.map((n) => n.id) };
}

/** Every byte of the database and any WAL / SHM / journal beside it. */
function allFileBytes(file: string): Buffer {
  return Buffer.concat(['', '-wal', '-shm', '-journal'].map((s) => file + s).filter((f) => existsSync(f)).map((f) => readFileSync(f)));
}

describe('a database copied without its master key yields no key', () => {
  it('refuses to open the copy under a different master key, at open', async () => {
    await populated();
    const copy = join(tmp.dir, 'copy.db');
    copyFileSync(path, copy);
    expect(() => openSqliteStore({ path: copy, masterKey: masterB() })).toThrow(
      expect.objectContaining({ kind: 'wrong-master-key', message: expect.stringMatching(/was created with a different master key: this one does not open it/) as unknown }),
    );
    // and the right key still opens the copy
    const ok = openSqliteStore({ path: copy, masterKey: masterA() });
    opened.push(ok);
    expect(await ok.listNodes()).toHaveLength(4);
  });

  it('holds no node key in its bytes: not raw, not hex, not base64', async () => {
    const { keys } = await populated();
    const bytes = allFileBytes(path);
    expect(bytes.length).toBeGreaterThan(4096);
    const text = bytes.toString('latin1');
    for (const key of keys) {
      expect(bytes.indexOf(key)).toBe(-1);
      expect(bytes.indexOf(key.subarray(0, 16))).toBe(-1);
      expect(text.toLowerCase()).not.toContain(key.toString('hex'));
      expect(text).not.toContain(key.toString('base64').slice(0, 40));
    }
  });

  it('holds no node key in any row read directly (no store)', async () => {
    const { keys } = await populated();
    const raw = new Database(path, { readonly: true });
    const tables = raw.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['nodes', 'grants', 'meta']));
    const cells: Buffer[] = [];
    for (const { name } of tables) {
      for (const row of raw.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
        for (const v of Object.values(row)) cells.push(Buffer.isBuffer(v) ? v : Buffer.from(String(v)));
      }
    }
    raw.close();
    const wrapped = cells.filter((c) => c.length === 12 + 32 + 16);
    expect(wrapped.length).toBeGreaterThanOrEqual(4);
    for (const key of keys) for (const cell of cells) expect(cell.indexOf(key)).toBe(-1);
  });

  it('holds no key while the store is open either (the WAL before a checkpoint)', async () => {
    const store = openSqliteStore({ path, masterKey: masterA() });
    opened.push(store);
    const n = newNode('operator', 'carol');
    await store.addNode(n, t0);
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(allFileBytes(path).indexOf(n.key)).toBe(-1);
  });

  it('refuses a wrong master key even when the key-check row is gone (a node key decides)', async () => {
    await populated();
    const raw = new Database(path);
    raw.prepare("DELETE FROM meta WHERE name = 'key_check'").run();
    raw.close();
    expect(() => openSqliteStore({ path, masterKey: masterB() })).toThrow(expect.objectContaining({ kind: 'wrong-master-key' }));
  });
});

describe('a wrapped key is bound to its node ID', () => {
  it('fails to unwrap when the row is moved to another ID', async () => {
    const { ids, keys } = await populated();
    const [alice, gw] = [ids[0]!, ids[1]!];
    const raw = new Database(path);
    raw.pragma('foreign_keys = OFF');
    const aliceKey = raw.prepare<[string], { wrapped_key: Buffer }>('SELECT wrapped_key FROM nodes WHERE id = ?').get(alice)!.wrapped_key;
    raw.prepare('UPDATE nodes SET wrapped_key = ? WHERE id = ?').run(aliceKey, gw);
    raw.close();

    const store = openSqliteStore({ path, masterKey: masterA() });
    opened.push(store);
    expect(Buffer.from((await store.nodeKey(alice))!).equals(keys[0]!)).toBe(true);
    let error: unknown;
    try {
      await store.nodeKey(gw);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ kind: 'corrupt', message: `node ${gw}: its stored key does not open under the master key for this node ID (the row was altered, or copied from another node); re-enroll the node with a new key` });
    expect((error as Error).message).not.toContain(keys[0]!.toString('hex'));
  });

  it('fails to unwrap when the row’s ID is changed', async () => {
    const { ids } = await populated();
    const moved = '11111111-2222-4333-8444-555555555555';
    const raw = new Database(path);
    raw.pragma('foreign_keys = OFF');
    raw.prepare('UPDATE nodes SET id = ? WHERE id = ?').run(moved, ids[2]!);
    raw.close();
    const store = openSqliteStore({ path, masterKey: masterA() });
    opened.push(store);
    await expect(store.nodeKey(moved)).rejects.toThrow(/does not open under the master key for this node ID/);
  });
});
