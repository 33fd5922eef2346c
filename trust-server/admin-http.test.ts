/** The admin API over HTTP, in-process: token, nodes (credential once), revocation, grants, audit, errors. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLoopback, startAdminHttp } from './admin-http.js';
import { AdminApi } from './admin-api.js';
import { startAdminFixture, SERVER, type AdminFixture } from './test-support/index.js';

let f: AdminFixture;
beforeEach(async () => {
  f = await startAdminFixture();
});
afterEach(() => f.close());

async function addNode(kind: string, label: string, groups?: string[]): Promise<{ id: string; key: string }> {
  const r = await f.call('POST', '/api/nodes', { kind, label, ...(groups === undefined ? {} : { groups }) });
  expect(r.status).toBe(201);
  const c = r.json.credential as { id: string; key: string };
  return { id: c.id, key: c.key };
}

describe('admin API: the bearer token', () => {
  it('refuses every endpoint without the token, or with a wrong one (401, WWW-Authenticate)', async () => {
    for (const [method, path] of [['GET', '/healthz'], ['GET', '/api/nodes'], ['POST', '/api/nodes'], ['GET', '/api/audit'], ['GET', '/nowhere']] as const) {
      const none = await f.call(method, path, undefined, '');
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(none.json.error).toMatch(/bearer token/);
      const wrong = await f.call(method, path, undefined, `${f.token.slice(0, -1)}x`);
      expect(wrong.status).toBe(401);
    }
    expect(f.audit.all()).toHaveLength(0);
    expect((await f.call('GET', '/healthz')).json).toMatchObject({ ok: true, server: SERVER, nodes: 0 });
  });

  it('is loopback-only unless allowed (the refusal names the flag)', async () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('::ffff:127.0.0.2')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('::')).toBe(false);
    expect(isLoopback('192.0.2.1')).toBe(false);
    const api = new AdminApi({ store: f.store, audit: f.audit, now: () => new Date(), random: (n) => new Uint8Array(n), server: SERVER });
    await expect(startAdminHttp({ address: '0.0.0.0', port: 0, token: f.token, api, log: () => undefined })).rejects.toThrow(/not a loopback address.*--allow-remote-admin/);
    const warnings: string[] = [];
    const open = await startAdminHttp({ address: '0.0.0.0', port: 0, token: f.token, api, allowRemote: true, log: (_l, m) => warnings.push(m) });
    expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(warnings.join()).toMatch(/non-loopback/);
    await open.close();
  });
});

describe('admin API: nodes', () => {
  it('POST /api/nodes returns the credential once; no later answer or audit record carries the key', async () => {
    const r = await f.call('POST', '/api/nodes', { kind: 'operator', label: 'alice', groups: ['ops'] });
    expect(r.status).toBe(201);
    const node = r.json.node as { id: string; kind: string; status: string; groups: string[] };
    const cred = r.json.credential as Record<string, unknown>;
    expect(node).toMatchObject({ kind: 'operator', label: 'alice', status: 'active', groups: ['ops'] });
    expect(cred).toMatchObject({ format: 'pia-credential', version: 1, id: node.id, kind: 'operator', label: 'alice', server: SERVER });
    const key = cred.key as string;
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(Buffer.from((await f.store.nodeKey(node.id)) ?? []).toString('base64')).toBe(key);

    const one = await f.call('GET', `/api/nodes/${node.id}`);
    const all = await f.call('GET', '/api/nodes');
    expect(one.json.node).toMatchObject({ id: node.id, label: 'alice' });
    expect((all.json.nodes as unknown[]).length).toBe(1);
    for (const text of [one.text, all.text, ...f.audit.lines]) {
      expect(text).not.toContain(key);
      expect(text).not.toMatch(/"key"/);
    }
    expect(f.audit.all().map((x) => [x.event, x.nodeId, x.by])).toEqual([['node-enrolled', node.id, 'admin']]);
  });

  it('bad input → 400 naming the field and the fix; unknown → 404', async () => {
    const cases: [unknown, RegExp][] = [
      [{ kind: 'server', label: 'x' }, /"kind" must be one of gateway, operator, station/],
      [{ label: 'x' }, /"kind" .*missing/],
      [{ kind: 'gateway' }, /"label" is missing/],
      [{ kind: 'gateway', label: 'x', groups: ['bad group'] }, /"groups": "bad group" is not a group name/],
      [{ kind: 'gateway', label: 'x', colour: 'red' }, /unknown field "colour"/],
      [[1, 2], /must be a JSON object/],
      ['{not json', /not valid JSON/],
    ];
    for (const [body, message] of cases) {
      const r = await f.call('POST', '/api/nodes', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error).toMatch(message);
    }
    expect((await f.call('GET', '/api/nodes/3f2504e0-4f89-41d3-9a0c-0305e82c3301')).status).toBe(404);
    expect((await f.call('GET', '/api/nodes/not-an-id')).json.error).toMatch(/"id" must be a node ID/);
    expect((await f.call('GET', '/api/nothing')).status).toBe(404);
    const wrongMethod = await f.call('DELETE', '/api/nodes');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
    expect(f.audit.all()).toHaveLength(0);
  });

  it('revoke: once audited, a second time changes nothing', async () => {
    const { id } = await addNode('gateway', 'rack1-gw');
    const first = await f.call('POST', `/api/nodes/${id}/revoke`);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ changed: true, node: { id, status: 'revoked' } });
    const again = await f.call('POST', `/api/nodes/${id}/revoke`);
    expect(again.json).toMatchObject({ changed: false, node: { status: 'revoked' } });
    expect(f.audit.all().map((r) => r.event)).toEqual(['node-enrolled', 'node-revoked']);
    expect((await f.call('POST', '/api/nodes/3f2504e0-4f89-41d3-9a0c-0305e82c3301/revoke')).status).toBe(404);
  });
});

describe('admin API: grants', () => {
  it('add, list, remove, each audited; validation names the field', async () => {
    const alice = await addNode('operator', 'alice');
    const gw = await addNode('gateway', 'rack1-gw');
    const body = { subject: alice.id, gateway: gw.id, devices: 'rack1-*', rights: ['read', 'call:unlock'], notAfter: '2999-01-01T00:00:00Z' };
    const added = await f.call('POST', '/api/grants', body);
    expect(added.status).toBe(201);
    const grant = added.json.grant as { id: string };
    expect(added.json.grant).toMatchObject({ subject: alice.id, gateway: gw.id, devices: 'rack1-*', rights: ['read', 'call:unlock'], notAfter: '2999-01-01T00:00:00.000Z' });
    const group = await f.call('POST', '/api/grants', { subject: 'group:ops', gateway: gw.id, devices: '*', rights: 'control' });
    expect(group.status).toBe(201);

    const list = await f.call('GET', '/api/grants');
    expect((list.json.grants as { id: string }[]).map((g) => g.id)).toContain(grant.id);
    expect((await f.call('GET', `/api/grants?subject=${alice.id}`)).json.grants).toHaveLength(1);

    const invalid: [Record<string, unknown>, RegExp][] = [
      [{ ...body, rights: ['write'] }, /"rights": "write" is not a right/],
      [{ ...body, rights: [] }, /"rights" must list at least one right/],
      [{ ...body, devices: 'a b' }, /"devices" must be a device name/],
      [{ ...body, subject: 'bob' }, /"subject" must be a node ID \(UUID\) or group:NAME/],
      [{ ...body, gateway: alice.id }, /"gateway": .* is a operator, not a gateway/],
      [{ ...body, subject: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' }, /"subject": no node .* is registered/],
      [{ ...body, notAfter: '2001-01-01T00:00:00Z' }, /"notAfter" .* is already past/],
      [{ ...body, notBefore: '2999-02-01T00:00:00Z' }, /"notAfter" .* must be later than "notBefore"/],
      [{ ...body, notAfter: 'tomorrow' }, /"notAfter" must be an ISO-8601 date/],
    ];
    for (const [b, message] of invalid) {
      const r = await f.call('POST', '/api/grants', b);
      expect(r.status, JSON.stringify(b)).toBe(400);
      expect(r.json.error).toMatch(message);
    }

    const removed = await f.call('DELETE', `/api/grants/${grant.id}`);
    expect(removed.status).toBe(200);
    expect((await f.call('DELETE', `/api/grants/${grant.id}`)).status).toBe(404);
    expect(f.audit.all().map((r) => r.event)).toEqual(['node-enrolled', 'node-enrolled', 'grant-added', 'grant-added', 'grant-removed']);
    expect(f.audit.all()[4]).toMatchObject({ grantId: grant.id, subject: alice.id });
  });

  it('a grant to a revoked node or on a revoked gateway is refused', async () => {
    const alice = await addNode('operator', 'alice');
    const gw = await addNode('gateway', 'gw');
    await f.call('POST', `/api/nodes/${gw.id}/revoke`);
    const r = await f.call('POST', '/api/grants', { subject: alice.id, gateway: gw.id, devices: '*', rights: ['read'] });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/"gateway": .* is revoked/);
  });
});

describe('admin API: audit', () => {
  it('GET /api/audit?tail=N and /api/audit/verify', async () => {
    await addNode('operator', 'a');
    await addNode('operator', 'b');
    await addNode('operator', 'c');
    const tail = await f.call('GET', '/api/audit?tail=2');
    expect((tail.json.records as { seq: number }[]).map((r) => r.seq)).toEqual([2, 3]);
    expect((await f.call('GET', '/api/audit?tail=0')).json.error).toMatch(/"tail" must be a whole number 1–1000/);
    expect((await f.call('GET', '/api/audit/verify')).json).toMatchObject({ ok: true, records: 3 });
    f.audit.lines[1] = (f.audit.lines[1] ?? '').replace('"b"', '"B"');
    expect((await f.call('GET', '/api/audit/verify')).json).toMatchObject({ ok: false, seq: 2, reason: 'hash-mismatch' });
  });
});
