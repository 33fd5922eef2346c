/**
 * What the admin API accepts (docs/protocol.md §9.1, §9.6), checked field by field. A refusal
 * names the field, what is wrong and what to send instead: the API answers it as 400.
 */
import type { NodeKind } from '../pia/phase3/index.js';
import type { NewGrant } from './store/types.js';
import { canonicalNodeId } from './node-ids.js';

export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Kinds an administrator may add (the server's own identity is made at first start). */
export const ADDABLE_KINDS: readonly NodeKind[] = ['gateway', 'operator', 'station'];
const GROUP = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
/** §9.6 selector: a device name, a glob with `*`, or `*`. */
const SELECTOR = /^[A-Za-z0-9._*-]{1,64}$/;
const CALL = /^call:[A-Za-z0-9._-]{1,32}$/;
const MAX_GROUPS = 16;
const MAX_RIGHTS = 16;
const MAX_LABEL = 64;

export interface NodeInput {
  readonly kind: NodeKind;
  readonly label: string;
  readonly groups: readonly string[];
  /** The owning account's name (the store checks that it exists). */
  readonly owner?: string;
}

const ACCOUNT = /^[a-z0-9._-]{1,64}$/;

export type GrantInput = NewGrant;

function object(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InputError('the body must be a JSON object, e.g. {"kind": "operator", "label": "alice"}');
  return body as Record<string, unknown>;
}

function only(o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new InputError(`unknown field "${k}"; the fields are ${allowed.join(', ')}`);
}

export function label(value: unknown, field = 'label'): string {
  if (typeof value !== 'string' || value.trim() === '') throw new InputError(`"${field}" is missing; give a name people recognise, e.g. "alice" or "rack1-gw"`);
  // eslint-disable-next-line no-control-regex
  if (value.length > MAX_LABEL || /[\u0000-\u001f\u007f]/.test(value)) throw new InputError(`"${field}" must be 1–${MAX_LABEL} printable characters`);
  return value;
}

export function groups(value: unknown): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? (value as unknown[]) : typeof value === 'string' ? value.split(',') : undefined;
  if (list === undefined) throw new InputError('"groups" must be a list of group names, e.g. ["ops", "night-shift"]');
  if (list.length > MAX_GROUPS) throw new InputError(`"groups" lists ${list.length} groups; at most ${MAX_GROUPS}`);
  const out: string[] = [];
  for (const g of list) {
    if (typeof g !== 'string' || !GROUP.test(g)) throw new InputError(`"groups": ${JSON.stringify(g)} is not a group name; use letters, digits, '.', '_' and '-' (1–32, starting with a letter or digit)`);
    if (!out.includes(g)) out.push(g);
  }
  return out;
}

export function nodeInput(body: unknown, allowed: readonly string[] = ['kind', 'label', 'groups', 'owner']): NodeInput {
  const o = object(body);
  only(o, allowed);
  const kind = ADDABLE_KINDS.find((k) => k === o.kind);
  if (kind === undefined) throw new InputError(`"kind" must be one of ${ADDABLE_KINDS.join(', ')}${o.kind === undefined ? ' (it is missing)' : `, not ${JSON.stringify(o.kind)}`}`);
  const owner = ownerInput(o.owner);
  return { kind, label: label(o.label), groups: groups(o.groups), ...(owner === undefined ? {} : { owner }) };
}

/** An account name for a node's owner; undefined or null: no owner. */
export function ownerInput(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !ACCOUNT.test(value)) throw new InputError('"owner" must be an account name (1–64 of a-z 0-9 . _ -) or null for no owner; \'pia-trust user list\' shows the accounts');
  return value;
}

/** The body of POST /api/nodes/:id/owner: {"owner": NAME | null}. */
export function ownerBody(body: unknown): string | undefined {
  const o = object(body);
  only(o, ['owner']);
  if (!('owner' in o)) throw new InputError('"owner" is missing; send {"owner": "alice"} or {"owner": null} for no owner');
  return ownerInput(o.owner);
}

export function nodeIdInput(value: unknown, field: string): string {
  const id = typeof value === 'string' ? canonicalNodeId(value) : undefined;
  if (id === undefined) throw new InputError(`"${field}" must be a node ID (a UUID such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301); 'pia-trust node list' shows them`);
  return id;
}

export function rights(value: unknown): string[] {
  const list = Array.isArray(value) ? (value as unknown[]) : typeof value === 'string' ? value.split(',') : undefined;
  if (list === undefined || list.length === 0) throw new InputError('"rights" must list at least one right: read, control or call:NAME (e.g. ["read", "call:unlock"])');
  if (list.length > MAX_RIGHTS) throw new InputError(`"rights" lists ${list.length} rights; at most ${MAX_RIGHTS}`);
  const out: string[] = [];
  for (const r of list) {
    if (typeof r !== 'string' || !(r === 'read' || r === 'control' || CALL.test(r))) {
      throw new InputError(`"rights": ${JSON.stringify(r)} is not a right; write read, control or call:NAME (NAME: letters, digits, '.', '_', '-')`);
    }
    if (!out.includes(r)) out.push(r);
  }
  return out;
}

function instant(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const t = typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(t)) throw new InputError(`"${field}" must be an ISO-8601 date and time, e.g. 2025-01-31T18:00:00Z`);
  return new Date(t).toISOString();
}

/** A grant as posted; `now` rejects one whose window is already over. */
export function grantInput(body: unknown, now: Date): GrantInput {
  const o = object(body);
  only(o, ['subject', 'gateway', 'devices', 'rights', 'notBefore', 'notAfter']);
  let subject: string;
  if (typeof o.subject === 'string' && o.subject.startsWith('group:')) {
    const g = o.subject.slice('group:'.length);
    if (!GROUP.test(g)) throw new InputError(`"subject": "${o.subject}" is not a group; write group:NAME with NAME of letters, digits, '.', '_', '-'`);
    subject = o.subject;
  } else {
    const id = typeof o.subject === 'string' ? canonicalNodeId(o.subject) : undefined;
    if (id === undefined) throw new InputError('"subject" must be a node ID (UUID) or group:NAME');
    subject = id;
  }
  const gateway = nodeIdInput(o.gateway, 'gateway');
  if (typeof o.devices !== 'string' || !SELECTOR.test(o.devices)) {
    throw new InputError('"devices" must be a device name, a glob with * (rack1-*), or * for all devices of the gateway');
  }
  const notBefore = instant(o.notBefore, 'notBefore');
  const notAfter = instant(o.notAfter, 'notAfter');
  if (notBefore !== undefined && notAfter !== undefined && Date.parse(notAfter) <= Date.parse(notBefore)) {
    throw new InputError(`"notAfter" (${notAfter}) must be later than "notBefore" (${notBefore})`);
  }
  if (notAfter !== undefined && Date.parse(notAfter) <= now.getTime()) throw new InputError(`"notAfter" (${notAfter}) is already past; give a later time or leave it out`);
  return {
    subject,
    gateway,
    devices: o.devices,
    rights: rights(o.rights),
    ...(notBefore === undefined ? {} : { notBefore }),
    ...(notAfter === undefined ? {} : { notAfter }),
  };
}

/** `?tail=N` of GET /api/audit: 1–1000, default 20. */
export function tailCount(text: string | null): number {
  if (text === null) return 20;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 1000) throw new InputError(`"tail" must be a whole number 1–1000, not "${text}"`);
  return n;
}
