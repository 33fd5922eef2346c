import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from './errors.js';
import { openSqliteStore, type SqliteTrustStore } from './sqlite-store.js';
import { at, masterA, newNode, tempDir } from './test-support.js';

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
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  tmp.cleanup();
});

describe('node registry', () => {
  it('adds, gets and lists nodes; the key comes back only through nodeKey', () => {
    const store = open();
    const alice = newNode('operator', 'alice', ['night-shift', 'admins']);
    const gw = newNode('gateway', 'rack1-gw');
    const rec = store.addNode(alice, t0);
    expect(rec).toEqual({ id: alice.id, kind: 'operator', label: 'alice', status: 'active', created: '2025-03-01T08:00:00.000Z', lastSeen: undefined, revokedAt: undefined, groups: ['admins', 'night-shift'] });
    expect(JSON.stringify(rec)).not.toContain(alice.key.toString('hex'));
    store.addNode(gw, at('2025-03-01T09:00:00Z'));
    expect(store.getNode(alice.id.toUpperCase())).toEqual(rec);
    expect(store.listNodes().map((n) => n.label)).toEqual(['alice', 'rack1-gw']);
    expect(Buffer.from(store.nodeKey(alice.id)!).equals(alice.key)).toBe(true);
    expect(Buffer.from(store.nodeKey(gw.id)!).equals(gw.key)).toBe(true);
    expect(store.nodeKey(randomUUID())).toBeUndefined();
    expect(store.getNode('not-a-uuid')).toBeUndefined();
  });

  it('refuses a duplicate ID with a clear conflict', () => {
    const store = open();
    const alice = newNode('operator', 'alice');
    store.addNode(alice, t0);
    const dup = { ...newNode('gateway', 'other'), id: alice.id };
    expect(() => store.addNode(dup, t0)).toThrow(new StoreError('conflict', `node ID ${alice.id} is already registered (operator "alice", active); use a new random ID for a new node`));
    expect(Buffer.from(store.nodeKey(alice.id)!).equals(alice.key)).toBe(true);
  });

  it.each([
    ['id', { id: 'nope' }, /id "nope" is not a node ID: write it as a UUID/],
    ['id', { id: '00000000-0000-0000-0000-000000000000' }, /all-zero ID, which means "any"/],
    ['kind', { kind: 'printer' }, /kind "printer" is not a node kind; use one of gateway, operator, station, server/],
    ['label', { label: '' }, /label must be 1–64 characters/],
    ['key', { key: Buffer.alloc(16) }, /must be 32 bytes \(256 bits\), got 16/],
    ['groups[1]', { groups: ['ok', 'bad name'] }, /groups\[1\]: group name "bad name"/],
  ])('refuses an invalid %s, naming it', (field, change, message) => {
    const store = open();
    const bad = { ...newNode('operator', 'x'), ...change } as Parameters<SqliteTrustStore['addNode']>[0];
    expect(() => store.addNode(bad, t0)).toThrow(message);
    try {
      store.addNode(bad, t0);
    } catch (err) {
      expect(err).toMatchObject({ kind: 'invalid', field });
    }
    expect(store.listNodes()).toEqual([]);
  });

  it('revokes (once: the first revokedAt stays), touches and sets groups', () => {
    const store = open();
    const alice = newNode('operator', 'alice');
    store.addNode(alice, t0);
    store.touchNode(alice.id, at('2025-03-02T10:00:00Z'));
    expect(store.getNode(alice.id)?.lastSeen).toBe('2025-03-02T10:00:00.000Z');
    expect(store.setGroups(alice.id, ['ops', 'ops', 'night']).groups).toEqual(['night', 'ops']);
    expect(store.setGroups(alice.id, []).groups).toEqual([]);
    const revoked = store.revokeNode(alice.id, at('2025-03-03T00:00:00Z'));
    expect(revoked).toMatchObject({ status: 'revoked', revokedAt: '2025-03-03T00:00:00.000Z' });
    expect(store.revokeNode(alice.id, at('2025-03-04T00:00:00Z')).revokedAt).toBe('2025-03-03T00:00:00.000Z');
    expect(store.nodeKey(alice.id)).toBeDefined();
    store.touchNode(randomUUID(), t0); // unknown: no-op
    const missing = randomUUID();
    expect(() => store.revokeNode(missing, t0)).toThrow(`node ${missing} is not registered`);
    expect(() => store.setGroups(missing, [])).toThrow(/is not registered/);
  });
});

