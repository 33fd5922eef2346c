/**
 * `pia-trust node …` and `pia-trust grant …`: calls to the admin API, printed for people
 * (aligned columns) or as JSON (--json).
 *
 * Must hold: a credential's key is printed once, by `node add`, to stdout or into --out FILE
 * (reserved before the node is created, so a key is never made that cannot be kept); no other
 * line, and no error message, carries it. A revocation or a removed grant prints how long
 * existing associations may keep the access as the server words it (its `effect`: the
 * server's ticket lifetime, docs/protocol.md §9.6), never a figure of its own.
 */
import { reserveCredentialFile, CredentialError, type Credential, type ReservedCredentialFile } from '../../pia/credential/index.js';
import type { GrantRecord, NodeRecord } from '../store/types.js';
import type { ApiTarget } from './args.js';
import { callApi, CliError } from './admin-client.js';
import { ExitCode } from './exit-codes.js';
import type { TrustIo } from './io.js';

export async function nodeAdd(target: ApiTarget, input: { kind: string; label: string; groups?: string; out?: string; owner?: string }, io: TrustIo): Promise<number> {
  let file: ReservedCredentialFile | undefined;
  if (input.out !== undefined) {
    try {
      file = reserveCredentialFile(input.out);
    } catch (err) {
      if (err instanceof CredentialError) throw new CliError(ExitCode.Usage, `--out: ${err.message}`);
      throw err;
    }
  }
  let answer;
  try {
    const optional = { ...(input.groups === undefined ? {} : { groups: input.groups }), ...(input.owner === undefined ? {} : { owner: input.owner }) };
    answer = await callApi(target, 'POST', '/api/nodes', { kind: input.kind, label: input.label, ...optional });
  } catch (err) {
    file?.abandon();
    throw err;
  }
  const node = answer.node as NodeRecord;
  const credential = answer.credential as Credential;
  if (file === undefined) {
    io.stdout.write(`${JSON.stringify(credential, null, 2)}\n`);
    io.stderr.write(`pia-trust: node ${describeNode(node)} added. The credential above holds its key and is shown only this once: save it with mode 0600 (or use --out FILE next time) and hand it to the node.\n`);
  } else {
    file.write(credential);
    io.stdout.write(`node ${describeNode(node)} added; credential written to ${input.out ?? ''} (mode 0600), the only copy of its key: hand it to the node\n`);
  }
  return ExitCode.Ok;
}

export async function nodeList(target: ApiTarget, json: boolean, io: TrustIo): Promise<number> {
  const nodes = (await callApi(target, 'GET', '/api/nodes')).nodes as NodeRecord[];
  if (json) {
    io.stdout.write(`${JSON.stringify(nodes, null, 2)}\n`);
    return ExitCode.Ok;
  }
  const rows = nodes.map((n) => [n.id, n.kind, n.status, n.label, n.groups.join(',') || '-', n.owner ?? '-', n.lastSeen ?? 'never']);
  io.stdout.write(table(['ID', 'KIND', 'STATUS', 'LABEL', 'GROUPS', 'OWNER', 'LAST SEEN'], rows));
  return ExitCode.Ok;
}

export async function nodeRevoke(target: ApiTarget, id: string, io: TrustIo): Promise<number> {
  const answer = await callApi(target, 'POST', `/api/nodes/${encodeURIComponent(id)}/revoke`);
  const node = answer.node as NodeRecord;
  const how = answer.changed === false ? `was already revoked (${node.revokedAt ?? 'earlier'})` : `revoked; ${effectText(answer)}`;
  io.stdout.write(`node ${node.id} (${node.kind} "${node.label}") ${how}\n`);
  return ExitCode.Ok;
}

/** `node owner ID ACCOUNT|--none`: POST /api/nodes/:id/owner, audited by the server. */
export async function nodeOwner(target: ApiTarget, id: string, owner: string | null, json: boolean, io: TrustIo): Promise<number> {
  const answer = await callApi(target, 'POST', `/api/nodes/${encodeURIComponent(id)}/owner`, { owner });
  if (json) {
    io.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    return ExitCode.Ok;
  }
  const node = answer.node as NodeRecord;
  io.stdout.write(`node ${node.id} (${node.kind} "${node.label}") ${node.owner === undefined ? 'now has no owner' : `is now owned by ${node.owner}`}\n`);
  return ExitCode.Ok;
}

export async function grantAdd(target: ApiTarget, body: Readonly<Record<string, unknown>>, io: TrustIo): Promise<number> {
  const grant = (await callApi(target, 'POST', '/api/grants', body)).grant as GrantRecord;
  io.stdout.write(`grant ${grant.id} added: ${describeGrant(grant)}\n`);
  return ExitCode.Ok;
}

export async function grantList(target: ApiTarget, json: boolean, io: TrustIo): Promise<number> {
  const grants = (await callApi(target, 'GET', '/api/grants')).grants as GrantRecord[];
  if (json) {
    io.stdout.write(`${JSON.stringify(grants, null, 2)}\n`);
    return ExitCode.Ok;
  }
  const rows = grants.map((g) => [g.id, g.subject, g.gateway, g.devices, g.rights.join(','), window(g)]);
  io.stdout.write(table(['ID', 'SUBJECT', 'GATEWAY', 'DEVICES', 'RIGHTS', 'VALID'], rows));
  return ExitCode.Ok;
}

export async function grantRemove(target: ApiTarget, id: string, io: TrustIo): Promise<number> {
  const answer = await callApi(target, 'DELETE', `/api/grants/${encodeURIComponent(id)}`);
  const grant = answer.removed as GrantRecord;
  io.stdout.write(`grant ${grant.id} removed (${describeGrant(grant)}); ${effectText(answer)}\n`);
  return ExitCode.Ok;
}

function describeNode(n: NodeRecord): string {
  return `${n.id} (${n.kind} "${n.label}"${n.owner === undefined ? '' : `, owned by ${n.owner}`})`;
}

/** The server's `effect` (its ticket lifetime); a server too old to send it is not guessed for. */
function effectText(answer: Readonly<Record<string, unknown>>): string {
  return typeof answer.effect === 'string' ? answer.effect : "existing associations keep it until their tickets expire (the server's --ticket-lifetime)";
}

function describeGrant(g: GrantRecord): string {
  return `${g.subject} may ${g.rights.join(', ')} on devices '${g.devices}' of gateway ${g.gateway} (${window(g)})`;
}

function window(g: GrantRecord): string {
  if (g.notBefore === undefined && g.notAfter === undefined) return 'always';
  return `${g.notBefore ?? '…'} – ${g.notAfter ?? '…'}`;
}

export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '(none)\n';
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}\n`;
  return line(head) + rows.map(line).join('');
}
