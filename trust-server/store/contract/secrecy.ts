/**
 * Contract: keys leave the store only through `nodeKey` (types.ts "Must hold"), on any engine:
 * no record, listing or error carries a node key, in raw, hex or base64 form.
 */
import { describe, expect, it } from 'vitest';
import { at, newNode } from '../test-support.js';
import { rejection, type Contract } from './context.js';

const t0 = at('2025-03-01T08:00:00Z');

export function secrecyContract(c: Contract): void {
  describe('keys stay inside the store', () => {
    it('no record, listing or refusal carries a node key; nodeKey gives exactly it back', async () => {
      const store = await c.fresh();
      const nodes = [newNode('operator', 'alice', ['ops']), newNode('gateway', 'gw'), newNode('station', 'line-1')];
      const seen: unknown[] = [];
      for (const n of nodes) seen.push(await store.addNode(n, t0));
      const [alice, gw, station] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
      seen.push(await store.addGrant({ subject: alice.id, gateway: gw.id, devices: '*', rights: ['read'] }, t0));
      seen.push(await store.revokeNode(station.id, t0), await store.setGroups(alice.id, ['night']), await store.listNodes(), await store.listGrants(), await store.getNode(gw.id));
      seen.push(await store.grantsFor(alice.id, gw.id, t0));
      const duplicate = await rejection(store.addNode({ ...newNode('gateway', 'dup'), id: alice.id, key: alice.key }, t0));
      const badKey = await rejection(store.addNode({ ...newNode('gateway', 'short'), key: alice.key.subarray(0, 16) }, t0));
      const text = JSON.stringify(seen) + duplicate.message + badKey.message;
      for (const n of nodes) {
        expect(text.toLowerCase()).not.toContain(n.key.toString('hex'));
        expect(text).not.toContain(n.key.toString('base64').slice(0, 40));
        expect(text).not.toContain(Buffer.from(n.key.subarray(0, 16)).toString('hex'));
        expect(Buffer.from((await store.nodeKey(n.id))!).equals(n.key)).toBe(true);
      }
    });

    it('a node key given to the store is not kept by reference: the caller wiping its copy changes nothing', async () => {
      const store = await c.fresh();
      const n = newNode('gateway', 'gw');
      const copy = Buffer.from(n.key);
      await store.addNode(n, t0);
      n.key.fill(0);
      expect(Buffer.from((await store.nodeKey(n.id))!).equals(copy)).toBe(true);
      const first = (await store.nodeKey(n.id))!;
      first.fill(0);
      expect(Buffer.from((await store.nodeKey(n.id))!).equals(copy)).toBe(true);
      const withKey = (await store.nodeWithKey(n.id))!;
      expect(JSON.stringify(withKey.node)).not.toContain(copy.toString('hex'));
      withKey.key.fill(0);
      expect(Buffer.from((await store.nodeWithKey(n.id))!.key).equals(copy)).toBe(true);
    });
  });
}
