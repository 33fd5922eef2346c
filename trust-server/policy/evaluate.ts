/**
 * A policy file's tests, evaluated against the file itself (the policy as it would be after
 * `apply`), the way a gateway decides (docs/protocol.md §9.6):
 *
 *   1. the subject's groups are the groups the file lists it in;
 *   2. the grants that apply are the file's grants on the test's gateway whose subject is the
 *      node or one of its groups and whose window holds at the test's time (`at`, default now):
 *      notBefore ≤ t < notAfter;
 *   3. an access is allowed when one of them covers it (pia/phase3 grantCovers: the selector
 *      matches the device, the rights include the access or "control");
 *   4. `may` must all be allowed, `mayNot` all refused; each failure names the grants involved
 *      by their place in the file.
 *
 * Must hold: the same coverage rule as the gateway (one function, shared); a revoked or unknown
 * subject is refused everything (phase 3 never vouches for it). Plain reads a gateway allows
 * for a device configured `plain: read-only` are the gateway's, not the policy's: not modelled.
 */
import { grantCovers } from '../../pia/phase3/index.js';
import { GROUP_PREFIX, type NodeRecord } from '../store/index.js';
import type { PolicyDocument, PolicyGrant, PolicyTest } from './types.js';

export interface TestOutcome {
  readonly test: PolicyTest;
  /** Empty when the test holds. */
  readonly failures: readonly string[];
}

export function runPolicyTests(doc: PolicyDocument, nodes: ReadonlyMap<string, NodeRecord>, now: Date): TestOutcome[] {
  return doc.tests.map((test) => ({ test, failures: failuresOf(test, doc, nodes, now) }));
}

function failuresOf(test: PolicyTest, doc: PolicyDocument, nodes: ReadonlyMap<string, NodeRecord>, now: Date): string[] {
  const failures: string[] = [];
  const subject = nodes.get(test.subject);
  const who = subject === undefined ? `node ${test.subject}` : `${subject.kind} "${subject.label}"`;
  const at = test.when ?? now.toISOString();
  const applying = subject === undefined ? [] : applyingGrants(doc, test, at);
  for (const access of test.may) {
    if (subject === undefined) failures.push(`${who} may ${access} on ${test.device}: it is not an active registered node, so phase 3 refuses it everything`);
    else if (!applying.some(({ grant }) => grantCovers(grant, test.device, access))) failures.push(`${who} may ${access} on ${test.device}: no grant covers it (${describeApplying(applying)})`);
  }
  for (const access of test.mayNot) {
    const covering = applying.filter(({ grant }) => grantCovers(grant, test.device, access));
    if (covering.length > 0) failures.push(`${who} may not ${access} on ${test.device}: allowed by ${covering.map(({ index }) => `grants[${index}]`).join(', ')}`);
  }
  return failures;
}

interface IndexedGrant {
  readonly grant: PolicyGrant;
  readonly index: number;
}

/** Steps 1–2. */
function applyingGrants(doc: PolicyDocument, test: PolicyTest, at: string): IndexedGrant[] {
  const subjects = new Set([test.subject]);
  for (const [group, members] of doc.groups) if (members.includes(test.subject)) subjects.add(GROUP_PREFIX + group);
  return doc.grants
    .map((grant, index) => ({ grant, index }))
    .filter(({ grant }) => grant.gateway === test.gateway && subjects.has(grant.subject) && inWindow(grant, at));
}

/** Canonical ISO-8601 UTC text compares as time (store/validate.ts). */
function inWindow(g: PolicyGrant, at: string): boolean {
  return (g.notBefore === undefined || g.notBefore <= at) && (g.notAfter === undefined || at < g.notAfter);
}

function describeApplying(applying: readonly IndexedGrant[]): string {
  if (applying.length === 0) return 'no grant on that gateway applies to it or its groups at that time';
  return `grants applying on that gateway: ${applying.map(({ grant, index }) => `grants[${index}] ${grant.devices} ${grant.rights.join(',')}`).join('; ')}`;
}
