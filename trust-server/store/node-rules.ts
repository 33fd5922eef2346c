/**
 * The node registry, whatever the engine (sqlite-nodes.ts, pg-nodes.ts): the checks on a new
 * node and the errors both engines give, word for word.
 *
 * Must hold: no message carries a key; a lookup by an ID that is not a UUID finds nothing
 * (it is not an error).
 */
import { StoreError } from './errors.js';
import { NODE_KEY_BYTES } from './key-wrap.js';
import type { NewNode, NodeRecord } from './types.js';
import type { NodeKind } from '../../pia/phase3/index.js';
import { groupNames, label, nodeIdText, nodeKind, nowText } from './validate.js';

export interface CheckedNode {
  readonly id: string;
  readonly kind: NodeKind;
  readonly label: string;
  readonly groups: string[];
  readonly created: string;
}

/** A new node's fields, checked and canonical (its key's length too; the key is not copied). */
export function checkNewNode(node: NewNode, now: Date): CheckedNode {
  const id = nodeIdText(node.id);
  const kind = nodeKind(node.kind);
  const name = label(node.label);
  const groups = groupNames(node.groups ?? []);
  if (node.key.length !== NODE_KEY_BYTES) throw new StoreError('invalid', `key for node ${id} must be ${NODE_KEY_BYTES} bytes (256 bits), got ${node.key.length}`, 'key');
  return { id, kind, label: name, groups, created: nowText(now) };
}

/** A valid node ID in canonical form, or undefined (a lookup of garbage finds nothing). */
export function lookupId(id: string): string | undefined {
  try {
    return nodeIdText(id);
  } catch {
    return undefined;
  }
}

export const nodeNotFound = (id: string): StoreError => new StoreError('not-found', `node ${id} is not registered; list the nodes to find its ID`);

export const duplicateNode = (id: string, existing: NodeRecord): StoreError =>
  new StoreError('conflict', `node ID ${id} is already registered (${existing.kind} "${existing.label}", ${existing.status}); use a new random ID for a new node`);

export const noSuchOwner = (owner: string, nodeText: string): StoreError =>
  new StoreError('invalid', `owner of node ${nodeText}: there is no account "${String(owner).slice(0, 64)}"; add it first (pia-trust user add NAME --role owner) or name an existing one (pia-trust user list)`, 'owner');

export const corruptNodeKey = (id: string): StoreError =>
  new StoreError('corrupt', `node ${id}: its stored key does not open under the master key for this node ID (the row was altered, or copied from another node); re-enroll the node with a new key`);
