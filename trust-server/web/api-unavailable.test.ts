/** MyNet Manager when the store cannot be reached (StoreError 'unavailable'): 503 with the store's message, the session kept. */
import { afterEach, describe, expect, it } from 'vitest';
import { flakyStore, UNAVAILABLE_MESSAGE, type FlakyStore } from '../test-support/index.js';
import { startWebFixture, type WebFixture } from './test-support.js';

let f: WebFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('MyNet Manager API with its store out of reach', () => {
  it('answers 503 naming the database and the fix; once it is back, the same session works', async () => {
    let flaky: FlakyStore | undefined;
    const fx = await startWebFixture((s) => (flaky = flakyStore(s)).store);
    f = fx;
    if (flaky === undefined) throw new Error('the fixture did not wrap its store');
    const root = await fx.login('root');
    flaky.down.add('gatewayReport');
    const fleet = await fx.call('GET', '/api/fleet', { as: root });
    expect([fleet.status, fleet.json]).toEqual([503, { error: UNAVAILABLE_MESSAGE }]);
    flaky.transactionsDown = true;
    const grant = await fx.call('POST', '/api/grants', { as: root, body: { subject: fx.nodes.opA.id, gateway: fx.nodes.gwA.id, devices: ['door'], rights: ['read'] } });
    expect([grant.status, grant.json]).toEqual([503, { error: UNAVAILABLE_MESSAGE }]);
    flaky.down.clear();
    flaky.transactionsDown = false;
    expect((await fx.call('GET', '/api/fleet', { as: root })).status).toBe(200);
    expect((await fx.call('POST', '/api/grants', { as: root, body: { subject: fx.nodes.opA.id, gateway: fx.nodes.gwA.id, devices: ['door'], rights: ['read'] } })).status).toBe(201);
  });
});
