/**
 * GET /api/audit?event=&node=&account=&since=&limit=: the audit records the caller may see
 * (scope.ts), newest first, with the chain's verification (common/audit, docs/protocol.md §9.7).
 *
 * Must hold: the search reads at most the last AUDIT_SCAN records, so one request's cost is
 * bounded whatever the log's size; filters are checked and named when wrong.
 */
import type { AuditRecord } from '../../common/audit/index.js';
import { InputError, nodeIdInput } from '../admin-input.js';
import type { ApiAnswer } from '../admin-api.js';
import type { WebApiDeps, WebCall } from './api-context.js';
import type { Scope } from './scope.js';

/** How many of the newest records a search looks through. */
export const AUDIT_SCAN = 5000;
export const MAX_AUDIT_LIMIT = 500;
const EVENT = /^[a-z0-9-]{1,64}$/;
const ACCOUNT = /^[a-z0-9._-]{1,64}$/;

export interface AuditFilter {
  readonly event?: string;
  readonly node?: string;
  readonly account?: string;
  readonly since?: string;
}

/** The newest `limit` visible records that match, newest first. */
export async function scopedAudit(d: WebApiDeps, scope: Scope, f: AuditFilter, limit: number): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  const records = await d.audit.tail(AUDIT_SCAN);
  for (let i = records.length - 1; i >= 0 && out.length < limit; i--) {
    const r = records[i];
    if (r === undefined || !matches(r, f) || !scope.auditVisible(r)) continue;
    out.push(r);
  }
  return out;
}

function matches(r: AuditRecord, f: AuditFilter): boolean {
  if (f.event !== undefined && r.event !== f.event) return false;
  if (f.account !== undefined && r.account !== f.account) return false;
  if (f.since !== undefined && r.time < f.since) return false;
  if (f.node !== undefined && !Object.values(r).some((v) => v === f.node || (Array.isArray(v) && v.includes(f.node)))) return false;
  return true;
}

export async function auditSearch(d: WebApiDeps, c: WebCall): Promise<ApiAnswer> {
  const q = c.query;
  for (const k of q.keys()) if (!['event', 'node', 'account', 'since', 'limit'].includes(k)) throw new InputError(`unknown query parameter "${k.slice(0, 40)}"; the filters are event, node, account, since, limit`);
  const f: { event?: string; node?: string; account?: string; since?: string } = {};
  const event = nonEmpty(q.get('event'));
  if (event !== undefined) {
    if (!EVENT.test(event)) throw new InputError('"event" must be an event name such as grant-added or login-failed');
    f.event = event;
  }
  const node = nonEmpty(q.get('node'));
  if (node !== undefined) f.node = nodeIdInput(node, 'node');
  const account = nonEmpty(q.get('account'));
  if (account !== undefined) {
    if (!ACCOUNT.test(account)) throw new InputError('"account" must be an account name (1–64 of a-z 0-9 . _ -)');
    f.account = account;
  }
  const since = nonEmpty(q.get('since'));
  if (since !== undefined) {
    const t = /^\d{4}-\d\d-\d\d/.test(since) ? Date.parse(since) : NaN;
    if (!Number.isFinite(t)) throw new InputError('"since" must be an ISO-8601 date or time, e.g. 2025-01-31 or 2025-01-31T18:00:00Z');
    f.since = new Date(t).toISOString();
  }
  const limitText = nonEmpty(q.get('limit'));
  const limit = limitText === undefined ? 100 : Number(limitText);
  if (!/^\d+$/.test(limitText ?? '100') || limit < 1 || limit > MAX_AUDIT_LIMIT) throw new InputError(`"limit" must be a whole number 1–${MAX_AUDIT_LIMIT}`);
  const records = await scopedAudit(d, c.scope, f, limit);
  const v = await d.audit.verify();
  const verify = v.ok ? { ok: true, records: v.records, lastHash: v.lastHash } : { ok: false, records: v.records, firstBad: { line: v.line, seq: v.seq ?? null, reason: v.reason, message: v.message } };
  return { status: 200, body: { records, verify } };
}

function nonEmpty(v: string | null): string | undefined {
  return v === null || v === '' ? undefined : v;
}
