import { describe, expect, it } from 'vitest';
import { openSqliteStore } from './sqlite-store.js';
import { at, masterA, newNode } from './test-support.js';

const HASH = `scrypt$16$1$1$${Buffer.alloc(16, 1).toString('base64')}$${Buffer.alloc(32, 2).toString('base64')}`;
const NOW = at('2025-01-01T00:00:00Z');
const open = (): ReturnType<typeof openSqliteStore> => {
  const s = openSqliteStore({ path: ':memory:', masterKey: masterA() });
  s.addAccount({ name: 'alice', role: 'owner', passwordHash: HASH }, NOW);
  s.addAccount({ name: 'bob', role: 'owner', passwordHash: HASH }, NOW);
  s.addAccount({ name: 'root', role: 'admin', passwordHash: HASH }, NOW);
  return s;
};

describe('node owners', () => {
  it('adds a node with an owner, changes and clears it; the listing carries it', () => {
    const s = open();
    const gw = s.addNode({ ...newNode('gateway', 'gw'), owner: 'alice' }, NOW);
    expect(gw.owner).toBe('alice');
    expect(s.setOwner(gw.id, 'bob').owner).toBe('bob');
    expect(s.listNodes().find((n) => n.id === gw.id)?.owner).toBe('bob');
    expect(s.setOwner(gw.id, undefined).owner).toBeUndefined();
    expect(s.addNode(newNode('operator', 'op'), NOW).owner).toBeUndefined();
    s.close();
  });

  it('refuses an owner that is not an account, and adds nothing', () => {
    const s = open();
    const n = newNode('gateway', 'gw');
    expect(() => s.addNode({ ...n, owner: 'mallory' }, NOW)).toThrow(expect.objectContaining({ kind: 'invalid', field: 'owner', message: expect.stringMatching(/there is no account "mallory"; add it first/) as unknown }));
    expect(s.getNode(n.id)).toBeUndefined();
    const gw = s.addNode(n, NOW);
    expect(() => s.setOwner(gw.id, 'mallory')).toThrow(/no account "mallory"/);
    expect(s.getNode(gw.id)?.owner).toBeUndefined();
    expect(() => s.setOwner('3f2504e0-4f89-41d3-9a0c-0305e82c3301', 'alice')).toThrow(expect.objectContaining({ kind: 'not-found' }));
    s.close();
  });

  it('refuses to remove an account that owns nodes, naming them and the fix; removes it once they are reassigned', () => {
    const s = open();
    const gw = s.addNode({ ...newNode('gateway', 'rack1-gw'), owner: 'alice' }, NOW);
    expect(() => s.removeAccount('alice')).toThrow(
      expect.objectContaining({ kind: 'conflict', message: expect.stringContaining(`account "alice" owns 1 node(s): ${gw.id} (rack1-gw); give each another owner or none first (pia-trust node owner ID ACCOUNT|--none)`) as unknown }),
    );
    expect(s.getAccount('alice')).toBeDefined();
    s.setOwner(gw.id, 'bob');
    expect(s.removeAccount('alice')).toBe(true);
    s.close();
  });
});

describe('account disable and role', () => {
  it('disables and enables an account, changes its role, and refuses unknown accounts', () => {
    const s = open();
    expect(s.setAccountDisabled('alice', true, at('2025-01-02T00:00:00Z'))).toMatchObject({ disabled: true, updated: '2025-01-02T00:00:00.000Z' });
    expect(s.getAccount('alice')?.disabled).toBe(true);
    expect(s.setAccountDisabled('alice', false, NOW).disabled).toBe(false);
    expect(s.setAccountRole('alice', 'admin', NOW).role).toBe('admin');
    expect(() => s.setAccountRole('alice', 'root' as 'admin', NOW)).toThrow(/role "root" is not a role/);
    expect(() => s.setAccountDisabled('nobody', true, NOW)).toThrow(expect.objectContaining({ kind: 'not-found' }));
    expect(() => s.setAccountRole('nobody', 'owner', NOW)).toThrow(expect.objectContaining({ kind: 'not-found' }));
    s.close();
  });
});

describe('gateway reports', () => {
  const devices = [
    { name: 'rack1-fan', kind: 'fan', status: 'ok' as const },
    { name: 'door', kind: 'door-lock', status: 'failed' as const, detail: 'no answer on the bus' },
  ];

  it('keeps the last report of a gateway, replacing the one before', () => {
    const s = open();
    const gw = s.addNode(newNode('gateway', 'gw'), NOW);
    expect(s.gatewayReport(gw.id)).toBeUndefined();
    s.recordGatewayReport({ gateway: gw.id, firmware: '1.0.0', devices, reportedAt: '2025-01-01T00:00:00Z' });
    expect(s.gatewayReport(gw.id)).toEqual({ gateway: gw.id, firmware: '1.0.0', devices, reportedAt: '2025-01-01T00:00:00.000Z' });
    s.recordGatewayReport({ gateway: gw.id.toUpperCase(), firmware: '1.1.0', devices: devices.slice(0, 1), reportedAt: '2025-01-01T00:05:00Z' });
    expect(s.gatewayReport(gw.id)).toEqual({ gateway: gw.id, firmware: '1.1.0', devices: devices.slice(0, 1), reportedAt: '2025-01-01T00:05:00.000Z' });
    expect(s.gatewayReport('not-an-id')).toBeUndefined();
    s.close();
  });

  it('refuses a report from an unknown node, a non-gateway, or with bad devices, keeping the previous one', () => {
    const s = open();
    const gw = s.addNode(newNode('gateway', 'gw'), NOW);
    const op = s.addNode(newNode('operator', 'op'), NOW);
    const good = { gateway: gw.id, firmware: '1.0.0', devices, reportedAt: '2025-01-01T00:00:00Z' };
    s.recordGatewayReport(good);
    expect(() => s.recordGatewayReport({ ...good, gateway: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' })).toThrow(expect.objectContaining({ kind: 'not-found' }));
    expect(() => s.recordGatewayReport({ ...good, gateway: op.id })).toThrow(/is a operator, not a gateway/);
    const bad: [unknown, RegExp][] = [
      [[{ name: 'a b', kind: 'fan', status: 'ok' }], /devices\[0\]\.name must be a device name/],
      [[{ name: 'a', kind: 'fan', status: 'fine' }], /devices\[0\]\.status must be one of ok, degraded, failed/],
      [[{ name: 'a', kind: 'fan', status: 'ok' }, { name: 'a', kind: 'fan', status: 'ok' }], /"a" appears twice/],
      [[{ name: 'a', kind: 'fan', status: 'ok', detail: 'x'.repeat(201) }], /detail must be text of at most 200/],
      [Array.from({ length: 257 }, (_, i) => ({ name: `d${i}`, kind: 'fan', status: 'ok' })), /at most 256/],
      ['nope', /devices must be a list/],
    ];
    for (const [list, message] of bad) expect(() => s.recordGatewayReport({ ...good, devices: list as typeof devices, firmware: '2.0' })).toThrow(message);
    expect(() => s.recordGatewayReport({ ...good, firmware: 'x'.repeat(65) })).toThrow(/firmware must be text of at most 64/);
    expect(s.gatewayReport(gw.id)?.firmware).toBe('1.0.0');
    s.close();
  });
});
