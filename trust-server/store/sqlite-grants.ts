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
import { StoreError } from './errors.js';
import { enrollmentRecord, grantRecord, type EnrollmentRow, type GrantRow } from './sqlite-rows.js';
import type { SynchronousOps } from './ops.js';
import type { EnrollmentRecord, GrantRecord, NewGrant, NodeRecord } from './types.js';
import { deviceSelector, nodeIdText, nowText, rights as checkRights, subjectText, validityWindow } from './validate.js';

export type GrantOps = Pick<SynchronousOps, 'addGrant' | 'removeGrant' | 'listGrants' | 'grantsFor' | 'findEnrollment' | 'recordEnrollment'>;

const GRANT_COLUMNS = 'id, subject, gateway, devices, rights, not_before, not_after, created';

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

  const activeNode = (id: string, field: string, role: string): NodeRecord => {
    const node = getNode(id);
    if (node === undefined) throw new StoreError('invalid', `${field} ${id} is not a registered node; register the ${role} first (or check the ID)`, field);
    if (node.status === 'revoked') throw new StoreError('invalid', `${field} ${id} ("${node.label}") is revoked, so a grant to it would never apply`, field);
    return node;
  };
  const canonicalSubject = (subject: string): string => subjectText(subject).text;
  const canonicalNode = (id: string, field: string): string | undefined => {
    try {
      return nodeIdText(id, field);
    } catch {
      return undefined;
    }
  };

  return {
    addGrant(grant: NewGrant, now: Date): GrantRecord {
      const subject = subjectText(grant.subject);
      const gatewayId = nodeIdText(grant.gateway, 'gateway');
      const devices = deviceSelector(grant.devices);
      const rightList = checkRights(grant.rights);
      const { notBefore, notAfter } = validityWindow(grant.notBefore, grant.notAfter);
      const created = nowText(now);
      return db.transaction(() => {
        if (subject.kind === 'node') activeNode(subject.text, 'subject', 'operator');
        const gateway = activeNode(gatewayId, 'gateway', 'gateway');
        if (gateway.kind !== 'gateway') throw new StoreError('invalid', `gateway ${gatewayId} ("${gateway.label}") is a node of kind ${gateway.kind}, not a gateway; give a gateway's node ID`, 'gateway');
        const id = newId();
        insertGrant.run(id, subject.text, gatewayId, devices, JSON.stringify(rightList), notBefore ?? null, notAfter ?? null, created);
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
      const node = canonicalNode(subjectId, 'subject');
      const gateway = canonicalNode(gatewayId, 'gateway');
      if (node === undefined || gateway === undefined) return [];
      return active.all({ node, gateway, now: nowText(now) }).map(grantRecord);
    },

    findEnrollment(stationId: string, requestKey: string): EnrollmentRecord | undefined {
      const station = canonicalNode(stationId, 'stationId');
      const row = station === undefined ? undefined : selectEnrollment.get(station, requestKey);
      return row === undefined ? undefined : enrollmentRecord(row);
    },

    recordEnrollment(record: EnrollmentRecord): void {
      const stationId = nodeIdText(record.stationId, 'stationId');
      const nodeId = nodeIdText(record.nodeId, 'nodeId');
      if (record.requestKey.length === 0 || record.requestKey.length > 128) throw new StoreError('invalid', 'requestKey must be 1–128 characters (the station’s requestId, or the node ID)', 'requestKey');
      db.transaction(() => {
        for (const [field, id] of [['stationId', stationId], ['nodeId', nodeId]] as const) {
          if (getNode(id) === undefined) throw new StoreError('not-found', `${field} ${id} is not a registered node; an enrollment record names registered nodes only`);
        }
        const existing = selectEnrollment.get(stationId, record.requestKey);
        if (existing === undefined) insertEnrollment.run(stationId, record.requestKey, nodeId);
        else if (existing.node_id !== nodeId) {
          throw new StoreError('conflict', `station ${stationId} request ${record.requestKey} already enrolled node ${existing.node_id}, not ${nodeId}; a retry must repeat the same request`);
        }
      })();
    },
  };
}
