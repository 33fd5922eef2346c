/**
 * A P3_VOUCH's reads on PostgreSQL (docs/protocol.md §9.5 steps 2, 3 and 5) in one statement:
 * both nodes (kind, status, label, wrapped key) and the grants between them both ways. One
 * authorization so costs one round trip, and one statement's work in the server, instead of
 * three. The answer is what `nodeWithKey(a)`, `nodeWithKey(b)` and `grantsBetween(a, b, now)`
 * say of them, exactly (the store contract suite checks it against those three).
 *
 * Must hold: keys are unwrapped in memory only and each row's wrapped copy wiped, as
 * `nodeWithKey` does; a malformed ID finds nothing, never an error.
 */
import { bothWays } from './grant-rules.js';
import { unwrapNodeKey } from './key-wrap.js';
import type { MasterKey } from './master-key.js';
import { corruptNodeKey, lookupId } from './node-rules.js';
import { GRANTS_BOTH_WAYS } from './pg-grants.js';
import { prepared, type PgContext } from './pg-session.js';
import { grantRecord, type GrantRow } from './sqlite-rows.js';
import type { PartyNode, TrustStoreOps, VouchParties } from './types.js';
import { nowText } from './validate.js';

/**
 * $1 and $2 the nodes (canonical IDs, or NULL), $3 the time; the grants (an InitPlan: once per
 * statement) on every row. Only the columns phase 3 reads: no join for groups (the grants'
 * subquery follows them itself), no times.
 */
const VOUCH_PARTIES = `
  SELECT id, kind, label, status, wrapped_key,
         (SELECT COALESCE(json_agg(x ORDER BY x.way, x.created, x.id), '[]'::json) FROM (${GRANTS_BOTH_WAYS}) x) AS grants
    FROM nodes WHERE id = $1 OR id = $2`;

interface PartyRow {
  readonly id: string;
  readonly kind: PartyNode['kind'];
  readonly label: string;
  readonly status: PartyNode['status'];
  readonly wrapped_key: Buffer;
  readonly grants: (GrantRow & { way: number })[];
}

export function pgVouchOps(ctx: PgContext, master: MasterKey): Pick<TrustStoreOps, 'vouchParties'> {
  return {
    async vouchParties(aId: string, bId: string, now: Date): Promise<VouchParties> {
      const a = lookupId(aId);
      const b = lookupId(bId);
      if (a === undefined && b === undefined) return { a: undefined, b: undefined, grants: [] };
      const rows = (await ctx.q.query<PartyRow>(prepared(VOUCH_PARTIES, [a ?? null, b ?? null, nowText(now)]))).rows;
      const found = new Map<string, PartyNode>();
      try {
        for (const row of rows) {
          const key = unwrapNodeKey(master, row.id, row.wrapped_key);
          if (key === undefined) throw corruptNodeKey(row.id);
          found.set(row.id, { kind: row.kind, status: row.status, label: row.label, key });
        }
      } catch (err) {
        for (const f of found.values()) f.key.fill(0);
        throw err;
      } finally {
        for (const row of rows) row.wrapped_key.fill(0);
      }
      const grants = rows[0]?.grants ?? [];
      const partyB = b === undefined ? undefined : found.get(b);
      return {
        a: a === undefined ? undefined : found.get(a),
        // A node with itself: B gets its own copy of the key (each party's key is wiped on its own).
        b: partyB !== undefined && a === b ? { ...partyB, key: Buffer.from(partyB.key) } : partyB,
        grants: a === undefined || b === undefined ? [] : bothWays(grants.filter((g) => g.way === 0).map(grantRecord), grants.filter((g) => g.way === 1).map(grantRecord)),
      };
    },
  };
}
