/**
 * Who may see and do what in MyNet Manager (docs/mynet-manager.md "Roles"): the one place
 * every web endpoint asks.
 *
 * - An admin sees and does everything.
 * - An owner sees only the nodes whose `owner` is their account, the grants on gateways they
 *   own, and the audit records that name their account or one of their nodes (and no node of
 *   another owner).
 * - Whatever an owner may not see is answered exactly as if it did not exist (404, `NotFound`),
 *   never 403: an owner cannot learn that another owner's node, grant or account exists.
 *
 * Must hold: every endpoint reads nodes, grants and audit records through a `Scope`; nothing
 * outside this file compares an owner's name with a record.
 */
import type { AuditRecord, JsonValue } from '../../common/audit/index.js';
import { NotFound } from '../admin-api.js';
import type { GrantRecord, NodeRecord, TrustStore } from '../store/index.js';

export interface Viewer {
  readonly name: string;
  readonly role: 'admin' | 'owner';
}

const notFoundNode = (id: string): NotFound => new NotFound(`no node ${id.slice(0, 64)}; the fleet and node lists show the nodes you can reach`);

export class Scope {
  readonly viewer: Viewer;
  readonly #nodes: ReadonlyMap<string, NodeRecord>;

  /** The viewer's scope over the store's nodes as they are now (read once per request). */
  static async load(viewer: Viewer, store: Pick<TrustStore, 'listNodes'>): Promise<Scope> {
    return new Scope(viewer, await store.listNodes());
  }

  constructor(viewer: Viewer, nodes: readonly NodeRecord[]) {
    this.viewer = viewer;
    this.#nodes = new Map(nodes.map((n) => [n.id, n]));
  }

  get isAdmin(): boolean {
    return this.viewer.role === 'admin';
  }

  /** Admin-only endpoints: for an owner they do not exist. */
  requireAdmin(what: string): void {
    if (!this.isAdmin) throw new NotFound(`no such endpoint ${what}`);
  }

  #mine(node: NodeRecord): boolean {
    return this.isAdmin || node.owner === this.viewer.name;
  }

  nodes(): NodeRecord[] {
    return [...this.#nodes.values()].filter((n) => this.#mine(n));
  }

  /** A visible node by canonical ID, or 404. */
  node(id: string): NodeRecord {
    const n = this.#nodes.get(id);
    if (n === undefined || !this.#mine(n)) throw notFoundNode(id);
    return n;
  }

  /** A visible gateway, or 404 (another kind answers as if it were not there, for owners too). */
  gateway(id: string, field = 'gateway'): NodeRecord {
    const n = this.#nodes.get(id);
    if (n === undefined || !this.#mine(n) || n.kind !== 'gateway') throw new NotFound(`"${field}": no gateway ${id.slice(0, 64)}; the fleet view lists the gateways you can reach`);
    return n;
  }

  /** A grant is visible with its gateway. */
  grantVisible(g: GrantRecord): boolean {
    if (this.isAdmin) return true;
    const gw = this.#nodes.get(g.gateway);
    return gw !== undefined && gw.owner === this.viewer.name;
  }

  grants(list: readonly GrantRecord[]): GrantRecord[] {
    return list.filter((g) => this.grantVisible(g));
  }

  /**
   * An owner sees a record that names their account (`account`) or one of their nodes, and
   * no node owned by another account (every string field is checked against the registry).
   */
  auditVisible(r: AuditRecord): boolean {
    if (this.isAdmin) return true;
    let mine = r.account === this.viewer.name;
    for (const id of nodeIdsIn(r)) {
      const n = this.#nodes.get(id);
      if (n === undefined || n.owner === undefined) continue;
      if (n.owner === this.viewer.name) mine = true;
      else return false;
    }
    return mine;
  }
}

/** Every string (or string in a list) of a record's fields that may be a node ID. */
function nodeIdsIn(r: AuditRecord): string[] {
  const out: string[] = [];
  const visit = (v: JsonValue | undefined): void => {
    if (typeof v === 'string') {
      if (v.length === 36) out.push(v);
    } else if (Array.isArray(v)) for (const x of v as readonly JsonValue[]) visit(x);
  };
  for (const [k, v] of Object.entries(r)) if (k !== 'hash' && k !== 'prev') visit(v);
  return out;
}
