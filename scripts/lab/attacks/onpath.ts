/**
 * What the attack stage reads and changes in the lab (docs/security.md "The attack stage in
 * the lab"): nftables rules on the on-path host (one table, `ip6 attack`, replaced whole and
 * removed after each attack), their counters, the gateway's /healthz and its audit trail.
 *
 * Must hold:
 * 1. a rule set is loaded with `nft -f` as one transaction: it is in force completely or not
 *    at all; `clearRules` leaves the on-path host forwarding as the lab built it;
 * 2. counters are named by their rule's comment and count whole IPv6 packets (headers
 *    included): the same measure for what the attacker sends and what comes back;
 * 3. the gateway is read through its own admin listener (127.0.0.1 inside its host) and its
 *    audit log file (gateway.auditLog, default <stateDir>/audit.log): never through the path
 *    under attack.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabGatewayName } from '../gateway-configs.js';
import type { LabStack } from '../stack.js';
import type { Lab } from '../topology.js';

export const ATTACK_TABLE = 'attack';

/** Replaces the on-path host's `ip6 attack` table with `chains` (nft syntax, the table's body). */
export async function setRules(lab: Lab, dir: string, chains: string): Promise<void> {
  await clearRules(lab);
  const file = join(dir, 'onpath-rules.nft');
  writeFileSync(file, `table ip6 ${ATTACK_TABLE} {\n${chains}\n}\n`, { mode: 0o600 });
  const r = await lab.run('onpath', ['nft', '-f', file], { name: 'nft -f (onpath)' });
  if (r.code !== 0) throw new Error(`attack: nft -f ${file} on onpath exited ${r.code}: ${r.stderr}; check the rule syntax (nft(8)) and that nftables is installed ('apt-get install -y nftables')`);
}

export async function clearRules(lab: Lab): Promise<void> {
  await lab.run('onpath', ['nft', 'delete', 'table', 'ip6', ATTACK_TABLE], { name: 'nft delete table (onpath)' });
}

/** The `attack` table's counters by rule comment: packets and bytes. */
export async function counters(lab: Lab): Promise<Record<string, { packets: number; bytes: number }>> {
  const r = await lab.run('onpath', ['nft', '-j', 'list', 'table', 'ip6', ATTACK_TABLE], { name: 'nft list (onpath)' });
  if (r.code !== 0) throw new Error(`attack: nft list table ip6 ${ATTACK_TABLE} exited ${r.code}: ${r.stderr}`);
  const out: Record<string, { packets: number; bytes: number }> = {};
  for (const item of (JSON.parse(r.stdout) as { nftables: Array<{ rule?: { comment?: string; expr: Array<{ counter?: { packets: number; bytes: number } }> } }> }).nftables) {
    const counter = item.rule?.expr.find((e) => e.counter !== undefined)?.counter;
    if (item.rule?.comment !== undefined && counter !== undefined) out[item.rule.comment] = counter;
  }
  return out;
}

export interface GatewayHealth {
  readonly status: string;
  readonly pia: { readonly counters: { readonly replays: number; readonly espIn: number; readonly exchangesCompleted: number }; readonly trust: { readonly phase3: { readonly granted: number; readonly denied: number } } };
  readonly unauthenticated: { readonly total: number; readonly counts: ReadonlyArray<{ phase: number; code: string; n: number }>; readonly summaries: number; readonly windowOpen: boolean };
}

/** `GET /healthz` on the gateway's admin listener, from inside its host. */
export async function gatewayHealth(lab: Lab, gateway: LabGatewayName): Promise<GatewayHealth> {
  return JSON.parse(await adminGet(lab, gateway, '/healthz')) as GatewayHealth;
}

/** GET PATH on the gateway's admin listener (gateway-configs.ts: 127.0.0.1:9464), by Node's fetch inside its host. */
async function adminGet(lab: Lab, gateway: LabGatewayName, path: string): Promise<string> {
  const script = `fetch('http://127.0.0.1:9464${path}').then((r) => r.text()).then((t) => process.stdout.write(t))`;
  const r = await lab.run(gateway, [process.execPath, '-e', script], { name: `GET ${path} (${gateway})` });
  if (r.code !== 0) throw new Error(`attack: GET ${path} on ${gateway}'s admin listener failed (${r.stderr.trim()}): is pia-gateway still running there?`);
  return r.stdout;
}

/** `GET /metrics` on the gateway's admin listener: the value of one series (0 when absent). */
export async function gatewayMetric(lab: Lab, gateway: LabGatewayName, series: string): Promise<number> {
  const line = (await adminGet(lab, gateway, '/metrics')).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

export interface AuditRecord {
  readonly event: string;
  readonly request?: string;
  readonly result?: string;
  readonly [field: string]: unknown;
}

/** The gateway's audit trail as written so far (JSON lines, common/audit). */
export function gatewayAudit(stack: LabStack, gateway: LabGatewayName): AuditRecord[] {
  return readFileSync(join(stack.gateways[gateway].stateDir, 'audit.log'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditRecord);
}
