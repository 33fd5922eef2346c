/**
 * The store's policy-relevant state at one moment: what a policy file is checked and diffed
 * against, and what `export` writes. Read in one transaction, so it is consistent.
 */
import type { AccountRecord, GrantRecord, NodeRecord } from '../store/index.js';

export interface PolicyState {
  readonly nodes: readonly NodeRecord[];
  readonly grants: readonly GrantRecord[];
  readonly accounts: readonly AccountRecord[];
}

/** Nodes a policy may name in groups, owners, grants and tests: registered, active, not the server. */
export function policyNodes(state: PolicyState): Map<string, NodeRecord> {
  return new Map(state.nodes.filter((n) => n.status === 'active' && n.kind !== 'server').map((n) => [n.id, n]));
}
