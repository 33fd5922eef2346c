/**
 * The store's state → a policy file (YAML) that `apply` would leave unchanged: every active
 * node's groups and owner, every grant. Node IDs carry a comment with the node's label and
 * kind, so a reviewer reads names where the file must hold IDs.
 *
 * Must hold: parsePolicy(exportPolicy(state)) planned against the same state is an empty plan
 * (export-plan round trip, tested).
 */
import { Document, isScalar, isSeq } from 'yaml';
import { grantContent } from '../grant-audit.js';
import type { NodeRecord } from '../store/index.js';
import { policyNodes, type PolicyState } from './state.js';

const HEADER = [
  ' The trusted server\'s policy: group memberships, owners and grants (pia-trust policy).',
  ' The file is the whole truth for what it names: a node in no group has none, a grant absent',
  ' from the file is removed. Nodes are registered with `pia-trust node add`, not here.',
  ' `pia-trust policy check FILE` runs the tests below; `pia-trust policy apply FILE` shows the',
  ' changes and makes them in one step, only when every test holds.',
  '   tests:',
  '     - subject: <operator node ID>',
  '       gateway: <gateway node ID>',
  '       device: lobby-camera',
  '       may: [read]',
  '       mayNot: [control]',
].join('\n');

export function exportPolicy(state: PolicyState): string {
  const nodes = policyNodes(state);
  const groups = new Map<string, string[]>();
  for (const node of nodes.values()) for (const g of node.groups) groups.set(g, [...(groups.get(g) ?? []), node.id]);
  const owners = [...nodes.values()].filter((n) => n.owner !== undefined).sort(byLabel);
  const doc = new Document({
    groups: Object.fromEntries([...groups].sort(([a], [b]) => a.localeCompare(b)).map(([g, ids]) => [g, ids.sort((a, b) => byLabel(nodes.get(a), nodes.get(b)))])),
    owners: Object.fromEntries(owners.map((n) => [n.id, n.owner])),
    grants: state.grants.map(grantContent),
    tests: [],
  });
  doc.commentBefore = HEADER;
  const all = new Map(state.nodes.map((n) => [n.id, n]));
  labelIds(doc.contents, all);
  return doc.toString({ lineWidth: 0 });
}

/** Puts "label (kind)" after every scalar that is a registered node's ID, and on owners' keys. */
function labelIds(node: unknown, nodes: ReadonlyMap<string, NodeRecord>): void {
  if (isScalar(node)) {
    const n = typeof node.value === 'string' ? nodes.get(node.value) : undefined;
    if (n !== undefined) node.comment = ` ${n.label} (${n.kind})`;
    return;
  }
  if (isSeq(node)) {
    for (const item of node.items) labelIds(item, nodes);
    return;
  }
  if (typeof node === 'object' && node !== null && 'items' in node && Array.isArray(node.items)) {
    for (const pair of node.items as { key: unknown; value: unknown }[]) {
      const key = isScalar(pair.key) && typeof pair.key.value === 'string' ? nodes.get(pair.key.value) : undefined;
      if (key !== undefined && isScalar(pair.value)) pair.value.comment = ` ${key.label} (${key.kind})`;
      else labelIds(pair.value, nodes);
    }
  }
}

function byLabel(a: NodeRecord | undefined, b: NodeRecord | undefined): number {
  return (a?.label ?? '').localeCompare(b?.label ?? '') || (a?.id ?? '').localeCompare(b?.id ?? '');
}
