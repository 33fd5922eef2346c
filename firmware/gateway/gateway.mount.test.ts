/**
 * Gateway.mount (a device the caller runs, served over PIA under the gateway's policy, audit
 * and metrics), and a start that fails late: what the earlier steps opened is closed, the last
 * first.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDevice } from '../../coap/test-support/index.js';
import { GatewayStartError } from './identity.js';
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

describe('a start that fails late', () => {
  it("admin port taken: rejects naming it, after closing what the earlier steps opened, the last first (the gateway's own address before the devices')", async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const commands: string[] = [];
    const exec = (cmd: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      commands.push(`${cmd} ${args.join(' ')}`);
      return Promise.resolve({ code: 0, stdout: '', stderr: '' });
    };
    try {
      const outcome = await memoryGateway({ addressing: 'add-addresses', settleStart: true, options: { exec, adminListen: { address: '127.0.0.1', port } } }).then(
        async (g) => (await g.close(), undefined),
        (e: unknown) => e,
      );
      expect(outcome).toBeInstanceOf(GatewayStartError);
      expect((outcome as Error).message).toMatch(new RegExp(`^admin HTTP: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`));
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
    const added = commands.filter((c) => c.includes(' addr add ')).map((c) => c.split(' ')[4]);
    const removed = commands.filter((c) => c.includes(' addr del ')).map((c) => c.split(' ')[4]);
    expect(added).toHaveLength(11); // ten devices, then the gateway's own address
    expect(removed).toEqual([added[10], ...added.slice(0, 10)]); // the last step opened is closed first
  });
});
