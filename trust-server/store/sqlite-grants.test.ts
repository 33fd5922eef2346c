import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteTrustStore } from './sqlite-store.js';
import { at, masterA, newNode } from './test-support.js';
import type { NewGrant } from './types.js';

let store: SqliteTrustStore;
let alice: string;
let bob: string;
let gw: string;
let gw2: string;
const t0 = at('2025-03-01T08:00:00Z');

beforeEach(() => {
  store = openSqliteStore({ path: ':memory:', masterKey: masterA() });
  alice = store.addNode(newNode('operator', 'alice', ['ops']), t0).id;
  bob = store.addNode(newNode('operator', 'bob'), t0).id;
  gw = store.addNode(newNode('gateway', 'rack1-gw'), t0).id;
  gw2 = store.addNode(newNode('gateway', 'rack2-gw'), t0).id;
});
afterEach(() => store.close());

const grant = (change: Partial<NewGrant> = {}): NewGrant => ({ subject: alice, gateway: gw, devices: '*', rights: ['read'], ...change });

describe('addGrant validation (errors name the field and the fix)', () => {
  it.each<[string, Partial<NewGrant>, RegExp]>([
    ['subject', { subject: 'alice' }, /subject "alice" is neither a node ID \(a UUID\) nor a group \("group:<name>"\)/],
    ['subject', { subject: 'group:' }, /subject: group name "" must be/],
    ['subject', { subject: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' }, /subject 3f2504e0-.* is not a registered node; register the operator first/],
    ['gateway', { gateway: 'gw' }, /gateway "gw" is not a node ID/],
    ['gateway', { gateway: randomUUID() }, /gateway .* is not a registered node; register the gateway first/],
    ['devices', { devices: '' }, /devices "" is not a device selector: use a device name, a glob with \*/],
    ['devices', { devices: 'rack 1' }, /devices "rack 1" is not a device selector/],
    ['devices', { devices: 'rack1/fan' }, /devices "rack1\/fan"/],
    ['rights', { rights: [] }, /rights is empty; give at least one of "read", "control", "call:<name>"/],
    ['rights[1]', { rights: ['read', 'write'] }, /rights\[1\] "write" is not a right; use "read", "control" or "call:<command>"/],
    ['rights[0]', { rights: ['call:'] }, /rights\[0\] "call:"/],
    ['notBefore', { notBefore: 'tomorrow' }, /notBefore "tomorrow" is not an ISO-8601 time; write e.g. 2025-03-01T08:00:00Z/],
    ['notAfter', { notBefore: '2025-03-02T00:00:00Z', notAfter: '2025-03-02T00:00:00Z' }, /notAfter \(2025-03-02T00:00:00.000Z\) must be later than notBefore/],
  ])('refuses a bad %s', (field, change, message) => {
    let error: unknown;
    try {
      store.addGrant(grant(change), t0);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ kind: 'invalid', field });
    expect((error as Error).message).toMatch(message);
    expect(store.listGrants()).toEqual([]);
  });

  it('refuses a gateway that is not of kind gateway, and revoked nodes', () => {
    expect(() => store.addGrant(grant({ gateway: bob }), t0)).toThrow(/gateway .* \("bob"\) is a node of kind operator, not a gateway/);
    store.revokeNode(bob, t0);
    expect(() => store.addGrant(grant({ subject: bob }), t0)).toThrow(/subject .* \("bob"\) is revoked, so a grant to it would never apply/);
  });

  it('stores a valid grant with normalized times and de-duplicated rights', () => {
    const g = store.addGrant(grant({ subject: alice.toUpperCase(), devices: 'rack1-*', rights: ['read', 'control', 'read', 'call:unlock'], notBefore: '2025-03-01T10:00:00+01:00' }), t0);
    expect(g).toMatchObject({ subject: alice, gateway: gw, devices: 'rack1-*', rights: ['read', 'control', 'call:unlock'], notBefore: '2025-03-01T09:00:00.000Z', notAfter: undefined, created: '2025-03-01T08:00:00.000Z' });
    expect(g.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('list and remove', () => {
  it('filters by subject and gateway; removes by id', () => {
    const a = store.addGrant(grant(), t0);
    const b = store.addGrant(grant({ subject: 'group:ops', gateway: gw2 }), t0);
    const c = store.addGrant(grant({ subject: bob }), t0);
    expect(store.listGrants().map((g) => g.id).sort()).toEqual([a.id, b.id, c.id].sort());
    expect(store.listGrants({ subject: alice })).toEqual([a]);
    expect(store.listGrants({ subject: 'group:ops' })).toEqual([b]);
    expect(store.listGrants({ gateway: gw }).map((g) => g.id).sort()).toEqual([a.id, c.id].sort());
    expect(store.listGrants({ subject: bob, gateway: gw2 })).toEqual([]);
    expect(store.removeGrant(a.id)).toBe(true);
    expect(store.removeGrant(a.id)).toBe(false);
    expect(store.listGrants({ subject: alice })).toEqual([]);
  });
});

describe('grantsFor (§9.5 step 5)', () => {
  it('returns grants for the node and its groups, for that gateway only', () => {
    const direct = store.addGrant(grant(), t0);
    const viaGroup = store.addGrant(grant({ subject: 'group:ops', devices: 'fan-*' }), t0);
    store.addGrant(grant({ subject: 'group:other' }), t0);
    store.addGrant(grant({ gateway: gw2 }), t0);
    store.addGrant(grant({ subject: bob }), t0);
    const now = at('2025-03-02T00:00:00Z');
    expect(store.grantsFor(alice, gw, now).map((g) => g.id).sort()).toEqual([direct.id, viaGroup.id].sort());
    expect(store.grantsFor(bob, gw, now)).toHaveLength(1);
    store.setGroups(alice, []);
    expect(store.grantsFor(alice, gw, now)).toEqual([direct]);
    expect(store.grantsFor(randomUUID(), gw, now)).toEqual([]);
    expect(store.grantsFor('garbage', gw, now)).toEqual([]);
  });

  it('holds exactly inside [notBefore, notAfter): the edges, to the millisecond', () => {
    const g = store.addGrant(grant({ notBefore: '2025-03-01T09:00:00Z', notAfter: '2025-03-01T17:00:00Z' }), t0);
    const ids = (iso: string): string[] => store.grantsFor(alice, gw, at(iso)).map((x) => x.id);
    expect(ids('2025-03-01T08:59:59.999Z')).toEqual([]);
    expect(ids('2025-03-01T09:00:00.000Z')).toEqual([g.id]);
    expect(ids('2025-03-01T16:59:59.999Z')).toEqual([g.id]);
    expect(ids('2025-03-01T17:00:00.000Z')).toEqual([]);
  });

  it('treats an absent bound as open', () => {
    const from = store.addGrant(grant({ notBefore: '2025-03-01T09:00:00Z' }), t0);
    const until = store.addGrant(grant({ notAfter: '2025-03-01T09:00:00Z' }), t0);
    const ids = (iso: string): string[] => store.grantsFor(alice, gw, at(iso)).map((x) => x.id);
    expect(ids('1999-01-01T00:00:00Z')).toEqual([until.id]);
    expect(ids('2999-01-01T00:00:00Z')).toEqual([from.id]);
  });
});
