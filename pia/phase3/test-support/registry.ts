/**
 * An in-memory trusted server for tests: registered nodes with their keys, grants, an audit
 * log that records what the authority told it and when, and the AuthorityDeps built on them.
 */
import type { Clock } from '../../../common/index.js';
import { seededRandom } from '../../handshake/test-support/index.js';
import type { AuthorityDeps, GrantOffer, Phase3AuditRecord, RegisteredNode } from '../authority-types.js';
import { newNodeId } from '../node-id.js';
import { fileNodeKey } from '../node-key.js';
import type { VouchRateLimiter } from '../rate-limit.js';
import type { NodeId, NodeIdentity, NodeKind } from '../types.js';

export interface TestNode extends NodeIdentity {
  readonly kind: NodeKind;
  readonly label: string;
  /** The raw key (tests only: the cross-checks compute MACs a second way). */
  readonly raw: Uint8Array;
}

const hex = (id: NodeId): string => Buffer.from(id).toString('hex');

export class TestRegistry {
  readonly nodes = new Map<string, { node: TestNode; status: 'active' | 'revoked' }>();
  readonly grants: { subject: NodeId; gateway: NodeId; offer: GrantOffer }[] = [];
  /** Every audit record, in order, with a sequence number shared with `events`. */
  readonly audit: Phase3AuditRecord[] = [];
  /** Calls in order: 'audit:<event>', 'touch:<hex>' … so tests can check ordering. */
  readonly events: string[] = [];
  readonly counts: string[] = [];
  readonly #random = seededRandom('registry ids');

  /** A node with a fresh ID and key; registered unless `registered` is false. */
  add(kind: NodeKind, label: string, registered = true): TestNode {
    const raw = this.#random.bytes(32);
    const id = newNodeId(this.#random);
    const node: TestNode = { id, key: fileNodeKey(raw), kind, label, raw };
    if (registered) this.nodes.set(hex(id), { node, status: 'active' });
    return node;
  }

  revoke(node: TestNode): void {
    const entry = this.nodes.get(hex(node.id));
    if (entry !== undefined) entry.status = 'revoked';
  }

  grant(subject: TestNode, gateway: TestNode, offer: Partial<GrantOffer> = {}): GrantOffer {
    const full: GrantOffer = { id: `g-${this.grants.length + 1}`, devices: '*', rights: ['read'], ...offer };
    this.grants.push({ subject: subject.id, gateway: gateway.id, offer: full });
    return full;
  }

  lookup(id: NodeId): RegisteredNode | undefined {
    const e = this.nodes.get(hex(id));
    return e === undefined ? undefined : { kind: e.node.kind, status: e.status, label: e.node.label, key: e.node.key };
  }

  deps(o: { clock?: Clock; rateLimiter?: VouchRateLimiter; server?: TestNode; seed?: string } = {}): AuthorityDeps {
    return {
      lookupNode: (id) => Promise.resolve(this.lookup(id)),
      grantsFor: (a, b) => this.grants.filter((g) => hex(g.subject) === hex(a) && hex(g.gateway) === hex(b)).map((g) => g.offer),
      audit: async (record) => {
        await Promise.resolve();
        this.audit.push(record);
        this.events.push(`audit:${record.event}`);
      },
      random: seededRandom(o.seed ?? 'authority'),
      touch: (id) => void this.events.push(`touch:${hex(id)}`),
      count: (what) => void this.counts.push(what),
      ...(o.clock === undefined ? {} : { clock: o.clock }),
      ...(o.rateLimiter === undefined ? {} : { rateLimiter: o.rateLimiter }),
      ...(o.server === undefined ? {} : { server: { id: o.server.id, label: o.server.label } }),
    };
  }
}
