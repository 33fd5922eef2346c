/** Contract: gateway reports (§9.9), one per gateway, replaced by each, on any engine. */
import { describe, expect, it } from 'vitest';
import { at, newNode } from '../test-support.js';
import type { Contract } from './context.js';

const NOW = at('2025-01-01T00:00:00Z');
const devices = [
  { name: 'rack1-fan', kind: 'fan', status: 'ok' as const },
  { name: 'door', kind: 'door-lock', status: 'failed' as const, detail: 'no answer on the bus' },
];

export function reportContract(c: Contract): void {
  describe('gateway reports', () => {
    it('keeps the last report of a gateway, replacing the one before', async () => {
      const s = await c.fresh();
      const gw = await s.addNode(newNode('gateway', 'gw'), NOW);
      expect(await s.gatewayReport(gw.id)).toBeUndefined();
      await s.recordGatewayReport({ gateway: gw.id, firmware: '1.0.0', devices, reportedAt: '2025-01-01T00:00:00Z' });
      expect(await s.gatewayReport(gw.id)).toEqual({ gateway: gw.id, firmware: '1.0.0', devices, reportedAt: '2025-01-01T00:00:00.000Z' });
      await s.recordGatewayReport({ gateway: gw.id.toUpperCase(), firmware: '1.1.0', devices: devices.slice(0, 1), reportedAt: '2025-01-01T00:05:00Z' });
      expect(await s.gatewayReport(gw.id)).toEqual({ gateway: gw.id, firmware: '1.1.0', devices: devices.slice(0, 1), reportedAt: '2025-01-01T00:05:00.000Z' });
      expect(await s.gatewayReport('not-an-id')).toBeUndefined();
    });

    it('refuses a report from an unknown node, a non-gateway, or with bad devices, keeping the previous one', async () => {
      const s = await c.fresh();
      const gw = await s.addNode(newNode('gateway', 'gw'), NOW);
      const op = await s.addNode(newNode('operator', 'op'), NOW);
      const good = { gateway: gw.id, firmware: '1.0.0', devices, reportedAt: '2025-01-01T00:00:00Z' };
      await s.recordGatewayReport(good);
      await expect(s.recordGatewayReport({ ...good, gateway: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' })).rejects.toThrow(expect.objectContaining({ kind: 'not-found' }));
      await expect(s.recordGatewayReport({ ...good, gateway: op.id })).rejects.toThrow(/is a operator, not a gateway/);
      const bad: [unknown, RegExp][] = [
        [[{ name: 'a b', kind: 'fan', status: 'ok' }], /devices\[0\]\.name must be a device name/],
        [[{ name: 'a', kind: 'fan', status: 'fine' }], /devices\[0\]\.status must be one of ok, degraded, failed/],
        [[{ name: 'a', kind: 'fan', status: 'ok' }, { name: 'a', kind: 'fan', status: 'ok' }], /"a" appears twice/],
        [[{ name: 'a', kind: 'fan', status: 'ok', detail: 'x'.repeat(201) }], /detail must be text of at most 200/],
        [Array.from({ length: 257 }, (_, i) => ({ name: `d${i}`, kind: 'fan', status: 'ok' })), /at most 256/],
        ['nope', /devices must be a list/],
      ];
      for (const [list, message] of bad) await expect(s.recordGatewayReport({ ...good, devices: list as typeof devices, firmware: '2.0' })).rejects.toThrow(message);
      await expect(s.recordGatewayReport({ ...good, firmware: 'x'.repeat(65) })).rejects.toThrow(/firmware must be text of at most 64/);
      expect((await s.gatewayReport(gw.id))?.firmware).toBe('1.0.0');
    });
  });
}
