/**
 * The admin API tells the revocation notifier what it withdrew (docs/protocol.md §9.11), once the
 * change committed: a revoked node, a removed grant with its gateway, the grants a policy apply
 * removed and the nodes it took out of a group; nothing for a revoke that changed nothing, and nothing when the caller runs the
 * operation inside its own transaction (it calls after its commit).
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryAuditLog, fromSyncAuditLog } from '../common/audit/index.js';
import { AdminApi } from './admin-api.js';
import type { Withdrawal } from './revocations/index.js';
import { MasterKey, openSqliteStore, type TrustStore } from './store/index.js';
import { SERVER } from './test-support/index.js';

let store: TrustStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

function setup(): { api: AdminApi; told: Withdrawal[]; st: TrustStore; add: (kind: string, label: string) => Promise<string> } {
  const st = openSqliteStore({ path: ':memory:', masterKey: MasterKey.fromBytes(randomBytes(32)) });
  store = st;
  const told: Withdrawal[] = [];
  const api = new AdminApi({ store: st, audit: fromSyncAuditLog(createMemoryAuditLog({ now: () => new Date() })), now: () => new Date(), random: (n) => new Uint8Array(randomBytes(n)), server: SERVER, accessWithdrawn: (w) => void told.push(w) });
  const add = async (kind: string, label: string): Promise<string> => ((await api.addNode({ kind, label })).body.node as { id: string }).id;
  return { api, told, st, add };
}

describe('the admin API and revocation notices (§9.11)', () => {
  it('a revoke and a grant removal are told after they commit; a repeated revoke is not', async () => {
    const { api, told, add } = setup();
    const gw = await add('gateway', 'gw');
    const op = await add('operator', 'op');
    const grant = ((await api.addGrant({ subject: op, gateway: gw, devices: '*', rights: ['read'] })).body.grant as { id: string }).id;
    await api.removeGrant(grant);
    await api.revokeNode(op);
    await api.revokeNode(op); // already revoked: changed nothing
    expect(told).toEqual([{ grants: [{ id: grant, gateway: gw }] }, { nodes: [op] }]);
  });

  it('inside a caller’s own transaction nothing is told (the caller does, after its commit)', async () => {
    const { api, told, st, add } = setup();
    const op = await add('operator', 'op');
    await st.transaction((tx) => api.revokeNode(op, undefined, tx));
    expect(told).toEqual([]);
  });

  it('the grants a policy apply removed are told with their gateway', async () => {
    const { api, told, add } = setup();
    const gw = await add('gateway', 'gw');
    const op = await add('operator', 'op');
    const old = ((await api.addGrant({ subject: op, gateway: gw, devices: '*', rights: ['control'] })).body.grant as { id: string }).id;
    const answer = await api.applyPolicy({ policy: `grants:\n  - subject: ${op}\n    gateway: ${gw}\n    devices: lobby-*\n    rights: [read]\n` });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(told).toEqual([{ grants: [{ id: old, gateway: gw }], nodes: [] }]);
  });

  it('a node a policy apply takes out of a group is told (its associations are re-checked); one only added to a group is not', async () => {
    const { api, told, add } = setup();
    const gw = await add('gateway', 'gw');
    const leaving = ((await api.addNode({ kind: 'operator', label: 'leaving', groups: ['ops'] })).body.node as { id: string }).id;
    const joining = await add('operator', 'joining');
    const grant = `grants:\n  - subject: group:ops\n    gateway: ${gw}\n    devices: "*"\n    rights: [read]\n`;
    expect((await api.applyPolicy({ policy: `groups:\n  ops: [${leaving}]\n${grant}` })).status).toBe(200);
    expect(told).toEqual([]); // the group grant added, nobody left a group: nothing withdrawn
    expect((await api.applyPolicy({ policy: `groups:\n  ops: [${joining}]\n${grant}` })).status).toBe(200);
    expect(told).toEqual([{ grants: [], nodes: [leaving] }]);
  });
});
