/**
 * The admin API routes MyNet Manager added, over HTTP in-process: a node's owner (on
 * POST /api/nodes and POST /api/nodes/:id/owner), accounts disabled, enabled and given a role
 * (the last active admin kept), each change audited with `by: 'admin'` and each refusal
 * writing nothing; and the revoke / grant-removal answers naming the server's ticket lifetime.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { countingHasher } from './accounts/test-support.js';
import { startAdminFixture, type AdminFixture } from './test-support/index.js';

const UNKNOWN_NODE = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const hasher = countingHasher().hasher;

let f: AdminFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

async function fixture(ticketLifetimeS?: number): Promise<AdminFixture> {
  f = await startAdminFixture(() => new Date(), ticketLifetimeS);
  return f;
}

async function account(fx: AdminFixture, name: string, role: 'admin' | 'owner'): Promise<void> {
  const r = await fx.call('POST', '/api/accounts', { name, role, passwordHash: await hasher.hash(`${name}-passphrase-long`) });
  expect(r.status, r.text).toBe(201);
}

async function node(fx: AdminFixture, body: Record<string, unknown>): Promise<{ id: string; owner?: string }> {
  const r = await fx.call('POST', '/api/nodes', body);
  expect(r.status, r.text).toBe(201);
  return r.json.node as { id: string; owner?: string };
}

/** The audit records after the setup's account-added and node-enrolled ones. */
const changes = (fx: AdminFixture): Record<string, unknown>[] => fx.audit.all().filter((r) => r.event !== 'account-added' && r.event !== 'node-enrolled');

