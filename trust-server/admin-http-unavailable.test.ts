/** The admin API when the store cannot be reached (StoreError 'unavailable'): 503 with the store's message, nothing audited. */
import { afterEach, describe, expect, it } from 'vitest';
import { flakyStore, startAdminFixture, UNAVAILABLE_MESSAGE, type AdminFixture, type FlakyStore } from './test-support/index.js';

let f: AdminFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

async function start(): Promise<{ f: AdminFixture; flaky: FlakyStore }> {
  let flaky: FlakyStore | undefined;
  f = await startAdminFixture(undefined, undefined, (s) => (flaky = flakyStore(s)).store);
  if (flaky === undefined) throw new Error('the fixture did not wrap its store');
  return { f, flaky };
}

describe('admin API with its store out of reach', () => {
  it('answers 503 with the message naming the database and the fix, for reads and changes, and audits nothing', async () => {
    const { f, flaky } = await start();
    flaky.down.add('listNodes');
    const list = await f.call('GET', '/api/nodes');
    expect([list.status, list.json]).toEqual([503, { error: UNAVAILABLE_MESSAGE }]);
    expect(list.headers.get('cache-control')).toBe('no-store');
    flaky.transactionsDown = true;
    const add = await f.call('POST', '/api/nodes', { kind: 'operator', label: 'alice' });
    expect([add.status, add.json]).toEqual([503, { error: UNAVAILABLE_MESSAGE }]);
    expect(JSON.stringify(add.json)).not.toContain('credential');
    expect(f.audit.all()).toEqual([]);

    flaky.down.clear();
    flaky.transactionsDown = false;
    expect((await f.call('POST', '/api/nodes', { kind: 'operator', label: 'alice' })).status).toBe(201);
    expect((await f.call('GET', '/api/nodes')).json.nodes).toHaveLength(1);
  });

  it('a change whose store call fails inside its transaction is 503 and leaves nothing behind', async () => {
    const { f, flaky } = await start();
    flaky.down.add('addAccount');
    const hash = `scrypt$16$1$1$${Buffer.alloc(16, 1).toString('base64')}$${Buffer.alloc(32, 2).toString('base64')}`;
    const r = await f.call('POST', '/api/accounts', { name: 'alice', role: 'owner', passwordHash: hash });
    expect([r.status, r.json]).toEqual([503, { error: UNAVAILABLE_MESSAGE }]);
    flaky.down.clear();
    expect(await f.store.listAccounts()).toEqual([]);
    expect(f.audit.all()).toEqual([]);
  });
});
