/**
 * Grants (docs/protocol.md §9.6) and enrollment records (§9.8) on PostgreSQL, with the SQLite
 * engine's checks and errors (grant-rules.ts).
 *
 * Concurrency: a new grant locks its subject node and gateway FOR SHARE while it checks they
 * are active (a revocation waits for it, and the grant is then visible to whatever the
 * revocation does); a new enrollment record locks the station and the node the same way, and
 * two identical requests at once both succeed: the second's INSERT … ON CONFLICT DO NOTHING
 * waits for the first, then reads the row it committed and compares.
 *
 * Must hold: `grantsFor` returns exactly the grants whose subject is the node or one of its
 * groups, whose gateway is the one asked, and whose window holds `now` (notBefore ≤ now <
 * notAfter); the times are canonical text in the "C" collation, so text order is time order.
 */
import { bothWays, canonicalNode, canonicalSubject, checkEnrollment, checkGrantNodes, checkNewGrant, enrollmentConflict, enrollmentNodeMissing, GRANT_COLUMNS } from './grant-rules.js';
import { StoreError } from './errors.js';
import { readNode, shareNodes } from './pg-nodes.js';
import { prepared, type PgContext } from './pg-session.js';
import { enrollmentRecord, grantRecord, type EnrollmentRow, type GrantRow } from './sqlite-rows.js';
import type { EnrollmentRecord, GrantRecord, NewGrant, TrustStoreOps } from './types.js';
import { nodeIdText, nowText } from './validate.js';

export type PgGrantOps = Pick<TrustStoreOps, 'addGrant' | 'removeGrant' | 'listGrants' | 'grantsFor' | 'grantsBetween' | 'findEnrollment' | 'recordEnrollment'>;

/** The grants subject $1 (or one of its groups) holds on gateway $2, valid at $3. */
const ONE_WAY = (subject: string, gateway: string, way: number): string => `
  SELECT ${GRANT_COLUMNS}, ${way} AS way FROM grants
   WHERE gateway = ${gateway}
     AND (subject = ${subject} OR subject IN (SELECT 'group:' || group_name FROM node_groups WHERE node_id = ${subject}))
     AND (not_before IS NULL OR not_before <= $3)
     AND (not_after IS NULL OR $3 < not_after)`;
const GRANTS_FOR = `${ONE_WAY('$1', '$2', 0)} ORDER BY created, id`;
/** Both ways in one statement: $1 on $2 (way 0), then $2 on $1 (way 1), valid at $3; unordered. */
export const GRANTS_BOTH_WAYS = `${ONE_WAY('$1', '$2', 0)} UNION ALL ${ONE_WAY('$2', '$1', 1)}`;
const GRANTS_BETWEEN = `${GRANTS_BOTH_WAYS} ORDER BY way, created, id`;

const SELECT_ENROLLMENT = 'SELECT station_id, request_key, node_id FROM enrollments WHERE station_id = $1 AND request_key = $2';

export function pgGrantOps(ctx: PgContext, newId: () => string): PgGrantOps {
  return {
    addGrant(grant: NewGrant, now: Date): Promise<GrantRecord> {
      const g = checkNewGrant(grant, now);
      return ctx.atomic(async (q) => {
        await shareNodes(q, g.subject.kind === 'node' ? [g.subject.text, g.gatewayId] : [g.gatewayId]);
        const subject = g.subject.kind === 'node' ? await readNode(q, g.subject.text) : undefined;
        checkGrantNodes(g, subject, await readNode(q, g.gatewayId));
        const row = (
          await q.query<GrantRow>(prepared(
            `INSERT INTO grants (${GRANT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${GRANT_COLUMNS}`,
            [newId(), g.subject.text, g.gatewayId, g.devices, g.rights, g.notBefore ?? null, g.notAfter ?? null, g.created],
          ))
        ).rows[0];
        if (row === undefined) throw new StoreError('corrupt', 'a new grant vanished after insert');
        return grantRecord(row);
      });
    },

    async removeGrant(id: string): Promise<boolean> {
      return ((await ctx.q.query(prepared('DELETE FROM grants WHERE id = $1', [id.toLowerCase()]))).rowCount ?? 0) > 0;
    },

    async listGrants(filter: { subject?: string; gateway?: string } = {}): Promise<GrantRecord[]> {
      const subject = filter.subject === undefined ? null : canonicalSubject(filter.subject);
      const gateway = filter.gateway === undefined ? null : nodeIdText(filter.gateway, 'gateway');
      const rows = await ctx.q.query<GrantRow>(prepared(
        `SELECT ${GRANT_COLUMNS} FROM grants WHERE ($1::text IS NULL OR subject = $1) AND ($2::text IS NULL OR gateway = $2) ORDER BY created, id`,
        [subject, gateway],
      ));
      return rows.rows.map(grantRecord);
    },

    async grantsFor(subjectId: string, gatewayId: string, now: Date): Promise<GrantRecord[]> {
      const node = canonicalNode(subjectId, 'subject');
      const gateway = canonicalNode(gatewayId, 'gateway');
      if (node === undefined || gateway === undefined) return [];
      return (await ctx.q.query<GrantRow>(prepared(GRANTS_FOR, [node, gateway, nowText(now)]))).rows.map(grantRecord);
    },

    async grantsBetween(aId: string, bId: string, now: Date): Promise<GrantRecord[]> {
      const a = canonicalNode(aId, 'subject');
      const b = canonicalNode(bId, 'gateway');
      if (a === undefined || b === undefined) return [];
      const rows = (await ctx.q.query<GrantRow & { way: number }>(prepared(GRANTS_BETWEEN, [a, b, nowText(now)]))).rows;
      return bothWays(rows.filter((r) => r.way === 0).map(grantRecord), rows.filter((r) => r.way === 1).map(grantRecord));
    },

    async findEnrollment(stationId: string, requestKey: string): Promise<EnrollmentRecord | undefined> {
      const station = canonicalNode(stationId, 'stationId');
      if (station === undefined) return undefined;
      const row = (await ctx.q.query<EnrollmentRow>(prepared(SELECT_ENROLLMENT, [station, requestKey]))).rows[0];
      return row === undefined ? undefined : enrollmentRecord(row);
    },

    recordEnrollment(record: EnrollmentRecord): Promise<void> {
      const checked = checkEnrollment(record);
      return ctx.atomic(async (q) => {
        await shareNodes(q, [checked.stationId, checked.nodeId]);
        const present = new Set((await q.query<{ id: string }>(prepared('SELECT id FROM nodes WHERE id = ANY($1::text[])', [[checked.stationId, checked.nodeId]]))).rows.map((r) => r.id));
        for (const [field, id] of [['stationId', checked.stationId], ['nodeId', checked.nodeId]] as const) {
          if (!present.has(id)) throw enrollmentNodeMissing(field, id);
        }
        await q.query(prepared('INSERT INTO enrollments (station_id, request_key, node_id) VALUES ($1, $2, $3) ON CONFLICT (station_id, request_key) DO NOTHING', [checked.stationId, checked.requestKey, checked.nodeId]));
        const existing = (await q.query<EnrollmentRow>(prepared(SELECT_ENROLLMENT, [checked.stationId, checked.requestKey]))).rows[0];
        if (existing === undefined) throw new StoreError('corrupt', `station ${checked.stationId} request ${checked.requestKey}: the enrollment record vanished after insert`);
        if (existing.node_id !== checked.nodeId) throw enrollmentConflict(checked, existing.node_id);
      });
    },
  };
}
