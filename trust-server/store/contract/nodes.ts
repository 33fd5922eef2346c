/** Contract: the node registry and enrollment records (§9.1, §9.8), on any engine. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import type { NewNode } from '../types.js';
import { at, newNode } from '../test-support.js';
import { rejection, type Contract } from './context.js';

const t0 = at('2025-03-01T08:00:00Z');

export function nodeContract(c: Contract): void {
  describe('node registry', () => {
    it('adds, gets and lists nodes; the key comes back only through nodeKey', async () => {
      const store = await c.fresh();
      const alice = newNode('operator', 'alice', ['night-shift', 'admins']);
      const gw = newNode('gateway', 'rack1-gw');
      const rec = await store.addNode(alice, t0);
      expect(rec).toEqual({ id: alice.id, kind: 'operator', label: 'alice', status: 'active', created: '2025-03-01T08:00:00.000Z', lastSeen: undefined, revokedAt: undefined, groups: ['admins', 'night-shift'], owner: undefined });
      expect(JSON.stringify(rec)).not.toContain(alice.key.toString('hex'));
      await store.addNode(gw, at('2025-03-01T09:00:00Z'));
      expect(await store.getNode(alice.id.toUpperCase())).toEqual(rec);
      expect((await store.listNodes()).map((n) => n.label)).toEqual(['alice', 'rack1-gw']);
      expect(Buffer.from((await store.nodeKey(alice.id))!).equals(alice.key)).toBe(true);
      expect(Buffer.from((await store.nodeKey(gw.id))!).equals(gw.key)).toBe(true);
      expect(await store.nodeKey(randomUUID())).toBeUndefined();
      expect(await store.getNode('not-a-uuid')).toBeUndefined();
    });

    it('nodeWithKey: the record and the key in one read; undefined for an unknown or malformed ID', async () => {
      const store = await c.fresh();
      const alice = newNode('operator', 'alice', ['ops']);
      const rec = await store.addNode(alice, t0);
      const found = await store.nodeWithKey(alice.id.toUpperCase());
      expect(found?.node).toEqual(rec);
      expect(Buffer.from(found!.key).equals(alice.key)).toBe(true);
      await store.revokeNode(alice.id, at('2025-03-01T09:00:00Z'));
      expect((await store.nodeWithKey(alice.id))?.node.status).toBe('revoked');
      expect(await store.nodeWithKey(randomUUID())).toBeUndefined();
      expect(await store.nodeWithKey('not-a-uuid')).toBeUndefined();
    });

    it('refuses a duplicate ID with a clear conflict', async () => {
      const store = await c.fresh();
      const alice = newNode('operator', 'alice');
      await store.addNode(alice, t0);
      const dup = { ...newNode('gateway', 'other'), id: alice.id };
      await expect(store.addNode(dup, t0)).rejects.toThrow(new StoreError('conflict', `node ID ${alice.id} is already registered (operator "alice", active); use a new random ID for a new node`));
      expect(Buffer.from((await store.nodeKey(alice.id))!).equals(alice.key)).toBe(true);
    });

    it.each([
      ['id', { id: 'nope' }, /id "nope" is not a node ID: write it as a UUID/],
      ['id', { id: '00000000-0000-0000-0000-000000000000' }, /all-zero ID, which means "any"/],
      ['kind', { kind: 'printer' }, /kind "printer" is not a node kind; use one of gateway, operator, station, server/],
      ['label', { label: '' }, /label must be 1–64 characters/],
      ['key', { key: Buffer.alloc(16) }, /must be 32 bytes \(256 bits\), got 16/],
      ['groups[1]', { groups: ['ok', 'bad name'] }, /groups\[1\]: group name "bad name"/],
    ])('refuses an invalid %s, naming it', async (field, change, message) => {
      const store = await c.fresh();
      const bad = { ...newNode('operator', 'x'), ...change } as NewNode;
      const error = await rejection(store.addNode(bad, t0));
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ kind: 'invalid', field });
      expect(error.message).toMatch(message);
      expect(await store.listNodes()).toEqual([]);
    });

    it('revokes (once: the first revokedAt stays), touches and sets groups', async () => {
      const store = await c.fresh();
      const alice = newNode('operator', 'alice');
      await store.addNode(alice, t0);
      await store.touchNode(alice.id, at('2025-03-02T10:00:00Z'));
      expect((await store.getNode(alice.id))?.lastSeen).toBe('2025-03-02T10:00:00.000Z');
      expect((await store.setGroups(alice.id, ['ops', 'ops', 'night'])).groups).toEqual(['night', 'ops']);
      expect((await store.setGroups(alice.id, [])).groups).toEqual([]);
      const revoked = await store.revokeNode(alice.id, at('2025-03-03T00:00:00Z'));
      expect(revoked).toMatchObject({ status: 'revoked', revokedAt: '2025-03-03T00:00:00.000Z' });
      expect((await store.revokeNode(alice.id, at('2025-03-04T00:00:00Z'))).revokedAt).toBe('2025-03-03T00:00:00.000Z');
      expect(await store.nodeKey(alice.id)).toBeDefined();
      await store.touchNode(randomUUID(), t0); // unknown: no-op
      const bob = newNode('gateway', 'bob');
      await store.addNode(bob, t0);
      await store.touchNodes([alice.id.toUpperCase(), randomUUID(), 'garbage', bob.id], at('2025-03-05T00:00:00Z'));
      expect((await store.listNodes()).map((n) => n.lastSeen)).toEqual(['2025-03-05T00:00:00.000Z', '2025-03-05T00:00:00.000Z']);
      await store.touchNodes([], t0);
      const missing = randomUUID();
      await expect(store.revokeNode(missing, t0)).rejects.toThrow(`node ${missing} is not registered`);
      await expect(store.setGroups(missing, [])).rejects.toThrow(/is not registered/);
    });
  });

  describe('enrollment records (§9.8 idempotency)', () => {
    it('records, finds, accepts the same record again and refuses a different answer', async () => {
      const store = await c.fresh();
      const station = newNode('station', 'line-1');
      const board = newNode('gateway', 'board-7');
      await store.addNode(station, t0);
      await store.addNode(board, t0);
      const rec = { stationId: station.id, requestKey: 'req-1', nodeId: board.id };
      expect(await store.findEnrollment(station.id, 'req-1')).toBeUndefined();
      await store.recordEnrollment(rec);
      await store.recordEnrollment(rec);
      expect(await store.findEnrollment(station.id, 'req-1')).toEqual({ requestKey: 'req-1', stationId: station.id, nodeId: board.id });
      expect(await store.findEnrollment(board.id, 'req-1')).toBeUndefined();
      await expect(store.recordEnrollment({ ...rec, nodeId: station.id })).rejects.toThrow(/already enrolled node .* a retry must repeat the same request/);
      await expect(store.recordEnrollment({ ...rec, stationId: randomUUID(), requestKey: 'r2' })).rejects.toThrow(/stationId .* is not a registered node/);
    });
  });
}
