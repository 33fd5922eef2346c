/**
 * The web API's fleet, nodes and grants (docs/mynet-manager.md "API"), every read and change
 * through the caller's Scope, every change through the admin API's operations (its
 * validation, its audit records with the web actor).
 *
 *   GET  /api/fleet              visible gateways: status, online, report summary
 *   GET  /api/nodes, /api/nodes/:id (detail: report devices, grants, last 50 audit records)
 *   POST /api/nodes {kind, label, owner?} → 201 with the credential once and its QR code
 *   POST /api/nodes/:id/revoke, /api/nodes/:id/owner (admin)
 *   GET  /api/grants, POST /api/grants, DELETE /api/grants/:id
 *
 * Must hold: an owner enrolls only operators owned by themselves; adds grants only from a node
 * they own to a gateway they own; revokes and removes only their own; everything else is 404.
 * The credential is never logged or audited (the admin API audits the node, never its key).
 */
import { InputError, nodeIdInput, nodeInput } from '../admin-input.js';
import { NotFound, type ApiAnswer } from '../admin-api.js';
import type { GatewayReport, GrantRecord, NodeRecord } from '../store/index.js';
import { bodyFields, effect, type WebApiDeps, type WebCall } from './api-context.js';
import { credentialQrSvg } from './qr.js';
import { scopedAudit } from './api-audit.js';

/** A gateway is online when its last phase 3 or its last report is this recent. */
export const ONLINE_WITHIN_MS = 3 * 60_000;
const MAX_DEVICE_NAMES = 64;
const DEVICE_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export async function fleet(d: WebApiDeps, c: WebCall): Promise<ApiAnswer> {
  const now = d.now().getTime();
  const recent = (t: string | undefined): boolean => t !== undefined && now - Date.parse(t) <= ONLINE_WITHIN_MS;
  const gateways = [];
  for (const n of c.scope.nodes().filter((x) => x.kind === 'gateway')) {
    const report: GatewayReport | undefined = await d.store.gatewayReport(n.id);
    const health = { ok: 0, degraded: 0, failed: 0 };
    for (const dev of report?.devices ?? []) health[dev.status]++;
    gateways.push({
      id: n.id,
      label: n.label,
      owner: n.owner ?? null,
      status: n.status,
      lastPhase3: n.lastSeen ?? null,
      online: n.status === 'active' && (recent(n.lastSeen) || recent(report?.reportedAt)),
      firmware: report?.firmware ?? null,
      devices: report?.devices.length ?? 0,
      health,
      reportedAt: report?.reportedAt ?? null,
    });
  }
  return { status: 200, body: { gateways } };
}

export function listNodes(_d: WebApiDeps, c: WebCall): ApiAnswer {
  return { status: 200, body: { nodes: c.scope.nodes() } };
}

export async function nodeDetail(d: WebApiDeps, c: WebCall): Promise<ApiAnswer> {
  const node = c.scope.node(nodeIdInput(c.params[0], 'id'));
  const report = node.kind === 'gateway' ? await d.store.gatewayReport(node.id) : undefined;
  const grants = c.scope.grants((await d.store.listGrants()).filter((g) => g.gateway === node.id || g.subject === node.id));
  const audit = scopedAudit(d, c.scope, { node: node.id }, 50);
  return {
    status: 200,
    body: { node, report: report === undefined ? null : { firmware: report.firmware, reportedAt: report.reportedAt }, devices: report?.devices ?? [], grants, audit },
  };
}

/** POST /api/nodes: an owner may enroll only an operator, owned by themselves. */
export async function enroll(d: WebApiDeps, c: WebCall): Promise<ApiAnswer> {
  const admin = c.scope.isAdmin;
  bodyFields(c.body, admin ? ['kind', 'label', 'owner', 'groups'] : ['kind', 'label', 'owner'], '{"kind": "operator", "label": "alice-laptop"}');
  const input = nodeInput(c.body);
  if (!admin) {
    if (input.kind !== 'operator') throw new InputError(`"kind": an owner enrolls operator credentials only (for themselves or to hand to a partner); ask an admin to add a ${input.kind}`);
    if (input.owner !== undefined && input.owner !== c.scope.viewer.name) throw new InputError(`"owner": an owner enrolls nodes for their own account only; leave it out or send "${c.scope.viewer.name}"`);
  }
  const owner = admin ? input.owner : c.scope.viewer.name;
  const answer = await d.admin.addCheckedNode({ ...input, ...(owner === undefined ? {} : { owner }) }, c.actor);
  const credential = answer.body.credential;
  const qr = await credentialQrSvg(JSON.stringify(credential));
  return { status: 201, body: { ...answer.body, ...qr } };
}

