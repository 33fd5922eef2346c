/**
 * The admin API's operations, independent of HTTP (admin-http.ts routes to them): the node
 * registry, grants (partner registrations, docs/protocol.md §9.6) and the audit log (§9.7).
 *
 * Must hold:
 * - every change is appended to the audit log (node-enrolled, node-revoked, grant-added,
 *   grant-removed) inside the store transaction that makes it: a change whose record cannot
 *   be written is rolled back, and the record is on disk before the answer goes out. Each
 *   change runs on the `TrustStoreOps` it is given (a caller's transaction, e.g. several grants
 *   added together) or else in a transaction of its own, its checks and its change together;
 * - a node's key leaves only once, in the credential of the answer that created it; no other
 *   answer, and no audit record, carries a key;
 * - each change's record names who made it: `by: 'admin'` for the admin API (bearer token),
 *   or the MyNet Manager account (`account`, `via: 'web'`) the web API passes as the actor;
 * - a revocation's or a removed grant's answer says how long existing associations may keep
 *   the access (`effect()`: the server's ticket lifetime, docs/protocol.md §9.6), the same
 *   words in the admin API, the CLI and MyNet Manager.
 */
import type { AsyncAuditLog, AuditRecord, AuditVerifyResult } from '../common/audit/index.js';
import type { GrantRecord, NodeRecord, TrustStore, TrustStoreOps } from './store/types.js';
import { grantInput, InputError, nodeIdInput, nodeInput, ownerBody, tailCount, type NodeInput } from './admin-input.js';
import { makeCredential, NODE_KEY_BYTES, type Credential } from '../pia/credential/index.js';
import { newNodeIdText, type RandomBytes } from './node-ids.js';
import { MAX_TICKET_LIFETIME_S } from '../pia/phase3/index.js';
import type { Withdrawal } from './revocations/index.js';
import { grantAuditFields } from './grant-audit.js';
import { applyPolicyAnswer, checkPolicyAnswer, exportPolicyAnswer, type PolicyApiDeps } from './admin-policy.js';
import { addAccount, atomically, listAccounts, removeAccount, setAccountDisabled, setAccountPassword, setAccountRole, ADMIN_ACTOR, type Actor } from './admin-accounts.js';

export interface AdminApiDeps {
  readonly store: TrustStore;
  readonly audit: AsyncAuditLog;
  readonly now: () => Date;
  readonly random: RandomBytes;
  /** The trusted server's PIA endpoint and ID, as credentials name them. */
  readonly server: Credential['server'];
  /** Ends an account's web sessions (disabled, removed, demoted, new password). */
  readonly endSessions?: (account: string) => void;
  /** The longest phase-3 ticket the server grants (s; default 600, docs/protocol.md §9.6). */
  readonly ticketLifetimeS?: number;
  /**
   * Tells the gateways at once (docs/protocol.md §9.11, revocations/): called after a revoke or
   * a grant removal committed. A caller that passes its own transaction (`on`) calls it after
   * its commit instead.
   */
  readonly accessWithdrawn?: (w: Withdrawal) => void;
}

/** What a revocation or a removed grant answers: how long existing associations may keep it. */
export function effect(ticketLifetimeS: number): { effectWithinS: number; effect: string } {
  return { effectWithinS: ticketLifetimeS, effect: `existing associations keep it for at most ${ticketLifetimeS} s (the ticket lifetime)` };
}

