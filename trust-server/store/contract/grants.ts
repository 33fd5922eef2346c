/** Contract: grants (partner registrations, §9.6) and the grants that apply (§9.5 step 5), on any engine. */
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { NewGrant, TrustStore } from '../types.js';
import { at, newNode } from '../test-support.js';
import { rejection, type Contract } from './context.js';

const t0 = at('2025-03-01T08:00:00Z');

export function grantContract(c: Contract): void {
  describe('grants', () => {
    let store: TrustStore;
    let alice: string;
    let bob: string;
    let gw: string;
    let gw2: string;

    beforeEach(async () => {
      store = await c.fresh();
      alice = (await store.addNode(newNode('operator', 'alice', ['ops']), t0)).id;
      bob = (await store.addNode(newNode('operator', 'bob'), t0)).id;
      gw = (await store.addNode(newNode('gateway', 'rack1-gw'), t0)).id;
      gw2 = (await store.addNode(newNode('gateway', 'rack2-gw'), t0)).id;
    });

    const grant = (change: Partial<NewGrant> = {}): NewGrant => ({ subject: alice, gateway: gw, devices: '*', rights: ['read'], ...change });

    describe('addGrant validation (errors name the field and the fix)', () => {
      it.each<[string, () => Partial<NewGrant>, RegExp]>([
        ['subject', () => ({ subject: 'alice' }), /subject "alice" is neither a node ID \(a UUID\) nor a group \("group:<name>"\)/],
        ['subject', () => ({ subject: 'group:' }), /subject: group name "" must be/],
        ['subject', () => ({ subject: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' }), /subject 3f2504e0-.* is not a registered node; register the operator first/],
        ['gateway', () => ({ gateway: 'gw' }), /gateway "gw" is not a node ID/],
        ['gateway', () => ({ gateway: randomUUID() }), /gateway .* is not a registered node; register the gateway first/],
        ['devices', () => ({ devices: '' }), /devices "" is not a device selector: use a device name, a glob with \*/],
        ['devices', () => ({ devices: 'rack 1' }), /devices "rack 1" is not a device selector/],
        ['devices', () => ({ devices: 'rack1/fan' }), /devices "rack1\/fan"/],
        ['rights', () => ({ rights: [] }), /rights is empty; give at least one of "read", "control", "call:<name>"/],
        ['rights[1]', () => ({ rights: ['read', 'write'] }), /rights\[1\] "write" is not a right; use "read", "control" or "call:<command>"/],
        ['rights[0]', () => ({ rights: ['call:'] }), /rights\[0\] "call:"/],
        ['notBefore', () => ({ notBefore: 'tomorrow' }), /notBefore "tomorrow" is not an ISO-8601 time; write e.g. 2025-03-01T08:00:00Z/],
        ['notAfter', () => ({ notBefore: '2025-03-02T00:00:00Z', notAfter: '2025-03-02T00:00:00Z' }), /notAfter \(2025-03-02T00:00:00.000Z\) must be later than notBefore/],
      ])('refuses a bad %s', async (field, change, message) => {
        const error = await rejection(store.addGrant(grant(change()), t0));
        expect(error).toMatchObject({ kind: 'invalid', field });
        expect(error.message).toMatch(message);
        expect(await store.listGrants()).toEqual([]);
      });

      it('refuses a gateway that is not of kind gateway, and revoked nodes', async () => {
        await expect(store.addGrant(grant({ gateway: bob }), t0)).rejects.toThrow(/gateway .* \("bob"\) is a node of kind operator, not a gateway/);
        await store.revokeNode(bob, t0);
        await expect(store.addGrant(grant({ subject: bob }), t0)).rejects.toThrow(/subject .* \("bob"\) is revoked, so a grant to it would never apply/);
      });

      it('stores a valid grant with normalized times and de-duplicated rights', async () => {
        const g = await store.addGrant(grant({ subject: alice.toUpperCase(), devices: 'rack1-*', rights: ['read', 'control', 'read', 'call:unlock'], notBefore: '2025-03-01T10:00:00+01:00' }), t0);
        expect(g).toMatchObject({ subject: alice, gateway: gw, devices: 'rack1-*', rights: ['read', 'control', 'call:unlock'], notBefore: '2025-03-01T09:00:00.000Z', notAfter: undefined, created: '2025-03-01T08:00:00.000Z' });
        expect(g.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      });
    });

    describe('list and remove', () => {
      it('filters by subject and gateway; removes by id', async () => {
        const a = await store.addGrant(grant(), t0);
        const b = await store.addGrant(grant({ subject: 'group:ops', gateway: gw2 }), t0);
        const cc = await store.addGrant(grant({ subject: bob }), t0);
        expect((await store.listGrants()).map((g) => g.id).sort()).toEqual([a.id, b.id, cc.id].sort());
        expect(await store.listGrants({ subject: alice })).toEqual([a]);
        expect(await store.listGrants({ subject: 'group:ops' })).toEqual([b]);
        expect((await store.listGrants({ gateway: gw })).map((g) => g.id).sort()).toEqual([a.id, cc.id].sort());
        expect(await store.listGrants({ subject: bob, gateway: gw2 })).toEqual([]);
        expect(await store.removeGrant(a.id)).toBe(true);
        expect(await store.removeGrant(a.id)).toBe(false);
        expect(await store.listGrants({ subject: alice })).toEqual([]);
      });
    });

    describe('grantsFor (§9.5 step 5)', () => {
      it('returns grants for the node and its groups, for that gateway only', async () => {
        const direct = await store.addGrant(grant(), t0);
        const viaGroup = await store.addGrant(grant({ subject: 'group:ops', devices: 'fan-*' }), t0);
        await store.addGrant(grant({ subject: 'group:other' }), t0);
        await store.addGrant(grant({ gateway: gw2 }), t0);
        await store.addGrant(grant({ subject: bob }), t0);
        const now = at('2025-03-02T00:00:00Z');
        expect((await store.grantsFor(alice, gw, now)).map((g) => g.id).sort()).toEqual([direct.id, viaGroup.id].sort());
        expect(await store.grantsFor(bob, gw, now)).toHaveLength(1);
        await store.setGroups(alice, []);
        expect(await store.grantsFor(alice, gw, now)).toEqual([direct]);
        expect(await store.grantsFor(randomUUID(), gw, now)).toEqual([]);
        expect(await store.grantsFor('garbage', gw, now)).toEqual([]);
      });

      it('holds exactly inside [notBefore, notAfter): the edges, to the millisecond', async () => {
        const g = await store.addGrant(grant({ notBefore: '2025-03-01T09:00:00Z', notAfter: '2025-03-01T17:00:00Z' }), t0);
        const ids = async (iso: string): Promise<string[]> => (await store.grantsFor(alice, gw, at(iso))).map((x) => x.id);
        expect(await ids('2025-03-01T08:59:59.999Z')).toEqual([]);
        expect(await ids('2025-03-01T09:00:00.000Z')).toEqual([g.id]);
        expect(await ids('2025-03-01T16:59:59.999Z')).toEqual([g.id]);
        expect(await ids('2025-03-01T17:00:00.000Z')).toEqual([]);
      });

      it('treats an absent bound as open', async () => {
        const from = await store.addGrant(grant({ notBefore: '2025-03-01T09:00:00Z' }), t0);
        const until = await store.addGrant(grant({ notAfter: '2025-03-01T09:00:00Z' }), t0);
        const ids = async (iso: string): Promise<string[]> => (await store.grantsFor(alice, gw, at(iso))).map((x) => x.id);
        expect(await ids('1999-01-01T00:00:00Z')).toEqual([until.id]);
        expect(await ids('2999-01-01T00:00:00Z')).toEqual([from.id]);
      });
    });

    describe('grantsBetween (both ways in one read)', () => {
      it('lists grantsFor(a, b) then grantsFor(b, a), through groups, valid at now only', async () => {
        const there = await store.addGrant(grant({ subject: gw2 }), t0); // gw2 on gw
        const viaGroup = await store.addGrant(grant({ subject: 'group:ops', gateway: gw2 }), t0); // alice (ops) on gw2
        const back = await store.addGrant(grant({ subject: gw, gateway: gw2, devices: 'fan-*' }), t0); // gw on gw2
        await store.addGrant(grant({ subject: gw, gateway: gw2, notAfter: '2025-03-01T09:00:00Z' }), t0); // expired at now
        await store.addGrant(grant({ subject: bob, gateway: gw2 }), t0);
        const now = at('2025-03-02T00:00:00Z');
        expect(await store.grantsBetween(gw2, gw, now)).toEqual([there, back]);
        expect(await store.grantsBetween(gw, gw2, now)).toEqual([back, there]);
        expect(await store.grantsBetween(alice, gw2, now)).toEqual([viaGroup]);
        expect(await store.grantsBetween(gw2, alice, now)).toEqual([viaGroup]);
        expect(await store.grantsBetween(alice, gw, now)).toEqual([]);
        expect(await store.grantsBetween('garbage', gw, now)).toEqual([]);
        expect(await store.grantsBetween(gw2, randomUUID(), now)).toEqual([]);
      });

      it('lists a grant once when it holds both ways (a node with itself)', async () => {
        const self = await store.addGrant(grant({ subject: gw }), t0);
        expect(await store.grantsBetween(gw, gw, at('2025-03-02T00:00:00Z'))).toEqual([self]);
      });
    });

    describe('vouchParties (a P3_VOUCH\'s reads in one)', () => {
      it('answers nodeWithKey of both and grantsBetween them, for every pair of the fixture', async () => {
        await store.addGrant(grant({ subject: gw2 }), t0);
        await store.addGrant(grant({ subject: 'group:ops', gateway: gw2 }), t0);
        await store.addGrant(grant({ subject: gw, gateway: gw2, devices: 'fan-*' }), t0);
        await store.addGrant(grant({ subject: gw, gateway: gw2, notAfter: '2025-03-01T09:00:00Z' }), t0);
        await store.revokeNode(bob, t0); // a revoked party reads as revoked
        const now = at('2025-03-02T00:00:00Z');
        const ids = [alice, bob, gw, gw2, 'garbage', randomUUID()];
        for (const a of ids) {
          for (const b of ids) {
            const one = await store.vouchParties(a, b, now);
            const party = async (id: string): Promise<object | undefined> => {
              const found = await store.nodeWithKey(id);
              return found === undefined ? undefined : { kind: found.node.kind, status: found.node.status, label: found.node.label, key: found.key };
            };
            expect(one, `${a} ${b}`).toEqual({ a: await party(a), b: await party(b), grants: await store.grantsBetween(a, b, now) });
            if (one.a !== undefined && one.b !== undefined) {
              one.a.key.fill(0); // each party's key is its own: wiping A's leaves B's (a node with itself too)
              expect(one.b.key.some((x) => x !== 0)).toBe(true);
            }
          }
        }
        const both = await store.vouchParties(alice, gw2, now);
        expect(both.a?.key).toHaveLength(32);
        expect(both.grants.map((g) => g.subject)).toEqual(['group:ops']);
      });
    });
  });
}
