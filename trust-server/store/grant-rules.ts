/**
 * Grants (docs/protocol.md §9.6) and enrollment records (§9.8), whatever the engine
 * (sqlite-grants.ts, pg-grants.ts): the checks on what enters and the errors both give.
 *
 * Must hold: a grant names an active subject node (or a group) and an active gateway of kind
 * gateway; its window is canonical ISO-8601 UTC (validate.ts), so text comparison is time
 * comparison in either engine (PostgreSQL's columns use the "C" collation for that).
 */
import { StoreError } from './errors.js';
import type { EnrollmentRecord, NewGrant, NodeRecord } from './types.js';
import { deviceSelector, nodeIdText, nowText, rights as checkRights, subjectText, validityWindow } from './validate.js';

export const GRANT_COLUMNS = 'id, subject, gateway, devices, rights, not_before, not_after, created';

/** `grantsBetween`'s answer: the grants one way, then those the other way, each grant once. */
export function bothWays<G extends { readonly id: string }>(there: readonly G[], back: readonly G[]): G[] {
  const seen = new Set<string>();
  return [...there, ...back].filter((g) => !seen.has(g.id) && seen.add(g.id) !== undefined);
}

export interface CheckedGrant {
  readonly subject: ReturnType<typeof subjectText>;
  readonly gatewayId: string;
  readonly devices: string;
  /** JSON array text, as stored. */
  readonly rights: string;
  readonly notBefore: string | undefined;
  readonly notAfter: string | undefined;
  readonly created: string;
}

export function checkNewGrant(grant: NewGrant, now: Date): CheckedGrant {
  const subject = subjectText(grant.subject);
  const gatewayId = nodeIdText(grant.gateway, 'gateway');
  const devices = deviceSelector(grant.devices);
  const rightList = checkRights(grant.rights);
  const { notBefore, notAfter } = validityWindow(grant.notBefore, grant.notAfter);
  return { subject, gatewayId, devices, rights: JSON.stringify(rightList), notBefore, notAfter, created: nowText(now) };
}

/** The grant's subject node (when it names a node) and gateway, as looked up: both active, the gateway a gateway. */
export function checkGrantNodes(grant: CheckedGrant, subject: NodeRecord | undefined, gateway: NodeRecord | undefined): void {
  if (grant.subject.kind === 'node') activeNode(subject, grant.subject.text, 'subject', 'operator');
  const gw = activeNode(gateway, grant.gatewayId, 'gateway', 'gateway');
  if (gw.kind !== 'gateway') throw new StoreError('invalid', `gateway ${grant.gatewayId} ("${gw.label}") is a node of kind ${gw.kind}, not a gateway; give a gateway's node ID`, 'gateway');
}

function activeNode(node: NodeRecord | undefined, id: string, field: string, role: string): NodeRecord {
  if (node === undefined) throw new StoreError('invalid', `${field} ${id} is not a registered node; register the ${role} first (or check the ID)`, field);
  if (node.status === 'revoked') throw new StoreError('invalid', `${field} ${id} ("${node.label}") is revoked, so a grant to it would never apply`, field);
  return node;
}

/** A lookup's node ID in canonical form, or undefined (garbage finds nothing). */
export function canonicalNode(id: string, field: string): string | undefined {
  try {
    return nodeIdText(id, field);
  } catch {
    return undefined;
  }
}

export const canonicalSubject = (subject: string): string => subjectText(subject).text;

export function checkEnrollment(record: EnrollmentRecord): EnrollmentRecord {
  const stationId = nodeIdText(record.stationId, 'stationId');
  const nodeId = nodeIdText(record.nodeId, 'nodeId');
  if (record.requestKey.length === 0 || record.requestKey.length > 128) throw new StoreError('invalid', 'requestKey must be 1–128 characters (the station’s requestId, or the node ID)', 'requestKey');
  return { stationId, nodeId, requestKey: record.requestKey };
}

export const enrollmentNodeMissing = (field: string, id: string): StoreError =>
  new StoreError('not-found', `${field} ${id} is not a registered node; an enrollment record names registered nodes only`);

export const enrollmentConflict = (record: EnrollmentRecord, existingNodeId: string): StoreError =>
  new StoreError('conflict', `station ${record.stationId} request ${record.requestKey} already enrolled node ${existingNodeId}, not ${record.nodeId}; a retry must repeat the same request`);
