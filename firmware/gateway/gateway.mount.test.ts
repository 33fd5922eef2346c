/**
 * Gateway.mount: a device the caller runs, served over PIA under the gateway's policy, audit
 * and metrics.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDevice } from '../../coap/test-support/index.js';
import { memoryGateway, type MemoryGateway } from './test-support/index.js';

let t: MemoryGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('Gateway.mount', () => {
  it('serves a device over PIA at the gateway address under its policy and audit; unmounted, it is gone', async () => {
    const g = (t = await memoryGateway());
    const extra = new FakeDevice({ name: 'bench-fan', clock: g.clock });
    const unmount = g.gateway.mount(extra, { port: 6000 });
    const alice = g.operator('alice', '2001:db8:99::1', { devices: 'bench-*', rights: ['read', 'control'] });
    const bob = g.operator('bob', '2001:db8:99::2', { devices: 'rack-*', rights: ['read'] });
    for (const op of [alice, bob]) {
      await g.settle(op.node.connect(g.pia));
      await g.settle(op.node.phase3Ready(g.pia));
    }
    const at = `coap://[${g.pia.address}]:6000/bench-fan`;
    expect((await g.settle(alice.client.put(`${at}/speed`, 70))).codeText).toBe('2.04');
    expect(extra.sets).toEqual([{ property: 'speed', value: 70 }]);
    expect(g.gateway.audit.tail(1)[0]).toMatchObject({ event: 'command', device: 'bench-fan', request: 'PUT /bench-fan/speed', result: 'ok', phase: 3, nodeId: alice.id });
    const refused = await g.settle(bob.client.get(`${at}/speed`));
    expect(refused.codeText).toBe('4.03');
    expect(refused.diagnostic).toMatch(/no grant with "read" on device "bench-fan"/);
    expect(g.gateway.audit.tail(1)[0]).toMatchObject({ event: 'refused', device: 'bench-fan', request: 'GET /bench-fan/speed', code: '4.03', nodeId: bob.id });
    expect(await g.gateway.metrics()).toContain('pia_gateway_coap_requests_total{transport="pia",code="2.04"} 1');

    unmount();
    expect((await g.settle(alice.client.get(`${at}/speed`))).codeText).toBe('4.04');
    await g.settle(g.gateway.close());
    expect(() => g.gateway.mount(new FakeDevice({ name: 'late' }), { port: 6001 })).toThrow(/the gateway is stopping/);
  });
});