describe('admin API: node owners', () => {
  it('POST /api/nodes with an owner: recorded and audited; an unknown account → 400 naming it, nothing made', async () => {
    const fx = await fixture();
    await account(fx, 'alice', 'owner');
    const gw = await node(fx, { kind: 'gateway', label: 'rack1-gw', owner: 'alice' });
    expect(gw.owner).toBe('alice');
    expect((await fx.store.getNode(gw.id))?.owner).toBe('alice');
    expect(fx.audit.all().at(-1)).toMatchObject({ event: 'node-enrolled', nodeId: gw.id, owner: 'alice', by: 'admin' });
    expect(((await fx.call('GET', `/api/nodes/${gw.id}`)).json.node as { owner?: string }).owner).toBe('alice');

    const before = fx.audit.all().length;
    const unknown = await fx.call('POST', '/api/nodes', { kind: 'operator', label: 'laptop', owner: 'nobody' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatch(/there is no account "nobody"; add it first \(pia-trust user add NAME --role owner\) or name an existing one/);
    const malformed = await fx.call('POST', '/api/nodes', { kind: 'operator', label: 'laptop', owner: 'Not An Account' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toMatch(/"owner" must be an account name \(1–64 of a-z 0-9 \. _ -\) or null for no owner/);
    expect((await fx.store.listNodes()).map((n) => n.label)).toEqual(['rack1-gw']);
    expect(fx.audit.all()).toHaveLength(before);
  });

  it('POST /api/nodes/:id/owner moves a node to another owner and to none, each audited with both owners and by: admin', async () => {
    const fx = await fixture();
    await account(fx, 'alice', 'owner');
    await account(fx, 'bob', 'owner');
    const gw = await node(fx, { kind: 'gateway', label: 'rack1-gw', owner: 'alice' });
    const toBob = await fx.call('POST', `/api/nodes/${gw.id}/owner`, { owner: 'bob' });
    expect(toBob.status).toBe(200);
    expect(toBob.json.node).toMatchObject({ id: gw.id, owner: 'bob' });
    const none = await fx.call('POST', `/api/nodes/${gw.id}/owner`, { owner: null });
    expect(none.status).toBe(200);
    expect((none.json.node as { owner?: string }).owner).toBeUndefined();
    expect((await fx.store.getNode(gw.id))?.owner).toBeUndefined();
    expect(changes(fx).map((r) => [r.event, r.nodeId, r.owner, r.previousOwner, r.by])).toEqual([
      ['node-owner-changed', gw.id, 'bob', 'alice', 'admin'],
      ['node-owner-changed', gw.id, null, 'bob', 'admin'],
    ]);
  });

  it('an account that owns nodes is not removed (409 naming the node and the fix) until its nodes have another owner or none', async () => {
    const fx = await fixture();
    await account(fx, 'alice', 'owner');
    const gw = await node(fx, { kind: 'gateway', label: 'rack1-gw', owner: 'alice' });
    const refused = await fx.call('DELETE', '/api/accounts/alice');
    expect(refused.status).toBe(409);
    expect(refused.json.error).toContain(gw.id);
    expect(refused.json.error).toMatch(/give each another owner or none first \(pia-trust node owner ID ACCOUNT\|--none\), then remove the account/);
    expect(await fx.store.getAccount('alice')).toBeDefined();
    expect((await fx.call('POST', `/api/nodes/${gw.id}/owner`, { owner: null })).status).toBe(200);
    expect((await fx.call('DELETE', '/api/accounts/alice')).json).toMatchObject({ removed: { name: 'alice' } });
    expect(changes(fx).map((r) => [r.event, r.by])).toEqual([['node-owner-changed', 'admin'], ['account-removed', 'admin']]);
  });

  it('POST /api/nodes/:id/owner refusals name the field or the node and the fix; none is audited', async () => {
    const fx = await fixture();
    await account(fx, 'alice', 'owner');
    const gw = await node(fx, { kind: 'gateway', label: 'gw' });
    const server = await fx.store.addNode({ id: '5e5e5e5e-0000-4000-8000-000000000005', kind: 'server', label: 'trusted server', key: randomBytes(32) }, new Date());
    const cases: [string, unknown, number, RegExp][] = [
      [gw.id, {}, 400, /"owner" is missing; send \{"owner": "alice"\} or \{"owner": null\} for no owner/],
      [gw.id, { owner: 'alice', colour: 'red' }, 400, /unknown field "colour"; the fields are owner/],
      [gw.id, { owner: 42 }, 400, /"owner" must be an account name/],
      [gw.id, { owner: 'nobody' }, 400, /there is no account "nobody"/],
      [gw.id, [1], 400, /the body must be a JSON object/],
      [gw.id, undefined, 400, /the body is empty; send a JSON object/],
      [server.id, { owner: 'alice' }, 400, /is this trusted server's own identity; it has no owner/],
      [UNKNOWN_NODE, { owner: 'alice' }, 404, /no node 3f2504e0-4f89-41d3-9a0c-0305e82c3301 is registered; 'pia-trust node list' shows the nodes/],
      ['not-an-id', { owner: 'alice' }, 400, /"id" must be a node ID/],
    ];
    for (const [id, body, status, message] of cases) {
      const r = await fx.call('POST', `/api/nodes/${id}/owner`, body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.json.error, JSON.stringify(body)).toMatch(message);
    }
    const get = await fx.call('GET', `/api/nodes/${gw.id}/owner`);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await fx.store.getNode(gw.id))?.owner).toBeUndefined();
    expect(changes(fx)).toEqual([]);
  });
});

describe('admin API: accounts disabled, enabled, given a role', () => {
  it('disable, enable and role: changed once (audited by admin), a repeat answers changed: false and writes nothing', async () => {
    const fx = await fixture();
    await account(fx, 'ops', 'admin');
    await account(fx, 'alice', 'owner');
    const disabled = await fx.call('POST', '/api/accounts/alice/disable');
    expect([disabled.status, disabled.json]).toEqual([200, expect.objectContaining({ changed: true, account: expect.objectContaining({ name: 'alice', disabled: true }) as unknown })]);
    expect((await fx.call('POST', '/api/accounts/alice/disable')).json.changed).toBe(false);
    expect((await fx.call('POST', '/api/accounts/alice/enable')).json).toMatchObject({ changed: true, account: { disabled: false } });
    expect((await fx.call('POST', '/api/accounts/alice/enable')).json.changed).toBe(false);
    expect((await fx.call('POST', '/api/accounts/alice/role', { role: 'admin' })).json).toMatchObject({ changed: true, account: { name: 'alice', role: 'admin' } });
    expect((await fx.call('POST', '/api/accounts/alice/role', { role: 'admin' })).json.changed).toBe(false);
    expect(await fx.store.getAccount('alice')).toMatchObject({ role: 'admin', disabled: false });
    expect(changes(fx).map((r) => [r.event, r.account, r.role, r.by])).toEqual([
      ['account-disabled', 'alice', 'owner', 'admin'],
      ['account-enabled', 'alice', 'owner', 'admin'],
      ['account-role-changed', 'alice', 'admin', 'admin'],
    ]);
    expect(changes(fx)[2]).toMatchObject({ previousRole: 'owner' });
    expect(fx.audit.lines.join('\n')).not.toContain('scrypt');
  });

  it('the last active admin can be neither removed, disabled nor demoted (400 with the fix); another active admin lifts it', async () => {
    const fx = await fixture();
    await account(fx, 'ops', 'admin');
    await account(fx, 'spare', 'admin');
    expect((await fx.call('POST', '/api/accounts/spare/disable')).status).toBe(200);
    const refusals: [string, string, unknown, string][] = [
      ['DELETE', '/api/accounts/ops', undefined, 'removed'],
      ['POST', '/api/accounts/ops/disable', undefined, 'disabled'],
      ['POST', '/api/accounts/ops/role', { role: 'owner' }, 'demoted'],
    ];
    const before = fx.audit.all().length;
    for (const [method, path, body, what] of refusals) {
      const r = await fx.call(method, path, body);
      expect(r.status, path).toBe(400);
      expect(r.json.error).toBe(`account "ops" is the last active admin and cannot be ${what}: nobody could manage the accounts then; add or enable another admin first (pia-trust user add NAME --role admin …)`);
    }
    expect(await fx.store.getAccount('ops')).toMatchObject({ role: 'admin', disabled: false });
    expect(fx.audit.all()).toHaveLength(before);

    expect((await fx.call('POST', '/api/accounts/spare/enable')).status).toBe(200);
    expect((await fx.call('POST', '/api/accounts/ops/role', { role: 'owner' })).json).toMatchObject({ changed: true, account: { role: 'owner' } });
    // Now spare is the last active admin.
    expect((await fx.call('POST', '/api/accounts/spare/disable')).json.error).toMatch(/account "spare" is the last active admin and cannot be disabled/);
  });

  it('refusals: an unknown account → 404, a bad role body → 400 naming the field; nothing audited', async () => {
    const fx = await fixture();
    await account(fx, 'alice', 'owner');
    for (const path of ['/api/accounts/bob/disable', '/api/accounts/bob/enable']) {
      const r = await fx.call('POST', path);
      expect([r.status, r.json.error]).toEqual([404, `no account "bob"; 'pia-trust user list' shows the accounts`]);
    }
    expect((await fx.call('POST', '/api/accounts/bob/role', { role: 'admin' })).status).toBe(404);
    const cases: [unknown, RegExp][] = [
      [{ role: 'root' }, /"role": "root" is not a role; send "admin" or "owner"/],
      [{}, /"role" is missing or not a string/],
      [{ role: 'admin', disabled: true }, /unknown field "disabled"; the fields are role/],
      ['[]', /the body must be a JSON object, e\.g\. \{"role": "owner"\}/],
    ];
    for (const [body, message] of cases) {
      const r = await fx.call('POST', '/api/accounts/alice/role', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error).toMatch(message);
    }
    expect((await fx.call('GET', '/api/accounts/alice/disable')).status).toBe(405);
    expect(await fx.store.getAccount('alice')).toMatchObject({ role: 'owner', disabled: false });
    expect(changes(fx)).toEqual([]);
  });
});

describe("admin API: revoke and grant removal name the server's ticket lifetime", () => {
  for (const lifetime of [undefined, 30] as const) {
    const s = lifetime ?? 600;
    it(`with ${lifetime === undefined ? 'the default' : `--ticket-lifetime ${s}`}: effectWithinS ${s} and the effect text; health names it`, async () => {
      const fx = await fixture(lifetime);
      expect((await fx.call('GET', '/healthz')).json.ticketLifetimeS).toBe(s);
      const op = await node(fx, { kind: 'operator', label: 'alice' });
      const gw = await node(fx, { kind: 'gateway', label: 'gw' });
      const grant = (await fx.call('POST', '/api/grants', { subject: op.id, gateway: gw.id, devices: '*', rights: ['read'] })).json.grant as { id: string };
      const text = `existing associations keep it for at most ${s} s (the ticket lifetime)`;
      const removed = await fx.call('DELETE', `/api/grants/${grant.id}`);
      expect(removed.json).toMatchObject({ removed: { id: grant.id }, effectWithinS: s, effect: text });
      const revoked = await fx.call('POST', `/api/nodes/${op.id}/revoke`);
      expect(revoked.json).toMatchObject({ changed: true, effectWithinS: s, effect: text });
      expect((await fx.call('POST', `/api/nodes/${op.id}/revoke`)).json).toMatchObject({ changed: false, effectWithinS: s });
    });
  }
});