export async function revoke(d: WebApiDeps, c: WebCall): Promise<ApiAnswer> {
  const node = c.scope.node(nodeIdInput(c.params[0], 'id'));
  const answer = await d.admin.revokeNode(node.id, c.actor);
  return { status: answer.status, body: { ...answer.body, ...effect(c.ticketLifetimeS) } };
}

export function setOwner(d: WebApiDeps, c: WebCall): Promise<ApiAnswer> {
  c.scope.requireAdmin('/api/nodes/:id/owner');
  return d.admin.setNodeOwner(nodeIdInput(c.params[0], 'id'), c.body, c.actor);
}

export async function listGrants(d: WebApiDeps, c: WebCall): Promise<ApiAnswer> {
  const gateway = c.query.get('gateway');
  const gw = gateway === null ? undefined : c.scope.gateway(nodeIdInput(gateway, 'gateway')).id;
  return { status: 200, body: { grants: c.scope.grants(await d.store.listGrants(gw === undefined ? {} : { gateway: gw })) } };
}

/**
 * POST /api/grants {subject, gateway, devices, rights, notBefore?, notAfter?}: `devices` is a
 * selector (one grant) or a list of device names (one grant per name, added together).
 */
export async function addGrants(d: WebApiDeps, c: WebCall): Promise<ApiAnswer> {
  const o = bodyFields(c.body, ['subject', 'gateway', 'devices', 'rights', 'notBefore', 'notAfter'], '{"subject": ID, "gateway": ID, "devices": ["fan"], "rights": ["read"]}');
  if (!c.scope.isAdmin) {
    // Only myself: the subject is a node the owner owns, on a gateway the owner owns.
    c.scope.gateway(nodeIdInput(o.gateway, 'gateway'));
    if (typeof o.subject === 'string' && o.subject.startsWith('group:')) throw new InputError('"subject": an owner grants to one of their own nodes, not to a group; enroll an operator for the partner and grant to it');
    const subject = c.scope.node(nodeIdInput(o.subject, 'subject'));
    if (subject.kind !== 'operator') throw new InputError(`"subject": node ${subject.id} (${subject.label}) is a ${subject.kind}; grant to an operator credential you enrolled`);
  }
  const selectors = deviceSelectors(o.devices);
  // One transaction for them all (its tx passed to each addGrant): every grant or none.
  const grants = await d.store.transaction(async (tx) => {
    const added: GrantRecord[] = [];
    for (const devices of selectors) added.push((await d.admin.addGrant({ ...o, devices }, c.actor, tx)).body.grant as GrantRecord);
    return added;
  });
  return { status: 201, body: { grants } };
}

export async function removeGrant(d: WebApiDeps, c: WebCall): Promise<ApiAnswer> {
  const id = c.params[0] ?? '';
  const grant = (await d.store.listGrants()).find((g) => g.id === id);
  if (grant === undefined || !c.scope.grantVisible(grant)) throw new NotFound(`no grant ${id.slice(0, 64)}; the grant list shows the grants you can remove`);
  const answer = await d.admin.removeGrant(grant.id, c.actor);
  return { status: 200, body: { ...answer.body, ...effect(c.ticketLifetimeS) } };
}

function deviceSelectors(devices: unknown): string[] {
  if (typeof devices === 'string') return [devices];
  if (!Array.isArray(devices) || devices.length === 0) throw new InputError('"devices" must be a selector ("fan", "rack1-*", "*") or a non-empty list of device names, e.g. ["fan", "door"]');
  if (devices.length > MAX_DEVICE_NAMES) throw new InputError(`"devices" lists ${devices.length} names; at most ${MAX_DEVICE_NAMES} (use a selector such as "rack1-*" or "*" for more)`);
  const names = new Set<string>();
  for (const n of devices as unknown[]) {
    if (typeof n !== 'string' || !DEVICE_NAME.test(n)) throw new InputError(`"devices": ${JSON.stringify(n).slice(0, 70)} is not a device name (1–64 of A–Z a–z 0–9 . _ -)`);
    names.add(n);
  }
  return [...names];
}

export type { NodeRecord };
