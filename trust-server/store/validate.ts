/**
 * Checks on what enters the store (docs/protocol.md §9.1, §9.6). Each failure is a StoreError
 * "invalid" naming the field, the problem and the fix; values are normalized (IDs lower-case,
 * times as ISO-8601 UTC with milliseconds) so that stored text compares correctly.
 */
import { StoreError } from './errors.js';
import type { NodeKind } from '../../pia/phase3/index.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const SELECTOR = /^[A-Za-z0-9._*-]{1,64}$/;
const CALL = /^call:[A-Za-z0-9._-]{1,64}$/;
const NODE_KINDS: readonly NodeKind[] = ['gateway', 'operator', 'station', 'server'];
export const GROUP_PREFIX = 'group:';

const invalid = (field: string, message: string): StoreError => new StoreError('invalid', message, field);

/** A node ID in canonical text (lower-case UUID, not the all-zero "any"). */
export function nodeIdText(id: string, field = 'id'): string {
  const lower = id.toLowerCase();
  if (!UUID.test(lower)) throw invalid(field, `${field} ${JSON.stringify(id)} is not a node ID: write it as a UUID (8-4-4-4-12 hex digits, e.g. 3f2504e0-4f89-41d3-9a0c-0305e82c3301)`);
  if (lower === NIL_UUID) throw invalid(field, `${field} is the all-zero ID, which means "any" (§9.1) and cannot name a node; use a random UUID`);
  return lower;
}

/** The 16 bytes of a UUID text (checked). */
export function uuidBytes(id: string): Buffer {
  return Buffer.from(nodeIdText(id).replaceAll('-', ''), 'hex');
}

export function nodeKind(kind: string, field = 'kind'): NodeKind {
  const found = NODE_KINDS.find((k) => k === kind);
  if (found === undefined) throw invalid(field, `${field} ${JSON.stringify(kind)} is not a node kind; use one of ${NODE_KINDS.join(', ')}`);
  return found;
}

export function label(text: string, field = 'label'): string {
  if (text.trim() === '' || text.length > 64 || /\p{Cc}/u.test(text)) throw invalid(field, `${field} must be 1–64 characters without control characters (e.g. "alice" or "rack1-gw")`);
  return text;
}

export function groupName(name: string, field = 'groups'): string {
  if (!NAME.test(name)) throw invalid(field, `${field}: group name ${JSON.stringify(name)} must be 1–64 of A–Z a–z 0–9 . _ - (e.g. "night-shift")`);
  return name;
}

export function groupNames(names: readonly string[], field = 'groups'): string[] {
  return [...new Set(names.map((n, i) => groupName(n, `${field}[${i}]`)))];
}

/** "group:<name>" stays as is; anything else must be a node ID. */
export function subjectText(subject: string): { readonly kind: 'group'; readonly text: string } | { readonly kind: 'node'; readonly text: string } {
  if (subject.startsWith(GROUP_PREFIX)) return { kind: 'group', text: GROUP_PREFIX + groupName(subject.slice(GROUP_PREFIX.length), 'subject') };
  if (!UUID.test(subject.toLowerCase())) throw invalid('subject', `subject ${JSON.stringify(subject)} is neither a node ID (a UUID) nor a group ("group:<name>"); give the operator's node ID or group:<name>`);
  return { kind: 'node', text: nodeIdText(subject, 'subject') };
}

export function deviceSelector(devices: string): string {
  if (!SELECTOR.test(devices)) throw invalid('devices', `devices ${JSON.stringify(devices)} is not a device selector: use a device name, a glob with * ("rack1-*") or "*", 1–64 of A–Z a–z 0–9 . _ * -`);
  return devices;
}

export function rights(list: readonly string[]): string[] {
  if (list.length === 0) throw invalid('rights', 'rights is empty; give at least one of "read", "control", "call:<name>"');
  list.forEach((r, i) => {
    if (r !== 'read' && r !== 'control' && !CALL.test(r)) throw invalid(`rights[${i}]`, `rights[${i}] ${JSON.stringify(r)} is not a right; use "read", "control" or "call:<command>" (command: A–Z a–z 0–9 . _ -)`);
  });
  return [...new Set(list)];
}

/** ISO-8601 text to canonical `toISOString()` form (years 0000–9999). */
export function isoTime(text: string, field: string): string {
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) throw invalid(field, `${field} ${JSON.stringify(text)} is not an ISO-8601 time; write e.g. 2025-03-01T08:00:00Z`);
  const iso = new Date(ms).toISOString();
  if (!/^\d{4}-/.test(iso)) throw invalid(field, `${field} ${JSON.stringify(text)} is outside years 0000–9999`);
  return iso;
}

export function validityWindow(notBefore: string | undefined, notAfter: string | undefined): { notBefore: string | undefined; notAfter: string | undefined } {
  const nb = notBefore === undefined ? undefined : isoTime(notBefore, 'notBefore');
  const na = notAfter === undefined ? undefined : isoTime(notAfter, 'notAfter');
  if (nb !== undefined && na !== undefined && !(nb < na)) throw invalid('notAfter', `notAfter (${na}) must be later than notBefore (${nb}); the grant would never be valid`);
  return { notBefore: nb, notAfter: na };
}

/** A `now` given to the store as canonical text. */
export function nowText(now: Date): string {
  if (!Number.isFinite(now.getTime())) throw invalid('now', 'the clock gave an invalid date');
  return now.toISOString();
}

/** A random UUID (RFC 9562 §5.4 layout) from 16 random bytes: grant IDs. */
export function uuidV4(bytes: Uint8Array): string {
  const b = Buffer.from(bytes);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
