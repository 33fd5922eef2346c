/**
 * What only the SQLite engine has (the contract suite, contract/, covers the rest): the file
 * across close and reopen, its mode and WAL, and how the asynchronous face (sqlite-async.ts)
 * keeps one connection's transaction whole.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteTrustStore } from './sqlite-store.js';
import { at, masterA, newNode, tempDir } from './test-support.js';
import type { TrustStoreOps } from './types.js';

let tmp: ReturnType<typeof tempDir>;
let path: string;
const opened: SqliteTrustStore[] = [];
const open = (): SqliteTrustStore => {
  const store = openSqliteStore({ path, masterKey: masterA() });
  opened.push(store);
  return store;
};
const t0 = at('2025-03-01T08:00:00Z');

beforeEach(() => {
  tmp = tempDir('pia-store-');
  path = join(tmp.dir, 'trust.db');
});
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  tmp.cleanup();
});

describe('the database file', () => {
  it('keeps registry, keys, groups, grants and enrollments across close and reopen', async () => {
    const first = open();
    expect([first.engine, first.location, first.path]).toEqual(['sqlite', path, path]);
    const alice = newNode('operator', 'alice', ['ops']);
    const gw = newNode('gateway', 'gw');
    const station = newNode('station', 'line-1');
    for (const n of [alice, gw, station]) await first.addNode(n, t0);
    await first.revokeNode(station.id, at('2025-03-05T00:00:00Z'));
    const grant = await first.addGrant({ subject: 'group:ops', gateway: gw.id, devices: 'rack1-*', rights: ['read', 'call:snapshot'], notAfter: '2026-01-01T00:00:00Z' }, t0);
    await first.recordEnrollment({ stationId: station.id, requestKey: 'k', nodeId: gw.id });
    const nodesBefore = await first.listNodes();
    await first.close();

    const second = open();
    expect(await second.listNodes()).toEqual(nodesBefore);
    expect(Buffer.from((await second.nodeKey(alice.id))!).equals(alice.key)).toBe(true);
    expect(await second.listGrants()).toEqual([grant]);
    expect(await second.grantsFor(alice.id, gw.id, at('2025-06-01T00:00:00Z'))).toEqual([grant]);
    expect((await second.findEnrollment(station.id, 'k'))?.nodeId).toBe(gw.id);
  });

  it('creates the database file (and its WAL) with mode 0600, in WAL mode', async () => {
    const store = open();
    await store.addNode(newNode('operator', 'a'), t0);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('a committed transaction is on disk for another connection; an open one is not', async () => {
    const store = open();
    const board = newNode('gateway', 'board');
    const reader = new Database(path, { readonly: true });
    const count = (): number => (reader.prepare('SELECT count(*) AS n FROM nodes').get() as { n: number }).n;
    await store.transaction(async (tx) => {
      await tx.addNode(board, t0);
      expect(count()).toBe(0);
    });
    expect(count()).toBe(1);
    reader.close();
  });
});

describe('transactions on one connection (sqlite-async.ts)', () => {
  it("the engine's own short transactions become savepoints inside: a refused call rolls back alone, the rest commits", async () => {
    const store = open();
    const station = newNode('station', 'line-1');
    const board = newNode('gateway', 'board-7');
    await store.transaction(async (tx) => {
      await tx.addNode(station, t0);
      await tx.addNode(board, t0);
      // addGrant's own transaction: its insert is refused after the node checks (revoked subject).
      await tx.revokeNode(station.id, t0);
      await expect(tx.addGrant({ subject: station.id, gateway: board.id, devices: '*', rights: ['read'] }, t0)).rejects.toThrow(/is revoked/);
      await expect(tx.addNode({ ...newNode('gateway', 'dup'), id: board.id }, t0)).rejects.toMatchObject({ kind: 'conflict' });
      await tx.recordEnrollment({ stationId: station.id, requestKey: 'r', nodeId: board.id });
    });
    expect((await store.listNodes()).map((n) => n.label).sort()).toEqual(['board-7', 'line-1']); // same created time: listed by random ID
    expect((await store.findEnrollment(station.id, 'r'))?.nodeId).toBe(board.id);
    expect(await store.listGrants()).toEqual([]);
  });

  it('refuses a call on the store itself, or a nested transaction, from inside its own transaction (it would wait forever)', async () => {
    const store = open();
    const n = newNode('operator', 'a');
    const error = await store
      .transaction(async (tx) => {
        await tx.addNode(n, t0);
        await store.getNode(n.id);
      })
      .catch((e: unknown) => e as Error);
    expect((error as Error).message).toMatch(/inside its own transaction would wait for that transaction forever; make it through the transaction's tx/);
    await expect(store.transaction(() => store.transaction(() => Promise.resolve(1)))).rejects.toThrow(/inside its own transaction/);
    expect(await store.getNode(n.id)).toBeUndefined();
  });

  it('refuses a call through a tx kept after its transaction ended', async () => {
    const store = open();
    let kept: TrustStoreOps | undefined;
    await store.transaction((tx) => {
      kept = tx;
      return Promise.resolve();
    });
    await expect(kept!.listNodes()).rejects.toThrow(/listNodes was called through a transaction's tx after that transaction ended/);
  });

  it('close waits for an open transaction to end, then closes', async () => {
    const store = open();
    const n = newNode('operator', 'a');
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const tx = store.transaction(async (t) => {
      await t.addNode(n, t0);
      await held;
    });
    const closing = store.close();
    release();
    await tx;
    await closing;
    const again = open();
    expect((await again.getNode(n.id))?.label).toBe('a');
  });
});
