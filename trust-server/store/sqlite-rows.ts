/**
 * Rows of the SQLite schema (migrations.ts) and their mapping to the store's records. Column
 * names are snake_case in SQL, camelCase in records; absent times are NULL / undefined.
 */
import type { EnrollmentRecord, GrantRecord, NodeRecord, NodeStatus } from './types.js';
import type { NodeKind } from '../../pia/phase3/index.js';

export interface NodeRow {
  readonly id: string;
  readonly kind: NodeKind;
  readonly label: string;
  readonly status: NodeStatus;
  readonly created: string;
  readonly last_seen: string | null;
  readonly revoked_at: string | null;
  readonly owner: string | null;
}

export interface GrantRow {
  readonly id: string;
  readonly subject: string;
  readonly gateway: string;
  readonly devices: string;
  /** JSON array of strings. */
  readonly rights: string;
  readonly not_before: string | null;
  readonly not_after: string | null;
  readonly created: string;
}

export interface EnrollmentRow {
  readonly station_id: string;
  readonly request_key: string;
  readonly node_id: string;
}

export const NODE_COLUMNS = 'id, kind, label, status, created, last_seen, revoked_at, owner';

export function nodeRecord(row: NodeRow, groups: readonly string[]): NodeRecord {
  return {
    id: row.id,
    kind: row.kind,
    label: row.label,
    status: row.status,
    created: row.created,
    lastSeen: row.last_seen ?? undefined,
    revokedAt: row.revoked_at ?? undefined,
    groups: [...groups].sort(),
    owner: row.owner ?? undefined,
  };
}

export function grantRecord(row: GrantRow): GrantRecord {
  return {
    id: row.id,
    subject: row.subject,
    gateway: row.gateway,
    devices: row.devices,
    rights: JSON.parse(row.rights) as string[],
    notBefore: row.not_before ?? undefined,
    notAfter: row.not_after ?? undefined,
    created: row.created,
  };
}

export function enrollmentRecord(row: EnrollmentRow): EnrollmentRecord {
  return { requestKey: row.request_key, stationId: row.station_id, nodeId: row.node_id };
}