/** An answer: HTTP status and JSON body. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

export class NotFound extends Error {
  override readonly name = 'NotFound';
}

export class AdminApi {
  readonly #d: AdminApiDeps;

  constructor(deps: AdminApiDeps) {
    this.#d = deps;
  }

  /** The ticket lifetime this server's answers name (effect()). */
  get ticketLifetimeS(): number {
    return this.#d.ticketLifetimeS ?? MAX_TICKET_LIFETIME_S;
  }

  async health(): Promise<ApiAnswer> {
    const nodes = await this.#d.store.listNodes();
    const grants = await this.#d.store.listGrants();
    return { status: 200, body: { ok: true, server: this.#d.server, nodes: nodes.length, grants: grants.length, ticketLifetimeS: this.ticketLifetimeS } };
  }

  async listNodes(): Promise<ApiAnswer> {
    return { status: 200, body: { nodes: await this.#d.store.listNodes() } };
  }

  async getNode(idText: string): Promise<ApiAnswer> {
    return { status: 200, body: { node: await this.#node(this.#d.store, idText) } };
  }

  /** POST /api/nodes: a new node with a fresh ID and key; the credential is returned once. */
  addNode(body: unknown, actor: Actor = ADMIN_ACTOR, on?: TrustStoreOps): Promise<ApiAnswer> {
    return this.addCheckedNode(nodeInput(body), actor, on);
  }

  /** addNode after the caller's own checks of `input` (the web API's scoping). */
  async addCheckedNode(input: NodeInput, actor: Actor = ADMIN_ACTOR, on?: TrustStoreOps): Promise<ApiAnswer> {
    const { store, audit, random, now } = this.#d;
    const key = random(NODE_KEY_BYTES);
    try {
      const node = await atomically(store, on, async (tx) => {
        const added = await tx.addNode({ id: newNodeIdText(random), kind: input.kind, label: input.label, key, groups: input.groups, ...(input.owner === undefined ? {} : { owner: input.owner }) }, now());
        await audit.append('node-enrolled', { nodeId: added.id, kind: added.kind, label: added.label, groups: [...added.groups], ...(added.owner === undefined ? {} : { owner: added.owner }), ...actor });
        return added;
      });
      const credential = makeCredential(node, key, this.#d.server);
      return { status: 201, body: { node, credential } };
    } finally {
      key.fill(0);
    }
  }

  /** POST /api/nodes/:id/revoke: idempotent (a second call changes and logs nothing). */
  async revokeNode(idText: string, actor: Actor = ADMIN_ACTOR, on?: TrustStoreOps): Promise<ApiAnswer> {
    const { store, audit, now } = this.#d;
    let revokedId: string | undefined;
    const answer = await atomically(store, on, async (tx) => {
      const node = await this.#node(tx, idText);
      if (node.kind === 'server') throw new InputError(`node ${node.id} is this trusted server's own identity and cannot be revoked; to retire the server, move its state directory away`);
      if (node.status === 'revoked') return { status: 200, body: { node, changed: false, ...effect(this.ticketLifetimeS) } };
      const revoked = await tx.revokeNode(node.id, now());
      await audit.append('node-revoked', { nodeId: node.id, kind: node.kind, label: node.label, ...actor });
      revokedId = node.id;
      return { status: 200, body: { node: revoked, changed: true, ...effect(this.ticketLifetimeS) } };
    });
    if (on === undefined && revokedId !== undefined) this.#d.accessWithdrawn?.({ nodes: [revokedId] });
    return answer;
  }

  /** POST /api/nodes/:id/owner {owner: NAME | null}: audited as node-owner-changed. */
  setNodeOwner(idText: string, body: unknown, actor: Actor = ADMIN_ACTOR, on?: TrustStoreOps): Promise<ApiAnswer> {
    const { store, audit } = this.#d;
    return atomically(store, on, async (tx) => {
      const node = await this.#node(tx, idText);
      const owner = ownerBody(body);
      if (node.kind === 'server') throw new InputError(`node ${node.id} is this trusted server's own identity; it has no owner`);
      const changed = await tx.setOwner(node.id, owner);
      await audit.append('node-owner-changed', { nodeId: node.id, label: node.label, owner: owner ?? null, previousOwner: node.owner ?? null, ...actor });
      return { status: 200, body: { node: changed } };
    });
  }

  async listGrants(filter: { subject?: string | null; gateway?: string | null } = {}): Promise<ApiAnswer> {
    const f: { subject?: string; gateway?: string } = {};
    if (filter.subject !== undefined && filter.subject !== null) f.subject = filter.subject.startsWith('group:') ? filter.subject : nodeIdInput(filter.subject, 'subject');
    if (filter.gateway !== undefined && filter.gateway !== null) f.gateway = nodeIdInput(filter.gateway, 'gateway');
    return { status: 200, body: { grants: await this.#d.store.listGrants(f) } };
  }

  /** POST /api/grants: the subject and gateway must be registered and active. */
  addGrant(body: unknown, actor: Actor = ADMIN_ACTOR, on?: TrustStoreOps): Promise<ApiAnswer> {
    const { store, audit, now } = this.#d;
    const input = grantInput(body, now());
    return atomically(store, on, async (tx) => {
      if (!input.subject.startsWith('group:')) {
        const s = await tx.getNode(input.subject);
        if (s === undefined) throw new InputError(`"subject": no node ${input.subject} is registered; 'pia-trust node list' shows the nodes`);
        if (s.status !== 'active') throw new InputError(`"subject": node ${s.id} (${s.label}) is revoked; a grant to it would never apply`);
        if (s.kind === 'server') throw new InputError(`"subject": node ${s.id} is the trusted server itself; grant to an operator, a gateway or a group`);
      }
      const g = await tx.getNode(input.gateway);
      if (g === undefined) throw new InputError(`"gateway": no node ${input.gateway} is registered; 'pia-trust node list' shows the nodes`);
      if (g.kind !== 'gateway') throw new InputError(`"gateway": node ${g.id} (${g.label}) is a ${g.kind}, not a gateway; name the gateway whose devices the grant opens`);
      if (g.status !== 'active') throw new InputError(`"gateway": node ${g.id} (${g.label}) is revoked; a grant on it would never apply`);
      const grant = await tx.addGrant(input, now());
      await audit.append('grant-added', { ...grantAuditFields(grant), ...actor });
      return { status: 201, body: { grant } };
    });
  }

  async removeGrant(id: string, actor: Actor = ADMIN_ACTOR, on?: TrustStoreOps): Promise<ApiAnswer> {
    const { store, audit } = this.#d;
    let removed: GrantRecord | undefined;
    const answer = await atomically(store, on, async (tx) => {
      const grant = (await tx.listGrants()).find((x) => x.id === id);
      const missing = new NotFound(`no grant ${id}; 'pia-trust grant list' shows the grants`);
      if (grant === undefined) throw missing;
      if (!(await tx.removeGrant(id))) throw missing;
      await audit.append('grant-removed', { ...grantAuditFields(grant), ...actor });
      removed = grant;
      return { status: 200, body: { removed: grant, ...effect(this.ticketLifetimeS) } };
    });
    if (on === undefined && removed !== undefined) this.#d.accessWithdrawn?.({ grants: [{ id: removed.id, gateway: removed.gateway }] });
    return answer;
  }

  /** Accounts (admin-accounts.ts): only password hashes come in, nothing secret goes out. */
  listAccounts(): Promise<ApiAnswer> {
    return listAccounts(this.#d);
  }

  addAccount(body: unknown, actor: Actor = ADMIN_ACTOR, on?: TrustStoreOps): Promise<ApiAnswer> {
    return addAccount(this.#d, body, actor, on);
  }

  removeAccount(name: string, actor: Actor = ADMIN_ACTOR, on?: TrustStoreOps): Promise<ApiAnswer> {
    return removeAccount(this.#d, name, actor, on);
  }

  setAccountPassword(name: string, body: unknown, actor: Actor = ADMIN_ACTOR, on?: TrustStoreOps): Promise<ApiAnswer> {
    return setAccountPassword(this.#d, name, body, actor, on);
  }

  setAccountDisabled(name: string, disabled: boolean, actor: Actor = ADMIN_ACTOR, on?: TrustStoreOps): Promise<ApiAnswer> {
    return setAccountDisabled(this.#d, name, disabled, actor, on);
  }

  setAccountRole(name: string, body: unknown, actor: Actor = ADMIN_ACTOR, on?: TrustStoreOps): Promise<ApiAnswer> {
    return setAccountRole(this.#d, name, body, actor, on);
  }

  /** Policy as code (admin-policy.ts). */
  exportPolicy(): Promise<ApiAnswer> {
    return exportPolicyAnswer(this.#policyDeps());
  }

  checkPolicy(body: unknown): Promise<ApiAnswer> {
    return checkPolicyAnswer(this.#policyDeps(), body);
  }

  applyPolicy(body: unknown, actor: Actor = ADMIN_ACTOR): Promise<ApiAnswer> {
    return applyPolicyAnswer(this.#policyDeps(), body, actor);
  }

  #policyDeps(): PolicyApiDeps {
    const { store, audit, now, accessWithdrawn } = this.#d;
    // What an apply withdrew reaches the gateways once it committed (docs/protocol.md §9.11): the
    // removed grants, and the nodes that left a group (their associations are closed and re-checked).
    return { store, audit, now, ...(accessWithdrawn === undefined ? {} : { accessWithdrawn: (w) => accessWithdrawn({ grants: w.grants.map((g) => ({ id: g.id, gateway: g.gateway })), nodes: w.nodes }) }) };
  }

  async auditTail(n: string | null): Promise<ApiAnswer> {
    const records: AuditRecord[] = await this.#d.audit.tail(tailCount(n));
    return { status: 200, body: { records } };
  }

  async auditVerify(): Promise<ApiAnswer> {
    const result: AuditVerifyResult = await this.#d.audit.verify();
    return { status: 200, body: { ...result } };
  }

  async #node(ops: TrustStoreOps, idText: string): Promise<NodeRecord> {
    const id = nodeIdInput(idText, 'id');
    const node = await ops.getNode(id);
    if (node === undefined) throw new NotFound(`no node ${id} is registered; 'pia-trust node list' shows the nodes`);
    return node;
  }
}
