import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWebFixture, type Login, type WebFixture } from './test-support.js';

let f: WebFixture;
let root: Login;
beforeEach(async () => {
  f = await startWebFixture();
  root = await f.login('root');
});
afterEach(() => f.close());

const snapshot = async (): Promise<unknown> => ({ nodes: await f.store.listNodes(), grants: await f.store.listGrants(), accounts: await f.store.listAccounts(), audit: f.audit.lines.length });

describe('MyNet Manager API security', () => {
  it('every change without the CSRF token (or with a wrong one) is refused with 403 and changes nothing', async () => {
    const { gwA, opA } = f.nodes;
    const changes: [string, string, unknown][] = [
      ['POST', '/api/nodes', { kind: 'operator', label: 'x' }],
      ['POST', `/api/nodes/${opA.id}/revoke`, undefined],
      ['POST', `/api/nodes/${gwA.id}/owner`, { owner: 'bob' }],
      ['POST', '/api/grants', { subject: opA.id, gateway: gwA.id, devices: ['door'], rights: ['read'] }],
      ['DELETE', `/api/grants/${f.grants.onA.id}`, undefined],
      ['POST', '/api/accounts', { name: 'eve', role: 'owner', password: 'long-enough-password' }],
      ['POST', '/api/accounts/alice/password', { password: 'another-long-password' }],
      ['POST', '/api/accounts/alice/disable', undefined],
      ['POST', '/api/accounts/alice/role', { role: 'admin' }],
      ['DELETE', '/api/accounts/bob', undefined],
      ['POST', '/logout', undefined],
    ];
    const before = await snapshot();
    for (const [method, path, body] of changes) {
      for (const csrf of [false, 'wrong-token'] as const) {
        const a = await f.call(method, path, { as: root, csrf, body });
        expect([method, path, a.status]).toEqual([method, path, 403]);
      }
    }
    expect(await snapshot()).toEqual(before);
    expect((await f.call('GET', '/api/me', { as: root })).status).toBe(200);
    // counted, and logged once a minute with the count (not audited: no intent is proven)
    expect(f.web.refusals.csrf).toBe(changes.length * 2);
    expect(f.logs.filter((l) => /refused changes without the session's CSRF token \(403\): 1 so far; nothing was changed/.test(l))).toHaveLength(1);
    expect(f.logs.filter((l) => l.includes('CSRF'))).toHaveLength(1);
  });

  it('a forged or expired session is 401 "Your session ended; log in again", and writes no audit record', async () => {
    const before = f.audit.lines.length;
    const forged = { cookie: 'mynet_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', csrf: root.csrf };
    for (const [m, p] of [['GET', '/api/fleet'], ['POST', '/api/nodes'], ['GET', '/api/unknown']] as const) {
      const a = await f.call(m, p, { as: forged, ...(m === 'POST' ? { body: { kind: 'operator', label: 'x' } } : {}) });
      expect([a.status, a.json.error]).toEqual([401, 'Your session ended; log in again']);
    }
    await f.clock.advance(15 * 60_000);
    expect((await f.call('GET', '/api/fleet', { as: root })).status).toBe(401);
    expect(f.audit.lines.length).toBe(before);
    expect(f.web.refusals.badSession).toBe(4);
    expect(f.logs.filter((l) => l.includes('session cookie that is forged or expired'))).toHaveLength(1);
    expect((await f.call('GET', '/api/fleet')).status).toBe(401); // no cookie at all: a page not logged in yet, not counted
    expect(f.web.refusals.badSession).toBe(4);
  });

  it('a body over 16 KiB is 413, unknown fields are 400 naming them, and nothing changes', async () => {
    const before = await snapshot();
    const big = await f.call('POST', '/api/nodes', { as: root, raw: JSON.stringify({ kind: 'operator', label: 'x', pad: 'x'.repeat(17 * 1024) }) });
    expect(big.status).toBe(413);
    const unknown = await f.call('POST', '/api/nodes', { as: root, body: { kind: 'operator', label: 'x', colour: 'red', size: 1 } });
    expect([unknown.status, unknown.json.error]).toEqual([400, expect.stringMatching(/unknown fields "colour", "size"; the fields are kind, label, owner, groups/)]);
    expect(f.web.refusals.oversized).toBe(1);
    expect(f.logs.filter((l) => l.includes('bodies over the size limit (413): 1 so far'))).toHaveLength(1);
    const bad = await f.call('POST', '/api/grants', { as: root, raw: '{not json' });
    expect(bad.status).toBe(400);
    expect(await snapshot()).toEqual(before);
  });

  it('login checks Origin: another site is 403, counted and not audited; the own origin logs in', async () => {
    const before = f.audit.lines.length;
    const cross = await f.call('POST', '/login', { body: { name: 'alice', password: 'correct-horse-battery' }, headers: { origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
    expect(cross.headers['set-cookie']).toBeUndefined();
    expect(f.web.refusals.crossOriginLogins).toBe(1);
    expect(f.audit.lines.length).toBe(before);
    const own = await f.call('POST', '/login', { body: { name: 'alice', password: 'correct-horse-battery' }, headers: { origin: f.url } });
    expect(own.status).toBe(200);
  });

  it('disabling an account ends its sessions and its login fails like a wrong password; enabling lets it in again', async () => {
    const alice = await f.login('alice');
    const d = await f.call('POST', '/api/accounts/alice/disable', { as: root });
    expect(d.json).toMatchObject({ changed: true, account: { disabled: true } });
    expect(f.audit.tail(1)[0]).toMatchObject({ event: 'account-disabled', target: 'alice', account: 'root', via: 'web' });
    expect((await f.call('GET', '/api/fleet', { as: alice })).status).toBe(401);
    const again = await f.call('POST', '/login', { body: { name: 'alice', password: 'correct-horse-battery' } });
    expect([again.status, again.json.error]).toEqual([401, 'wrong name or password']);
    await f.call('POST', '/api/accounts/alice/enable', { as: root });
    expect((await f.call('GET', '/api/fleet', { as: await f.login('alice') })).status).toBe(200);
  });

  it('the last active admin can be neither disabled, demoted nor removed', async () => {
    for (const [m, p, body] of [['POST', '/api/accounts/root/disable', undefined], ['POST', '/api/accounts/root/role', { role: 'owner' }], ['DELETE', '/api/accounts/root', undefined]] as const) {
      const a = await f.call(m, p, { as: root, body });
      expect([a.status, a.json.error]).toEqual([400, expect.stringMatching(/account "root" is the last active admin and cannot be (disabled|demoted|removed)/)]);
    }
    expect(await f.store.getAccount('root')).toMatchObject({ role: 'admin', disabled: false });
    const added = await f.call('POST', '/api/accounts', { as: root, body: { name: 'root2', role: 'admin', password: 'a-long-enough-password' } });
    expect(added.status).toBe(201);
    expect(JSON.stringify(f.audit.lines)).not.toContain('a-long-enough-password');
    expect((await f.call('POST', '/api/accounts/root/role', { as: root, body: { role: 'owner' } })).status).toBe(200);
    expect((await f.store.getAccount('root'))?.role).toBe('owner');
  });

  it('an account owning nodes is not removed: the refusal names the nodes and the fix', async () => {
    const a = await f.call('DELETE', '/api/accounts/alice', { as: root });
    expect([a.status, a.json.error]).toEqual([409, expect.stringContaining(`${f.nodes.gwA.id} (alice-gw)`)]);
  });

  it('paths with .. or encoded dots are 404 and logged at most once a minute', async () => {
    for (const p of ['/assets/../../etc/passwd', '/assets/%2e%2e/%2e%2e/etc/passwd', '/api/..%2f..%2fetc']) {
      expect((await f.call('GET', p)).status).toBe(404);
    }
    expect(f.web.refusals.traversal).toBe(3);
    expect(f.logs.filter((l) => l.includes('outside the page'))).toHaveLength(1);
  });
});
