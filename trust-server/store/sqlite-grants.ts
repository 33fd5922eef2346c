/**
 * Grants (partner registrations, docs/protocol.md §9.6) and enrollment idempotency records
 * (§9.8) on SQLite.
 *
 * Must hold: `grantsFor` returns exactly the grants whose subject is the node or one of its
 * groups, whose gateway is the one asked, and whose window holds `now`:
 * notBefore ≤ now < notAfter (either bound absent = open). Times are stored in canonical
 * ISO-8601 UTC (validate.ts), so text comparison is time comparison.
 */
import type Database from 'better-sqlite3';
import { bothWays, canonicalNode, canonicalSubject, checkEnrollment, checkGrantNodes, checkNewGrant, enrollmentConflict, enrollmentNodeMissing, GRANT_COLUMNS } from './grant-rules.js';
import { StoreError } from './errors.js';
import { enrollmentRecord, grantRecord, type EnrollmentRow, type GrantRow } from './sqlite-rows.js';
import type { SynchronousOps } from './ops.js';
import type { EnrollmentRecord, GrantRecord, NewGrant, NodeRecord } from './types.js';
import { nodeIdText, nowText } from './validate.js';

export type GrantOps = Pick<SynchronousOps, 'addGrant' | 'removeGrant' | 'listGrants' | 'grantsFor' | 'grantsBetween' | 'findEnrollment' | 'recordEnrollment'>;

export function sqliteGrantOps(db: Database.Database, getNode: (id: string) => NodeRecord | undefined, newId: () => string): GrantOps {
  const insertGrant = db.prepare('INSERT INTO grants (id, subject, gateway, devices, rights, not_before, not_after, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const selectGrant = db.prepare<[string], GrantRow>(`SELECT ${GRANT_COLUMNS} FROM grants WHERE id = ?`);
  const deleteGrant = db.prepare('DELETE FROM grants WHERE id = ?');
  const listFiltered = db.prepare<{ subject: string | null; gateway: string | null }, GrantRow>(
    `SELECT ${GRANT_COLUMNS} FROM grants WHERE (:subject IS NULL OR subject = :subject) AND (:gateway IS NULL OR gateway = :gateway) ORDER BY created, id`,
  );
  const active = db.prepare<{ node: string; gateway: string; now: string }, GrantRow>(
    `SELECT ${GRANT_COLUMNS} FROM grants
       WHERE gateway = :gateway
         AND (subject = :node OR subject IN (SELECT 'group:' || group_name FROM node_groups WHERE node_id = :node))
         AND (not_before IS NULL OR not_before <= :now)
         AND (not_after IS NULL OR :now < not_after)
       ORDER BY created, id`,
  );
  const selectEnrollment = db.prepare<[string, string], EnrollmentRow>('SELECT station_id, request_key, node_id FROM enrollments WHERE station_id = ? AND request_key = ?');
  const insertEnrollment = db.prepare('INSERT INTO enrollments (station_id, request_key, node_id) VALUES (?, ?, ?)');

  const oneWay = (subjectId: string, gatewayId: string, now: Date): GrantRecord[] => {
    const node = canonicalNode(subjectId, 'subject');
    const gateway = canonicalNode(gatewayId, 'gateway');
    if (node === undefined || gateway === undefined) return [];
    return active.all({ node, gateway, now: nowText(now) }).map(grantRecord);
  };

  return {
    addGrant(grant: NewGrant, now: Date): GrantRecord {
      const g = checkNewGrant(grant, now);
      return db.transaction(() => {
        checkGrantNodes(g, g.subject.kind === 'node' ? getNode(g.subject.text) : undefined, getNode(g.gatewayId));
        const id = newId();
        insertGrant.run(id, g.subject.text, g.gatewayId, g.devices, g.rights, g.notBefore ?? null, g.notAfter ?? null, g.created);
        const row = selectGrant.get(id);
        if (row === undefined) throw new StoreError('corrupt', `grant ${id} vanished after insert`);
        return grantRecord(row);
      })();
    },

    removeGrant(id: string): boolean {
      return deleteGrant.run(id.toLowerCase()).changes > 0;
    },

    listGrants(filter: { subject?: string; gateway?: string } = {}): GrantRecord[] {
      const subject = filter.subject === undefined ? null : canonicalSubject(filter.subject);
      const gateway = filter.gateway === undefined ? null : nodeIdText(filter.gateway, 'gateway');
      return listFiltered.all({ subject, gateway }).map(grantRecord);
    },

    grantsFor(subjectId: string, gatewayId: string, now: Date): GrantRecord[] {
      return oneWay(subjectId, gatewayId, now);
    },

    grantsBetween(aId: string, bId: string, now: Date): GrantRecord[] {
      return bothWays(oneWay(aId, bId, now), oneWay(bId, aId, now));
    },

    findEnrollment(stationId: string, requestKey: string): EnrollmentRecord | undefined {
      const station = canonicalNode(stationId, 'stationId');
      const row = station === undefined ? undefined : selectEnrollment.get(station, requestKey);
      return row === undefined ? undefined : enrollmentRecord(row);
    },

    recordEnrollment(record: EnrollmentRecord): void {
      const checked = checkEnrollment(record);
      const { stationId, nodeId } = checked;
      db.transaction(() => {
        for (const [field, id] of [['stationId', stationId], ['nodeId', nodeId]] as const) {
          if (getNode(id) === undefined) throw enrollmentNodeMissing(field, id);
        }
        const existing = selectEnrollment.get(stationId, record.requestKey);
        if (existing === undefined) insertEnrollment.run(stationId, record.requestKey, nodeId);
        else if (existing.node_id !== nodeId) throw enrollmentConflict(checked, existing.node_id);
      })();
    },
  };
}