describe('enrollment records (§9.8 idempotency)', () => {
  it('records, finds, accepts the same record again and refuses a different answer', () => {
    const store = open();
    const station = newNode('station', 'line-1');
    const board = newNode('gateway', 'board-7');
    store.addNode(station, t0);
    store.addNode(board, t0);
    const rec = { stationId: station.id, requestKey: 'req-1', nodeId: board.id };
    expect(store.findEnrollment(station.id, 'req-1')).toBeUndefined();
    store.recordEnrollment(rec);
    store.recordEnrollment(rec);
    expect(store.findEnrollment(station.id, 'req-1')).toEqual({ requestKey: 'req-1', stationId: station.id, nodeId: board.id });
    expect(store.findEnrollment(board.id, 'req-1')).toBeUndefined();
    expect(() => store.recordEnrollment({ ...rec, nodeId: station.id })).toThrow(/already enrolled node .* a retry must repeat the same request/);
    expect(() => store.recordEnrollment({ ...rec, stationId: randomUUID(), requestKey: 'r2' })).toThrow(/stationId .* is not a registered node/);
  });
});

describe('transactions', () => {
  it('commits all or nothing', () => {
    const store = open();
    const station = newNode('station', 'line-1');
    store.addNode(station, t0);
    const board = newNode('gateway', 'board-7');
    expect(() =>
      store.transaction(() => {
        store.addNode(board, t0);
        store.recordEnrollment({ stationId: station.id, requestKey: 'r', nodeId: board.id });
        throw new Error('crash before the answer');
      }),
    ).toThrow('crash before the answer');
    expect(store.getNode(board.id)).toBeUndefined();
    expect(store.findEnrollment(station.id, 'r')).toBeUndefined();
    store.transaction(() => {
      store.addNode(board, t0);
      store.recordEnrollment({ stationId: station.id, requestKey: 'r', nodeId: board.id });
    });
    expect(store.findEnrollment(station.id, 'r')?.nodeId).toBe(board.id);
  });
});

describe('restart', () => {
  it('keeps registry, keys, groups, grants and enrollments across close and reopen', () => {
    const first = open();
    const alice = newNode('operator', 'alice', ['ops']);
    const gw = newNode('gateway', 'gw');
    const station = newNode('station', 'line-1');
    for (const n of [alice, gw, station]) first.addNode(n, t0);
    first.revokeNode(station.id, at('2025-03-05T00:00:00Z'));
    const grant = first.addGrant({ subject: 'group:ops', gateway: gw.id, devices: 'rack1-*', rights: ['read', 'call:snapshot'], notAfter: '2026-01-01T00:00:00Z' }, t0);
    first.recordEnrollment({ stationId: station.id, requestKey: 'k', nodeId: gw.id });
    const nodesBefore = first.listNodes();
    first.close();

    const second = open();
    expect(second.listNodes()).toEqual(nodesBefore);
    expect(Buffer.from(second.nodeKey(alice.id)!).equals(alice.key)).toBe(true);
    expect(second.listGrants()).toEqual([grant]);
    expect(second.grantsFor(alice.id, gw.id, at('2025-06-01T00:00:00Z'))).toEqual([grant]);
    expect(second.findEnrollment(station.id, 'k')?.nodeId).toBe(gw.id);
  });

  it('creates the database file (and its WAL) with mode 0600, in WAL mode', () => {
    const store = open();
    store.addNode(newNode('operator', 'a'), t0);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });
});
