/**
 * The same calls on both engines give the same answers, byte for byte: records (IDs, times as
 * ISO-8601 UTC text, groups, rights, owners, reports), orderings, and the errors for bad input
 * (kind, field and message). The store contract checks each engine against expectations;
 * this checks them against each other, on one script with the same randomness.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresInstance } from '../../common/test-support/index.js';
import { openPostgresStore } from './pg-store.js';
import { openSqliteStore } from './sqlite-store.js';
import { masterA } from './test-support.js';
import type { TrustStore } from './types.js';

let cluster: PostgresInstance;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster.stop();
});

/** Deterministic randomness: the same grant IDs and wrap nonces on both engines. */
function counterRandom(): (n: number) => Uint8Array {
  let i = 0;
  return (n) => Uint8Array.from({ length: n }, () => (i++ * 37 + 11) & 0xff);
}

const HASH = `scrypt$16$1$1$${Buffer.alloc(16, 1).toString('base64')}$${Buffer.alloc(32, 2).toString('base64')}`;
const ids = {
  gw: 'aaaaaaaa-0000-4000-8000-000000000001',
  alice: 'bbbbbbbb-0000-4000-8000-000000000002',
  bob: '0ccccccc-0000-4000-8000-000000000003',
  station: 'dddddddd-0000-4000-8000-000000000004',
};
const key = (b: number): Uint8Array => new Uint8Array(32).fill(b);
const t = (iso: string): Date => new Date(iso);

/** Every answer and every refusal of a fixed script, as plain data. */
async function script(store: TrustStore): Promise<unknown[]> {
  const out: unknown[] = [];
  const step = async (f: () => Promise<unknown>): Promise<void> => {
    try {
      out.push({ ok: await f() });
    } catch (err) {
      const e = err as { kind?: string; field?: string; message: string };
      out.push({ error: { kind: e.kind, field: e.field, message: e.message } });
    }
  };
  await step(() => store.addAccount({ name: 'olivia', role: 'owner', passwordHash: HASH }, t('2025-03-01T08:00:00Z')));
  await step(() => store.addNode({ id: ids.gw.toUpperCase(), kind: 'gateway', label: 'rack1-gw', key: key(1), owner: 'olivia' }, t('2025-03-01T08:00:01.5+01:00')));
  await step(() => store.addNode({ id: ids.alice, kind: 'operator', label: 'Älice ✓', key: key(2), groups: ['ops', 'night-shift', 'ops'] }, t('2025-03-01T08:00:02Z')));
  await step(() => store.addNode({ id: ids.bob, kind: 'operator', label: 'bob', key: key(3) }, t('2025-03-01T08:00:02Z')));
  await step(() => store.addNode({ id: ids.station, kind: 'station', label: 'line-1', key: key(4) }, t('2025-03-01T08:00:03Z')));
  await step(() => store.addNode({ id: ids.bob, kind: 'operator', label: 'again', key: key(5) }, t('2025-03-01T08:00:04Z')));
  await step(() => store.addNode({ id: 'nope', kind: 'operator', label: 'x', key: key(5) }, t('2025-03-01T08:00:04Z')));
  await step(() => store.addNode({ id: ids.station.replace('d', 'e'), kind: 'operator', label: 'x', key: key(5), owner: 'nobody' }, t('2025-03-01T08:00:04Z')));
  await step(() => store.addGrant({ subject: ids.alice, gateway: ids.gw, devices: 'fan-*', rights: ['read', 'control', 'read'], notBefore: '2025-03-01T09:00:00+02:00', notAfter: '2025-04-01T00:00:00Z' }, t('2025-03-01T08:01:00Z')));
  await step(() => store.addGrant({ subject: 'group:night-shift', gateway: ids.gw, devices: '*', rights: ['call:reset'] }, t('2025-03-01T08:01:00Z')));
  await step(() => store.addGrant({ subject: ids.bob, gateway: ids.alice, devices: '*', rights: ['read'] }, t('2025-03-01T08:01:00Z')));
  await step(() => store.addGrant({ subject: ids.bob, gateway: ids.gw, devices: '*', rights: ['write'] }, t('2025-03-01T08:01:00Z')));
  await step(() => store.recordEnrollment({ stationId: ids.station, requestKey: 'req-1', nodeId: ids.gw }));
  await step(() => store.recordEnrollment({ stationId: ids.station, requestKey: 'req-1', nodeId: ids.bob }));
  await step(() => store.recordGatewayReport({ gateway: ids.gw, firmware: '1.2.3', devices: [{ name: 'fan-1', kind: 'fan', status: 'degraded', detail: 'stalled' }, { name: 'th-1', kind: 'thermometer', status: 'ok' }], reportedAt: '2025-03-01T10:00:00+01:00' }));
  await step(() => store.recordGatewayReport({ gateway: ids.alice, firmware: '1', devices: [], reportedAt: '2025-03-01T10:00:00Z' }));
  await step(() => store.revokeNode(ids.bob, t('2025-03-02T00:00:00Z')));
  await step(() => store.touchNode(ids.alice, t('2025-03-02T00:00:01Z')));
  await step(() => store.setGroups(ids.bob, ['zeta', 'Alpha', 'beta']));
  await step(() => store.setAccountDisabled('olivia', true, t('2025-03-03T00:00:00Z')));
  await step(() => store.removeAccount('olivia'));
  await step(() => store.listNodes());
  await step(() => store.listGrants());
  await step(() => store.listGrants({ subject: 'group:night-shift' }));
  await step(() => store.grantsFor(ids.alice, ids.gw, t('2025-03-01T07:30:00Z')));
  await step(() => store.grantsFor(ids.alice, ids.gw, t('2025-03-15T00:00:00Z')));
  await step(() => store.findEnrollment(ids.station, 'req-1'));
  await step(() => store.gatewayReport(ids.gw));
  await step(() => store.listAccounts());
  await step(() => store.accountPasswordHash('olivia'));
  await step(async () => Buffer.from((await store.nodeKey(ids.gw)) ?? []).toString('hex'));
  return out;
}

describe('SQLite and PostgreSQL answer alike', () => {
  it('the same script gives the same records, orderings and errors', async () => {
    const sqlite = openSqliteStore({ path: ':memory:', masterKey: masterA(), random: counterRandom() });
    const postgres = await openPostgresStore({ url: await cluster.createDatabase('parity'), masterKey: masterA(), random: counterRandom() });
    try {
      const [a, b] = [await script(sqlite), await script(postgres)];
      expect(a.filter((r) => 'error' in (r as object)).length).toBeGreaterThanOrEqual(7);
      expect(b).toEqual(a);
      expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    } finally {
      await sqlite.close();
      await postgres.close();
    }
  });
});
