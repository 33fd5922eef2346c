import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWebFixture, TICKET_S, type Login, type WebFixture } from './test-support.js';

let f: WebFixture;
let alice: Login;
let bob: Login;
let root: Login;
beforeEach(async () => {
  f = await startWebFixture();
  [alice, bob, root] = [await f.login('alice'), await f.login('bob'), await f.login('root')];
});
afterEach(() => f.close());

const ids = (list: unknown): string[] => (list as { id: string }[]).map((x) => x.id).sort();

describe('owner scoping, per endpoint: owner A vs owner B vs admin', () => {
  it('GET /api/fleet: each owner sees only their gateway, the admin both, with the report summary', async () => {
    const a = await f.call('GET', '/api/fleet', { as: alice });
    expect(ids(a.json.gateways)).toEqual([f.nodes.gwA.id]);
    expect((a.json.gateways as unknown[])[0]).toMatchObject({ label: 'alice-gw', owner: 'alice', status: 'active', online: true, firmware: 'a-1.0', devices: 2, health: { ok: 1, degraded: 0, failed: 1 }, lastPhase3: null });
    expect(ids((await f.call('GET', '/api/fleet', { as: bob })).json.gateways)).toEqual([f.nodes.gwB.id]);
    expect(ids((await f.call('GET', '/api/fleet', { as: root })).json.gateways)).toEqual([f.nodes.gwA.id, f.nodes.gwB.id].sort());
    await f.clock.advance(3 * 60_000 + 1);
    expect((await f.call('GET', '/api/fleet', { as: alice })).json.gateways).toMatchObject([{ online: false }]);
  });

  it('GET /api/nodes and /api/nodes/:id: another owner\'s node is 404, exactly as an unknown one', async () => {
    expect(ids((await f.call('GET', '/api/nodes', { as: alice })).json.nodes)).toEqual([f.nodes.gwA.id, f.nodes.opA.id].sort());
    expect(ids((await f.call('GET', '/api/nodes', { as: root })).json.nodes)).toHaveLength(4);
    const other = await f.call('GET', `/api/nodes/${f.nodes.gwB.id}`, { as: alice });
    const unknown = await f.call('GET', '/api/nodes/0b6c3c56-2f1e-4f6e-9c43-1d0f7d5e9a11', { as: alice });
    expect(other.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(other.json)).not.toContain('bob');
    const mine = await f.call('GET', `/api/nodes/${f.nodes.gwA.id}`, { as: alice });
    expect(mine.status).toBe(200);
    expect(mine.json.devices).toHaveLength(2);
    expect(ids(mine.json.grants)).toEqual([f.grants.onA.id]);
    expect((mine.json.audit as { event: string }[]).map((r) => r.event)).toContain('grant-added');
    expect((await f.call('GET', `/api/nodes/${f.nodes.gwB.id}`, { as: root })).status).toBe(200);
  });

  it('GET /api/grants: only grants on one\'s own gateways; filtering by another owner\'s gateway is 404', async () => {
    expect(ids((await f.call('GET', '/api/grants', { as: alice })).json.grants)).toEqual([f.grants.onA.id]);
    expect(ids((await f.call('GET', '/api/grants', { as: bob })).json.grants)).toEqual([f.grants.onB.id]);
    expect((await f.call('GET', '/api/grants', { as: root })).json.grants).toHaveLength(2);
    expect((await f.call('GET', `/api/grants?gateway=${f.nodes.gwB.id}`, { as: alice })).status).toBe(404);
  });

  it('GET /api/audit: an owner sees no record naming another owner\'s node or account', async () => {
    const a = await f.call('GET', '/api/audit?limit=500', { as: alice });
    const text = JSON.stringify(a.json.records);
    expect(a.json.records).not.toHaveLength(0);
    for (const id of [f.nodes.gwB.id, f.nodes.opB.id, f.grants.onB.id]) expect(text).not.toContain(id);
    expect(text).not.toContain('"bob"');
    expect(text).toContain(f.nodes.gwA.id);
    expect(a.json.verify).toMatchObject({ ok: true });
    const all = JSON.stringify((await f.call('GET', '/api/audit?limit=500', { as: root })).json.records);
    expect(all).toContain(f.nodes.gwB.id);
    const filtered = await f.call('GET', `/api/audit?event=grant-added&node=${f.nodes.gwB.id}`, { as: root });
    expect((filtered.json.records as { event: string; gateway: string }[]).map((r) => [r.event, r.gateway])).toEqual([['grant-added', f.nodes.gwB.id]]);
    expect((await f.call('GET', `/api/audit?node=${f.nodes.gwB.id}`, { as: alice })).json.records).toEqual([]);
    expect((await f.call('GET', '/api/audit?colour=red', { as: alice })).json.error).toMatch(/unknown query parameter "colour"/);
  });

  it('changes on another owner\'s things are 404 and change nothing', async () => {
    const before = { nodes: await f.store.listNodes(), grants: await f.store.listGrants(), audit: f.audit.lines.length };
    const refused = [
      await f.call('POST', `/api/nodes/${f.nodes.opB.id}/revoke`, { as: alice }),
      await f.call('DELETE', `/api/grants/${f.grants.onB.id}`, { as: alice }),
      await f.call('POST', '/api/grants', { as: alice, body: { subject: f.nodes.opA.id, gateway: f.nodes.gwB.id, devices: ['fan'], rights: ['read'] } }),
      await f.call('POST', '/api/grants', { as: alice, body: { subject: f.nodes.opB.id, gateway: f.nodes.gwA.id, devices: ['fan'], rights: ['read'] } }),
      await f.call('POST', `/api/nodes/${f.nodes.gwA.id}/owner`, { as: alice, body: { owner: 'alice' } }),
      await f.call('GET', '/api/accounts', { as: alice }),
      await f.call('POST', '/api/accounts', { as: alice, body: { name: 'eve', role: 'admin', password: 'long-enough-password' } }),
      await f.call('POST', '/api/accounts/bob/disable', { as: alice }),
      await f.call('DELETE', '/api/accounts/bob', { as: alice }),
    ];
    expect(refused.map((a) => a.status)).toEqual(refused.map(() => 404));
    expect({ nodes: await f.store.listNodes(), grants: await f.store.listGrants(), audit: f.audit.lines.length }).toEqual(before);
  });

  it('an owner enrolls an operator owned by themselves (credential once, QR, no-store, audited without the key), not a gateway', async () => {
    const a = await f.call('POST', '/api/nodes', { as: alice, body: { kind: 'operator', label: 'partner-phone' } });
    expect(a.status).toBe(201);
    expect(a.headers['cache-control']).toBe('no-store');
    const credential = a.json.credential as { id: string; key: string };
    expect(a.json.node).toMatchObject({ id: credential.id, owner: 'alice', kind: 'operator' });
    expect(String(a.json.qrSvg)).toMatch(/^<svg[^>]*>.*<\/svg>\s*$/s);
    const record = f.audit.tail(1)[0];
    expect(record).toMatchObject({ event: 'node-enrolled', nodeId: credential.id, owner: 'alice', account: 'alice', via: 'web' });
    expect(f.audit.lines.join("\n")).not.toContain(credential.key);
    expect(f.logs.join('\n')).not.toContain(credential.key);
    const gw = await f.call('POST', '/api/nodes', { as: alice, body: { kind: 'gateway', label: 'x' } });
    expect([gw.status, gw.json.error]).toEqual([400, expect.stringMatching(/an owner enrolls operator credentials only/)]);
    const forBob = await f.call('POST', '/api/nodes', { as: alice, body: { kind: 'operator', label: 'x', owner: 'bob' } });
    expect(forBob.status).toBe(400);
    expect((await f.call('POST', '/api/nodes', { as: root, body: { kind: 'gateway', label: 'new-gw', owner: 'bob' } })).json.node).toMatchObject({ owner: 'bob' });
  });

  it('an owner adds grants on their gateway for their operator (one per device name), removes one, and revokes their node; both say how soon', async () => {
    const add = await f.call('POST', '/api/grants', { as: alice, body: { subject: f.nodes.opA.id, gateway: f.nodes.gwA.id, devices: ['fan', 'door'], rights: ['read', 'control'], notAfter: '2030-01-01T00:00:00Z' } });
    expect(add.status).toBe(201);
    const added = add.json.grants as { id: string; devices: string }[];
    expect(added.map((g) => g.devices)).toEqual(['fan', 'door']);
    expect(f.audit.tail(1000).filter((r) => r.event === 'grant-added' && r.account === 'alice' && r.via === 'web')).toHaveLength(2);
    const removed = await f.call('DELETE', `/api/grants/${added[0]?.id ?? ''}`, { as: alice });
    expect(removed.json).toMatchObject({ effectWithinS: TICKET_S, effect: `existing associations keep it for at most ${TICKET_S} s (the ticket lifetime)` });
    const revoked = await f.call('POST', `/api/nodes/${f.nodes.opA.id}/revoke`, { as: alice });
    expect(revoked.json).toMatchObject({ changed: true, effectWithinS: TICKET_S, node: { status: 'revoked' } });
    expect(f.audit.tail(1)[0]).toMatchObject({ event: 'node-revoked', account: 'alice', via: 'web' });
  });

  it('the admin sets a node\'s owner, and the new owner sees it at once', async () => {
    const a = await f.call('POST', `/api/nodes/${f.nodes.gwB.id}/owner`, { as: root, body: { owner: 'alice' } });
    expect(a.json.node).toMatchObject({ owner: 'alice' });
    expect(f.audit.tail(1)[0]).toMatchObject({ event: 'node-owner-changed', owner: 'alice', previousOwner: 'bob', account: 'root', via: 'web' });
    expect(ids((await f.call('GET', '/api/fleet', { as: alice })).json.gateways)).toEqual([f.nodes.gwA.id, f.nodes.gwB.id].sort());
    expect((await f.call('GET', '/api/fleet', { as: bob })).json.gateways).toEqual([]);
    expect((await f.call('POST', `/api/nodes/${f.nodes.gwB.id}/owner`, { as: root, body: { owner: 'nobody' } })).status).toBe(400);
  });
});
