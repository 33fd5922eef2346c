/**
 * What applying a policy file would change, computed against the store's state (state.ts):
 *
 *   1. every node the file names (group members, owners, grant subjects and gateways, tests)
 *      is registered, active and not the server; a grant's gateway is a gateway; every owner
 *      is an existing account; otherwise a PolicyError naming the entry;
 *   2. group memberships: each active node's groups become exactly the file's (nodes listed
 *      nowhere lose theirs); revoked nodes are left as they are;
 *   3. owners: likewise, each active node's owner becomes the file's or none;
 *   4. grants, matched by content (subject, gateway, selector, rights, window: parse.ts
 *      grantKey): stored grants absent from the file are removed, file grants absent from the
 *      store are added, the rest are kept with their IDs.
 *
 * Must hold: pure; an empty plan means `apply` changes nothing and writes no audit record.
 */
import type { GrantRecord, NodeRecord } from '../store/index.js';
import { GROUP_PREFIX } from '../store/index.js';
import { grantKey } from './parse.js';
import { policyNodes, type PolicyState } from './state.js';
import { PolicyError, type PolicyDocument, type PolicyGrant } from './types.js';

export interface GroupChange {
  readonly node: NodeRecord;
  readonly from: readonly string[];
  readonly to: readonly string[];
}

export interface OwnerChange {
  readonly node: NodeRecord;
  readonly from: string | undefined;
  readonly to: string | undefined;
}

export interface PolicyPlan {
  readonly groupChanges: readonly GroupChange[];
  readonly ownerChanges: readonly OwnerChange[];
  readonly grantsAdded: readonly PolicyGrant[];
  readonly grantsRemoved: readonly GrantRecord[];
  readonly grantsKept: number;
}

export function isEmptyPlan(plan: PolicyPlan): boolean {
  return plan.groupChanges.length + plan.ownerChanges.length + plan.grantsAdded.length + plan.grantsRemoved.length === 0;
}

export function planPolicy(state: PolicyState, doc: PolicyDocument): PolicyPlan {
  const nodes = policyNodes(state);
  checkReferences(doc, nodes, new Set(state.accounts.map((a) => a.name)));

  const groupsOf = new Map<string, string[]>();
  for (const [group, members] of doc.groups) for (const id of members) groupsOf.set(id, [...(groupsOf.get(id) ?? []), group]);
  const groupChanges: GroupChange[] = [];
  const ownerChanges: OwnerChange[] = [];
  for (const node of nodes.values()) {
    const to = [...(groupsOf.get(node.id) ?? [])].sort();
    const from = [...node.groups].sort();
    if (from.join('\n') !== to.join('\n')) groupChanges.push({ node, from, to });
    const owner = doc.owners.get(node.id);
    if (owner !== node.owner) ownerChanges.push({ node, from: node.owner, to: owner });
  }

  const wanted = new Map<string, PolicyGrant>();
  doc.grants.forEach((g, i) => {
    const key = grantKey(g);
    if (wanted.has(key)) throw new PolicyError(`grants[${i}]`, 'repeats an earlier grant exactly; remove one of them');
    wanted.set(key, g);
  });
  const stored = new Set<string>();
  const grantsRemoved: GrantRecord[] = [];
  for (const g of state.grants) {
    const key = grantKey(g);
    if (wanted.has(key) && !stored.has(key)) stored.add(key);
    else grantsRemoved.push(g);
  }
  const grantsAdded = [...wanted].filter(([key]) => !stored.has(key)).map(([, g]) => g);
  return { groupChanges, ownerChanges, grantsAdded, grantsRemoved, grantsKept: stored.size };
}

/** Step 1. */
function checkReferences(doc: PolicyDocument, nodes: ReadonlyMap<string, NodeRecord>, accounts: ReadonlySet<string>): void {
  const known = (id: string, path: string): NodeRecord => {
    const node = nodes.get(id);
    if (node === undefined) throw new PolicyError(path, `node ${id} is not a registered, active node (nor may it be the trusted server); 'pia-trust node list' shows the nodes, 'pia-trust node add' registers one`);
    return node;
  };
  for (const [group, members] of doc.groups) members.forEach((id, i) => known(id, `groups.${group}[${i}]`));
  for (const [id, account] of doc.owners) {
    known(id, `owners.${id}`);
    if (!accounts.has(account)) throw new PolicyError(`owners.${id}`, `account "${account}" does not exist; create it first with 'pia-trust user add ${account} --role owner'`);
  }
  doc.grants.forEach((g, i) => {
    if (!g.subject.startsWith(GROUP_PREFIX)) known(g.subject, `grants[${i}].subject`);
    const gateway = known(g.gateway, `grants[${i}].gateway`);
    if (gateway.kind !== 'gateway') throw new PolicyError(`grants[${i}].gateway`, `node ${gateway.id} ("${gateway.label}") is a ${gateway.kind}, not a gateway; name the gateway whose devices the grant opens`);
  });
  for (const t of doc.tests) {
    const gateway = known(t.gateway, `${t.at}.gateway`);
    if (gateway.kind !== 'gateway') throw new PolicyError(`${t.at}.gateway`, `node ${gateway.id} ("${gateway.label}") is a ${gateway.kind}, not a gateway`);
  }
}
