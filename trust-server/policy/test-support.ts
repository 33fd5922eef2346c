/** Test helpers for the policy tests (not exported from an index): a small fleet's state. */
import type { AccountRecord, GrantRecord, NodeRecord } from '../store/index.js';
import type { PolicyState } from './state.js';

const CREATED = '2026-01-01T00:00:00.000Z';

export function node(id: string, kind: NodeRecord['kind'], label: string, o: { groups?: string[]; owner?: string; revoked?: boolean } = {}): NodeRecord {
  return {
    id,
    kind,
    label,
    status: o.revoked === true ? 'revoked' : 'active',
    created: CREATED,
    lastSeen: undefined,
    revokedAt: o.revoked === true ? CREATED : undefined,
    groups: o.groups ?? [],
    owner: o.owner,
  };
}

export function storedGrant(id: string, g: Omit<GrantRecord, 'id' | 'created' | 'notBefore' | 'notAfter'> & { notBefore?: string; notAfter?: string }): GrantRecord {
  return { id, created: CREATED, notBefore: g.notBefore, notAfter: g.notAfter, subject: g.subject, gateway: g.gateway, devices: g.devices, rights: g.rights };
}

export function account(name: string): AccountRecord {
  return { name, role: 'owner', created: CREATED, updated: CREATED, disabled: false };
}

/** IDs of a building: two gateways, three operators (one revoked), the server. */
export const ID = {
  building: '11111111-1111-4111-8111-111111111111',
  rack: '22222222-2222-4222-8222-222222222222',
  alice: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
  bob: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
  mallory: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc',
  server: 'dddddddd-dddd-4ddd-8ddd-dddddddddddd',
} as const;

export function buildingState(): PolicyState {
  return {
    nodes: [
      node(ID.building, 'gateway', 'building-a'),
      node(ID.rack, 'gateway', 'rack-1'),
      node(ID.alice, 'operator', 'alice-phone', { groups: ['night-shift'], owner: 'alice' }),
      node(ID.bob, 'operator', 'bob-laptop'),
      node(ID.mallory, 'operator', 'mallory', { revoked: true, groups: ['night-shift'] }),
      node(ID.server, 'server', 'trust'),
    ],
    grants: [
      storedGrant('g1', { subject: 'group:night-shift', gateway: ID.building, devices: 'lobby-*', rights: ['read', 'call:snapshot'] }),
      storedGrant('g2', { subject: ID.bob, gateway: ID.rack, devices: '*', rights: ['control'] }),
    ],
    accounts: [account('alice'), account('bob')],
  };
}
