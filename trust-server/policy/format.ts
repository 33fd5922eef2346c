/**
 * A plan and test outcomes for people: one line per change, `+` added, `-` removed, `~`
 * changed, nodes by label and ID; then each failed test with its reasons. The same lines
 * whether printed by `pia-trust policy check|apply` or returned by the admin API.
 */
import type { GrantRecord } from '../store/index.js';
import type { TestOutcome } from './evaluate.js';
import type { PolicyPlan } from './plan.js';
import type { PolicyGrant } from './types.js';

export function planLines(plan: PolicyPlan, labelOf: (id: string) => string): string[] {
  const lines: string[] = [];
  for (const c of plan.groupChanges) lines.push(`~ node ${labelOf(c.node.id)} groups: ${list(c.from)} → ${list(c.to)}`);
  for (const c of plan.ownerChanges) lines.push(`~ node ${labelOf(c.node.id)} owner: ${c.from ?? '(none)'} → ${c.to ?? '(none)'}`);
  for (const g of plan.grantsRemoved) lines.push(`- grant ${g.id} ${grantText(g, labelOf)}`);
  for (const g of plan.grantsAdded) lines.push(`+ grant ${grantText(g, labelOf)}`);
  return lines;
}

export function testLines(outcomes: readonly TestOutcome[]): string[] {
  const failed = outcomes.filter((o) => o.failures.length > 0);
  const lines = [`tests: ${outcomes.length - failed.length} of ${outcomes.length} hold`];
  for (const o of failed) for (const f of o.failures) lines.push(`FAIL ${o.test.at}: ${f}`);
  return lines;
}

function grantText(g: PolicyGrant | GrantRecord, labelOf: (id: string) => string): string {
  const subject = g.subject.startsWith('group:') ? g.subject : labelOf(g.subject);
  const window = [g.notBefore === undefined ? '' : `from ${g.notBefore}`, g.notAfter === undefined ? '' : `until ${g.notAfter}`].filter((s) => s !== '').join(' ');
  return `${subject} on ${labelOf(g.gateway)} devices ${g.devices} rights ${g.rights.join(',')}${window === '' ? '' : ` ${window}`}`;
}

function list(groups: readonly string[]): string {
  return groups.length === 0 ? '(none)' : groups.join(',');
}
