/**
 * The admin API's policy routes (trust-server/policy): GET /api/policy (export),
 * POST /api/policy/check and /api/policy/apply with `{"policy": "<YAML text>"}`.
 *
 * Must hold: check changes nothing; apply changes everything or nothing, only when every test
 * in the file holds (else 422 with the report); a bad file is a 400 naming the entry.
 */
import type { AsyncAuditLog } from '../common/audit/index.js';
import { InputError } from './admin-input.js';
import { applyPolicy, checkPolicy, exportPolicy, MAX_POLICY_BYTES, PolicyError, PolicyTestsFailed, type PolicyWithdrawal } from './policy/index.js';
import type { TrustStore } from './store/types.js';

export interface PolicyApiDeps {
  readonly store: TrustStore;
  readonly audit: AsyncAuditLog;
  readonly now: () => Date;
  /** Told of the access a policy apply withdrew (grants removed, nodes out of a group), once committed. */
  readonly accessWithdrawn?: (withdrawn: PolicyWithdrawal) => void;
}

interface Answer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

export async function exportPolicyAnswer(d: PolicyApiDeps): Promise<Answer> {
  const state = await d.store.transaction(async (tx) => ({ nodes: await tx.listNodes(), grants: await tx.listGrants(), accounts: await tx.listAccounts() }));
  return { status: 200, body: { policy: exportPolicy(state) } };
}

export async function checkPolicyAnswer(d: PolicyApiDeps, body: unknown): Promise<Answer> {
  const report = await asInput(() => checkPolicy(d, policyText(body)));
  return { status: 200, body: { report } };
}

export async function applyPolicyAnswer(d: PolicyApiDeps, body: unknown, actor: Readonly<Record<string, string>>): Promise<Answer> {
  const deps = { ...d, ...(d.accessWithdrawn === undefined ? {} : { afterCommit: d.accessWithdrawn }) };
  try {
    const report = await asInput(() => applyPolicy(deps, policyText(body), actor));
    return { status: 200, body: { report } };
  } catch (err) {
    if (err instanceof PolicyTestsFailed) return { status: 422, body: { error: err.message, report: err.report } };
    throw err;
  }
}

/** The policy routes take bodies up to this size (the file plus its JSON quoting). */
export const MAX_POLICY_BODY = 2 * MAX_POLICY_BYTES;

function policyText(body: unknown): string {
  const text = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).policy : undefined;
  if (typeof text !== 'string') throw new InputError('send {"policy": "<the policy file\'s YAML text>"} (pia-trust policy check|apply FILE does)');
  return text;
}

/** A PolicyError names the entry and the fix: a 400. */
async function asInput<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof PolicyError) throw new InputError(`policy ${err.message}`);
    throw err;
  }
}
