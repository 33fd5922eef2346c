/**
 * `check` and `apply` of a policy file against the store (the admin API's /api/policy routes):
 *
 *   1. parse the file (parse.ts): a bad entry → PolicyError naming it, nothing read;
 *   2. in ONE store transaction: read the state (nodes, grants, accounts), plan the changes
 *      (plan.ts), run the file's tests (evaluate.ts) at the server's time;
 *   3. check stops there and rolls back (nothing changes, nothing is audited);
 *   4. apply refuses when a test fails (PolicyTestsFailed, nothing changes); otherwise it makes
 *      every change through the same transaction and appends one audit record per change
 *      (node-groups-changed, node-owner-changed, grant-removed, grant-added, with
 *      `via: "policy"` and the file's SHA-256) and one `policy-applied` summary — all or none;
 *   5. after the commit, `afterCommit` is told what access was withdrawn: the removed grants, and
 *      the nodes that left a group (their associations are re-checked: docs/protocol.md §9.11).
 *
 * Must hold: an empty plan changes nothing and appends nothing; the file's text never enters
 * the audit log (only its hash).
 */
import { createHash } from 'node:crypto';
import type { AsyncAuditLog } from '../../common/audit/index.js';
import { grantAuditFields } from '../grant-audit.js';
import type { GrantRecord, TrustStore, TrustStoreOps } from '../store/index.js';
import { runPolicyTests, type TestOutcome } from './evaluate.js';
import { planLines, testLines } from './format.js';
import { parsePolicy } from './parse.js';
import { isEmptyPlan, planPolicy, type PolicyPlan } from './plan.js';
import type { PolicyState } from './state.js';

export interface PolicyDeps {
  readonly store: TrustStore;
  readonly audit: AsyncAuditLog;
  readonly now: () => Date;
  /** After a commit that withdrew access (step 5). */
  readonly afterCommit?: (withdrawn: PolicyWithdrawal) => void;
}

/** Access an applied policy withdrew: grants removed, and nodes that left a group. */
export interface PolicyWithdrawal {
  readonly grants: readonly GrantRecord[];
  readonly nodes: readonly string[];
}

export interface PolicyReport {
  /** SHA-256 of the file's text, hex. */
  readonly sha256: string;
  /** One line per change (format.ts); empty: nothing would change. */
  readonly changes: readonly string[];
  /** "tests: N of M hold", then one FAIL line per failure. */
  readonly tests: readonly string[];
  readonly testsHold: boolean;
  readonly applied: boolean;
}

export class PolicyTestsFailed extends Error {
  override readonly name = 'PolicyTestsFailed';
  constructor(readonly report: PolicyReport) {
    super(`the policy was not applied: ${report.tests.filter((l) => l.startsWith('FAIL')).length} test failure(s); fix the file or its tests (pia-trust policy check shows them)`);
  }
}

/** Steps 1–3: what apply would do, and whether the tests hold. Changes nothing. */
export async function checkPolicy(d: PolicyDeps, text: string): Promise<PolicyReport> {
  const doc = parsePolicy(text);
  const rollback = new RollbackMarker();
  let report: PolicyReport | undefined;
  try {
    await d.store.transaction(async (tx) => {
      const { plan, outcomes, labelOf } = await evaluate(tx, doc, d.now());
      report = toReport(text, plan, outcomes, labelOf, false);
      throw rollback;
    });
  } catch (err) {
    if (err !== rollback) throw err;
  }
  if (report === undefined) throw new Error('policy check ended without a report');
  return report;
}

/** Steps 1–5. */
export async function applyPolicy(d: PolicyDeps, text: string, actor: Readonly<Record<string, string>>): Promise<PolicyReport> {
  const doc = parsePolicy(text);
  const sha256 = sha256Of(text);
  const { report, withdrawn } = await d.store.transaction(async (tx) => {
    const { plan, outcomes, labelOf } = await evaluate(tx, doc, d.now());
    const dry = toReport(text, plan, outcomes, labelOf, false);
    if (!dry.testsHold) throw new PolicyTestsFailed(dry);
    if (isEmptyPlan(plan)) return { report: dry, withdrawn: { grants: [], nodes: [] } };
    await makeChanges(tx, d, plan, { ...actor, via: 'policy', policy: sha256 });
    await d.audit.append('policy-applied', { policy: sha256, groupsChanged: plan.groupChanges.length, ownersChanged: plan.ownerChanges.length, grantsAdded: plan.grantsAdded.length, grantsRemoved: plan.grantsRemoved.length, ...actor });
    const leftAGroup = plan.groupChanges.filter((c) => c.from.some((g) => !c.to.includes(g))).map((c) => c.node.id);
    return { report: { ...dry, applied: true }, withdrawn: { grants: plan.grantsRemoved, nodes: leftAGroup } };
  });
  if (withdrawn.grants.length + withdrawn.nodes.length > 0) d.afterCommit?.(withdrawn);
  return report;
}

async function evaluate(tx: TrustStoreOps, doc: ReturnType<typeof parsePolicy>, now: Date) {
  const state: PolicyState = { nodes: await tx.listNodes(), grants: await tx.listGrants(), accounts: await tx.listAccounts() };
  const plan = planPolicy(state, doc);
  const nodes = new Map(state.nodes.map((n) => [n.id, n]));
  const outcomes = runPolicyTests(doc, new Map([...nodes].filter(([, n]) => n.status === 'active' && n.kind !== 'server')), now);
  const labelOf = (id: string): string => {
    const n = nodes.get(id);
    return n === undefined ? id : `"${n.label}" (${id})`;
  };
  return { plan, outcomes, labelOf };
}

/** Step 4's changes, each audited like the admin API's own. */
async function makeChanges(tx: TrustStoreOps, d: PolicyDeps, plan: PolicyPlan, actor: Readonly<Record<string, string>>): Promise<void> {
  const now = d.now();
  for (const c of plan.groupChanges) {
    await tx.setGroups(c.node.id, c.to);
    await d.audit.append('node-groups-changed', { nodeId: c.node.id, label: c.node.label, groups: [...c.to], previousGroups: [...c.from], ...actor });
  }
  for (const c of plan.ownerChanges) {
    await tx.setOwner(c.node.id, c.to);
    await d.audit.append('node-owner-changed', { nodeId: c.node.id, label: c.node.label, owner: c.to ?? null, previousOwner: c.from ?? null, ...actor });
  }
  for (const g of plan.grantsRemoved) {
    await tx.removeGrant(g.id);
    await d.audit.append('grant-removed', { ...grantAuditFields(g), ...actor });
  }
  for (const g of plan.grantsAdded) {
    const added = await tx.addGrant(g, now);
    await d.audit.append('grant-added', { ...grantAuditFields(added), ...actor });
  }
}

function toReport(text: string, plan: PolicyPlan, outcomes: readonly TestOutcome[], labelOf: (id: string) => string, applied: boolean): PolicyReport {
  const tests = testLines(outcomes);
  return { sha256: sha256Of(text), changes: planLines(plan, labelOf), tests, testsHold: outcomes.every((o) => o.failures.length === 0), applied };
}

function sha256Of(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}


/** Thrown inside check's transaction to roll it back. */
class RollbackMarker extends Error {}
