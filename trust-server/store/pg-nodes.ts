/**
 * The node registry on PostgreSQL: nodes, their groups, their owners and their keys wrapped
 * under the master key (key-wrap.ts), with the SQLite engine's checks and errors
 * (node-rules.ts). A key is unwrapped only by `nodeKey`, in memory, on demand.
 *
 * Concurrency: a new node's ID races on the primary key (INSERT … ON CONFLICT DO NOTHING, the
 * loser gets the "already registered" conflict); an owner is locked FOR SHARE while a node
 * takes it (an account being removed waits, or is refused for owning it); setGroups locks its
 * node, so two of them do not interleave.
 */
import { unwrapNodeKey, wrapNodeKey } from './key-wrap.js';
import type { MasterKey } from './master-key.js';
import { checkNewNode, corruptNodeKey, duplicateNode, lookupId, noSuchOwner, nodeNotFound } from './node-rules.js';
import { prepared, type PgContext, type Queryable } from './pg-session.js';
import { nodeRecord, type NodeRow } from './sqlite-rows.js';
import type { NewNode, NodeRecord, NodeWithKey, TrustStoreOps } from './types.js';
import { groupNames, nowText } from './validate.js';

export type PgNodeOps = Pick<TrustStoreOps, 'addNode' | 'getNode' | 'listNodes' | 'nodeKey' | 'nodeWithKey' | 'revokeNode' | 'touchNode' | 'touchNodes' | 'setGroups' | 'setOwner'>;

const SELECT_NODES = `
  SELECT n.id, n.kind, n.label, n.status, n.created, n.last_seen, n.revoked_at, n.owner,
         COALESCE(array_agg(g.group_name) FILTER (WHERE g.group_name IS NOT NULL), '{}') AS groups
    FROM nodes n LEFT JOIN node_groups g ON g.node_id = n.id`;

type NodeGroupsRow = NodeRow & { groups: string[] };

/** One node with its groups and its wrapped key (phase 3's one read per node). */
const SELECT_NODE_WITH_KEY = `
  SELECT n.id, n.kind, n.label, n.status, n.created, n.last_seen, n.revoked_at, n.owner, n.wrapped_key,
         COALESCE(array_agg(g.group_name) FILTER (WHERE g.group_name IS NOT NULL), '{}') AS groups
    FROM nodes n LEFT JOIN node_groups g ON g.node_id = n.id
   WHERE n.id = $1 GROUP BY n.id`;

/** The node `id` (canonical), or undefined. */
export async function readNode(q: Queryable, id: string): Promise<NodeRecord | undefined> {
  const row = (await q.query<NodeGroupsRow>(prepared(`${SELECT_NODES} WHERE n.id = $1 GROUP BY n.id`, [id]))).rows[0];
  return row === undefined ? undefined : nodeRecord(row, row.groups);
}

/** Locks the rows of the nodes `ids` (canonical) FOR SHARE: not revoked, changed or removed until the transaction ends. */
export async function shareNodes(q: Queryable, ids: readonly string[]): Promise<void> {
  await q.query(prepared('SELECT id FROM nodes WHERE id = ANY($1::text[]) ORDER BY id FOR SHARE', [ids]));
}

