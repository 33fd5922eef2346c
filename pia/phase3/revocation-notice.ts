/**
 * The body of a revocation notice (docs/protocol.md §9.11): the trusted server tells a gateway
 * which nodes it revoked and which grants it removed, so the gateway acts at once instead of at
 * the next rekey (§9.4 "Rekey"). JSON `{"v":1,"seq":N,"nodes":[UUID…],"grants":[ID…]}`.
 *
 * Must hold: at most MAX_NOTICE_JSON_BYTES of UTF-8 JSON (one CoAP message over PIA, §3); `v`
 * = 1; `seq` a whole number 0 … 2^53 − 1; `nodes` node IDs in UUID text (§9.1, written lower
 * case), `grants` grant IDs of 1–64 printable ASCII characters, each list at most
 * MAX_NOTICE_ENTRIES long, at least one entry in all; no other field. A bad body is refused
 * with the field and the problem, never half applied.
 */
import { nodeIdFromText, nodeIdToText } from './node-id.js';

export const NOTICE_VERSION = 1;
export const MAX_NOTICE_JSON_BYTES = 1024;
export const MAX_NOTICE_ENTRIES = 16;
const GRANT_ID = /^[\x21-\x7e]{1,64}$/;

export interface RevocationNotice {
  readonly seq: number;
  /** Revoked nodes: every association phase 3 bound to one of them is closed (CLOSE reason 3). */
  readonly nodes: readonly string[];
  /** Removed grants: taken out of every association's grants. */
  readonly grants: readonly string[];
}

export type NoticeDecoded = { readonly ok: true; readonly notice: RevocationNotice } | { readonly ok: false; readonly field: string; readonly problem: string; readonly tooLarge?: true };

export function encodeRevocationNotice(n: RevocationNotice): string {
  return JSON.stringify({ v: NOTICE_VERSION, seq: n.seq, nodes: n.nodes, grants: n.grants });
}

/**
 * Splits what changed into notices that each fit the limits (a policy apply may remove many
 * grants at once); `firstSeq` numbers the first, the others follow.
 */
export function revocationNotices(nodes: readonly string[], grants: readonly string[], firstSeq: number): RevocationNotice[] {
  const out: RevocationNotice[] = [];
  const n = [...nodes];
  const g = [...grants];
  while (n.length > 0 || g.length > 0) {
    const notice = { seq: firstSeq + out.length, nodes: n.splice(0, MAX_NOTICE_ENTRIES), grants: [] as string[] };
    while (g.length > 0 && notice.grants.length < MAX_NOTICE_ENTRIES && encodeRevocationNotice({ ...notice, grants: [...notice.grants, g[0]!] }).length <= MAX_NOTICE_JSON_BYTES) notice.grants.push(g.shift()!);
    out.push(notice);
  }
  return out;
}

export function decodeRevocationNotice(bytes: Uint8Array): NoticeDecoded {
  if (bytes.length > MAX_NOTICE_JSON_BYTES) return { ok: false, field: 'payload', problem: `${bytes.length} bytes, over ${MAX_NOTICE_JSON_BYTES}: split the notice`, tooLarge: true };
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { ok: false, field: 'payload', problem: 'not UTF-8 JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, field: 'payload', problem: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).find((k) => !['v', 'seq', 'nodes', 'grants'].includes(k));
  if (extra !== undefined) return { ok: false, field: extra, problem: 'unknown field (v, seq, nodes, grants only)' };
  if (o.v !== NOTICE_VERSION) return { ok: false, field: 'v', problem: `must be ${NOTICE_VERSION}` };
  if (typeof o.seq !== 'number' || !Number.isSafeInteger(o.seq) || o.seq < 0) return { ok: false, field: 'seq', problem: 'must be a whole number 0 … 2^53 − 1' };
  const nodes = list(o.nodes, 'nodes');
  if (typeof nodes === 'object' && !Array.isArray(nodes)) return nodes;
  const ids: string[] = [];
  for (const text of nodes) {
    try {
      ids.push(nodeIdToText(nodeIdFromText(text)));
    } catch {
      return { ok: false, field: 'nodes', problem: `"${text.slice(0, 40)}" is not a node ID (UUID text)` };
    }
  }
  const grants = list(o.grants, 'grants');
  if (typeof grants === 'object' && !Array.isArray(grants)) return grants;
  const bad = grants.find((g) => !GRANT_ID.test(g));
  if (bad !== undefined) return { ok: false, field: 'grants', problem: `"${bad.slice(0, 40)}" is not a grant ID (1–64 printable ASCII characters)` };
  if (ids.length + grants.length === 0) return { ok: false, field: 'nodes', problem: 'nodes and grants are both empty: name at least one' };
  return { ok: true, notice: { seq: o.seq, nodes: ids, grants } };
}

function list(v: unknown, field: string): string[] | { ok: false; field: string; problem: string } {
  if (!Array.isArray(v) || v.length > MAX_NOTICE_ENTRIES || !v.every((x) => typeof x === 'string')) return { ok: false, field, problem: `must be a list of at most ${MAX_NOTICE_ENTRIES} strings` };
  return v;
}
