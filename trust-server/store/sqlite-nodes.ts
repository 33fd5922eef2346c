/**
 * The node registry on SQLite: nodes, their groups, their owners (MyNet Manager accounts,
 * migration 3) and their keys wrapped under the master key (key-wrap.ts). A key is unwrapped
 * only by `nodeKey`, in memory, on demand.
 *
 * Must hold: a node's owner is an existing account (checked here with a clear error, and by
 * the column's foreign key).
 */
import type Database from 'better-sqlite3';
import { unwrapNodeKey, wrapNodeKey } from './key-wrap.js';
import type { MasterKey } from './master-key.js';
import { checkNewNode, corruptNodeKey, duplicateNode, lookupId, noSuchOwner, nodeNotFound } from './node-rules.js';
import { NODE_COLUMNS, nodeRecord, type NodeRow } from './sqlite-rows.js';
import type { SynchronousOps } from './ops.js';
import type { NewNode, NodeRecord, NodeWithKey } from './types.js';
import { groupNames, nowText } from './validate.js';

export type NodeOps = Pick<SynchronousOps, 'addNode' | 'getNode' | 'listNodes' | 'nodeKey' | 'nodeWithKey' | 'revokeNode' | 'touchNode' | 'touchNodes' | 'setGroups' | 'setOwner'>;

export function sqliteNodeOps(db: Database.Database, master: MasterKey, random: ((n: number) => Uint8Array) | undefined): NodeOps {
  const selectNode = db.prepare<[string], NodeRow>(`SELECT ${NODE_COLUMNS} FROM nodes WHERE id = ?`);
  const selectAll = db.prepare<[], NodeRow>(`SELECT ${NODE_COLUMNS} FROM nodes ORDER BY created, id`);
  const selectKey = db.prepare<[string], { wrapped_key: Buffer }>('SELECT wrapped_key FROM nodes WHERE id = ?');
  const selectGroups = db.prepare<[string], { group_name: string }>('SELECT group_name FROM node_groups WHERE node_id = ?');
  const selectAllGroups = db.prepare<[], { node_id: string; group_name: string }>('SELECT node_id, group_name FROM node_groups');
  const insertNode = db.prepare('INSERT INTO nodes (id, kind, label, status, created, wrapped_key, owner) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertGroup = db.prepare('INSERT INTO node_groups (node_id, group_name) VALUES (?, ?)');
  const deleteGroups = db.prepare('DELETE FROM node_groups WHERE node_id = ?');
  const revoke = db.prepare("UPDATE nodes SET status = 'revoked', revoked_at = ? WHERE id = ? AND status = 'active'");
  const touch = db.prepare('UPDATE nodes SET last_seen = ? WHERE id = ?');
  const updateOwner = db.prepare('UPDATE nodes SET owner = ? WHERE id = ?');
  const accountExists = db.prepare<[string], { name: string }>('SELECT name FROM accounts WHERE name = ?');

  /** The owner's name, checked: an account that exists. */
  const ownerName = (owner: string, nodeText: string): string => {
    if (typeof owner !== 'string' || accountExists.get(owner) === undefined) throw noSuchOwner(owner, nodeText);
    return owner;
  };

  const read = (id: string): NodeRecord | undefined => {
    const row = selectNode.get(id);
    return row === undefined ? undefined : nodeRecord(row, selectGroups.all(id).map((g) => g.group_name));
  };
  const mustRead = (id: string): NodeRecord => {
    const canonical = lookupId(id);
    const node = canonical === undefined ? undefined : read(canonical);
    if (node === undefined) throw nodeNotFound(id);
    return node;
  };

  /** The unwrapped key of the node `canonical`, or undefined. */
  const keyOf = (canonical: string): Uint8Array | undefined => {
    const row = selectKey.get(canonical);
    if (row === undefined) return undefined;
    const key = unwrapNodeKey(master, canonical, row.wrapped_key);
    if (key === undefined) throw corruptNodeKey(canonical);
    return key;
  };

  return {
    addNode(node: NewNode, now: Date): NodeRecord {
      const { id, kind, label: name, groups, created } = checkNewNode(node, now);
      return db.transaction(() => {
        const existing = read(id);
        if (existing !== undefined) throw duplicateNode(id, existing);
        const owner = node.owner === undefined ? null : ownerName(node.owner, id);
        insertNode.run(id, kind, name, 'active', created, wrapNodeKey(master, id, node.key, random), owner);
        for (const g of groups) insertGroup.run(id, g);
        return mustRead(id);
      })();
    },

    getNode(id: string): NodeRecord | undefined {
      const canonical = lookupId(id);
      return canonical === undefined ? undefined : read(canonical);
    },

    listNodes(): NodeRecord[] {
      const groups = new Map<string, string[]>();
      for (const { node_id, group_name } of selectAllGroups.all()) groups.set(node_id, [...(groups.get(node_id) ?? []), group_name]);
      return selectAll.all().map((row) => nodeRecord(row, groups.get(row.id) ?? []));
    },

    nodeKey(id: string): Uint8Array | undefined {
      const canonical = lookupId(id);
      return canonical === undefined ? undefined : keyOf(canonical);
    },

    nodeWithKey(id: string): NodeWithKey | undefined {
      const canonical = lookupId(id);
      const node = canonical === undefined ? undefined : read(canonical);
      const key = node === undefined ? undefined : keyOf(node.id);
      return node === undefined || key === undefined ? undefined : { node, key };
    },

    revokeNode(id: string, now: Date): NodeRecord {
      const node = mustRead(id);
      revoke.run(nowText(now), node.id);
      return mustRead(node.id);
    },

    touchNode(id: string, now: Date): void {
      const canonical = lookupId(id);
      if (canonical !== undefined) touch.run(nowText(now), canonical);
    },

    touchNodes(ids: readonly string[], now: Date): void {
      const t = nowText(now);
      db.transaction(() => {
        for (const id of ids) {
          const canonical = lookupId(id);
          if (canonical !== undefined) touch.run(t, canonical);
        }
      })();
    },

    setGroups(id: string, groups: readonly string[]): NodeRecord {
      const names = groupNames(groups);
      return db.transaction(() => {
        const node = mustRead(id);
        deleteGroups.run(node.id);
        for (const g of names) insertGroup.run(node.id, g);
        return mustRead(node.id);
      })();
    },

    setOwner(id: string, owner: string | undefined): NodeRecord {
      return db.transaction(() => {
        const node = mustRead(id);
        updateOwner.run(owner === undefined ? null : ownerName(owner, node.id), node.id);
        return mustRead(node.id);
      })();
    },
  };
}