export function pgNodeOps(ctx: PgContext, master: MasterKey, random: ((n: number) => Uint8Array) | undefined): PgNodeOps {
  const mustRead = async (q: Queryable, id: string): Promise<NodeRecord> => {
    const canonical = lookupId(id);
    const node = canonical === undefined ? undefined : await readNode(q, canonical);
    if (node === undefined) throw nodeNotFound(id);
    return node;
  };
  const unwrap = (canonical: string, wrapped: Buffer): Uint8Array => {
    const key = unwrapNodeKey(master, canonical, wrapped);
    if (key === undefined) throw corruptNodeKey(canonical);
    return key;
  };
  /** The owner's name, checked (an existing account) and locked FOR SHARE. */
  const ownerName = async (q: Queryable, owner: string, nodeText: string): Promise<string> => {
    if (typeof owner !== 'string') throw noSuchOwner(owner, nodeText);
    const found = await q.query(prepared('SELECT name FROM accounts WHERE name = $1 FOR SHARE', [owner]));
    if (found.rowCount === 0) throw noSuchOwner(owner, nodeText);
    return owner;
  };

  return {
    addNode(node: NewNode, now: Date): Promise<NodeRecord> {
      const c = checkNewNode(node, now);
      return ctx.atomic(async (q) => {
        const existing = await readNode(q, c.id);
        if (existing !== undefined) throw duplicateNode(c.id, existing);
        const owner = node.owner === undefined ? null : await ownerName(q, node.owner, c.id);
        const inserted = await q.query(prepared(
          'INSERT INTO nodes (id, kind, label, status, created, wrapped_key, owner) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING',
          [c.id, c.kind, c.label, 'active', c.created, Buffer.from(wrapNodeKey(master, c.id, node.key, random)), owner],
        ));
        if (inserted.rowCount === 0) throw duplicateNode(c.id, await mustRead(q, c.id));
        if (c.groups.length > 0) await q.query(prepared('INSERT INTO node_groups (node_id, group_name) SELECT $1, unnest($2::text[])', [c.id, c.groups]));
        return mustRead(q, c.id);
      });
    },

    async getNode(id: string): Promise<NodeRecord | undefined> {
      const canonical = lookupId(id);
      return canonical === undefined ? undefined : readNode(ctx.q, canonical);
    },

    async listNodes(): Promise<NodeRecord[]> {
      const rows = (await ctx.q.query<NodeGroupsRow>(prepared(`${SELECT_NODES} GROUP BY n.id ORDER BY n.created, n.id`))).rows;
      return rows.map((row) => nodeRecord(row, row.groups));
    },

    async nodeKey(id: string): Promise<Uint8Array | undefined> {
      const canonical = lookupId(id);
      if (canonical === undefined) return undefined;
      const row = (await ctx.q.query<{ wrapped_key: Buffer }>(prepared('SELECT wrapped_key FROM nodes WHERE id = $1', [canonical]))).rows[0];
      return row === undefined ? undefined : unwrap(canonical, row.wrapped_key);
    },

    async nodeWithKey(id: string): Promise<NodeWithKey | undefined> {
      const canonical = lookupId(id);
      if (canonical === undefined) return undefined;
      const row = (await ctx.q.query<NodeGroupsRow & { wrapped_key: Buffer }>(prepared(SELECT_NODE_WITH_KEY, [canonical]))).rows[0];
      if (row === undefined) return undefined;
      const key = unwrap(canonical, row.wrapped_key);
      row.wrapped_key.fill(0);
      return { node: nodeRecord(row, row.groups), key };
    },

    revokeNode(id: string, now: Date): Promise<NodeRecord> {
      return ctx.atomic(async (q) => {
        const node = await mustRead(q, id);
        await q.query(prepared("UPDATE nodes SET status = 'revoked', revoked_at = $1 WHERE id = $2 AND status = 'active'", [nowText(now), node.id]));
        return mustRead(q, node.id);
      });
    },

    async touchNode(id: string, now: Date): Promise<void> {
      const canonical = lookupId(id);
      if (canonical !== undefined) await ctx.q.query(prepared('UPDATE nodes SET last_seen = $1 WHERE id = $2', [nowText(now), canonical]));
    },

    async touchNodes(ids: readonly string[], now: Date): Promise<void> {
      const canonical = ids.map(lookupId).filter((id): id is string => id !== undefined);
      if (canonical.length > 0) await ctx.q.query(prepared('UPDATE nodes SET last_seen = $1 WHERE id = ANY($2::text[])', [nowText(now), canonical]));
    },

    setGroups(id: string, groups: readonly string[]): Promise<NodeRecord> {
      const names = groupNames(groups);
      return ctx.atomic(async (q) => {
        const canonical = lookupId(id);
        if (canonical !== undefined) await q.query(prepared('SELECT id FROM nodes WHERE id = $1 FOR NO KEY UPDATE', [canonical]));
        const node = await mustRead(q, id);
        await q.query(prepared('DELETE FROM node_groups WHERE node_id = $1', [node.id]));
        if (names.length > 0) await q.query(prepared('INSERT INTO node_groups (node_id, group_name) SELECT $1, unnest($2::text[])', [node.id, names]));
        return mustRead(q, node.id);
      });
    },

    setOwner(id: string, owner: string | undefined): Promise<NodeRecord> {
      return ctx.atomic(async (q) => {
        const node = await mustRead(q, id);
        await q.query(prepared('UPDATE nodes SET owner = $1 WHERE id = $2', [owner === undefined ? null : await ownerName(q, owner, node.id), node.id]));
        return mustRead(q, node.id);
      });
    },
  };
}
