/**
 * Phase 3 for node tests: a trusted server (S) as a PiaNode whose authority is ../phase3's
 * `authorize` over an in-memory registry, and nodes with identities, all on one in-memory
 * network with a ManualClock. The real server (trust-server/) puts its SQLite store and audit
 * log behind the same `authorize`.
 */
import { ManualClock } from '../../../common/index.js';
import { MemoryLatchStore, formatEndpoint, type SecurityContext } from '../../discovery/index.js';
import { seededRandom } from '../../handshake/test-support/index.js';
import { authorize, fileNodeKey, newNodeId, nodeIdToText, type GrantOffer, type Phase3AuditRecord, type RegisteredNode } from '../../phase3/index.js';
import type { NodeId, NodeIdentity, NodeKind } from '../../phase3/types.js';
import { createMemoryNetwork, type MemoryNetwork } from '../memory-network.js';
import type { InnerInfo, PiaNodeEvent, PiaNodeOptions } from '../node-types.js';
import type { TrustAuthority } from '../trust-authority.js';
import { PiaNode } from '../pia-node.js';
import type { Endpoint } from '../transport.js';

export interface Registered {
  readonly identity: NodeIdentity;
  readonly text: string;
}

/** An in-memory registry, grants table and audit trail behind `authorize`. */
export class MemoryTrust {
  readonly audit: Phase3AuditRecord[] = [];
  readonly #nodes = new Map<string, RegisteredNode & { status: 'active' | 'revoked' }>();
  readonly #grants: { subject: string; gateway: string; offer: GrantOffer }[] = [];
  readonly #random = seededRandom('memory-trust');
  readonly serverId: NodeId;
  /** The authority's ticket lifetime (§9.6); undefined: the protocol's 600 s. */
  ticketLifetimeS: number | undefined;
  #counter = 0;

  constructor(readonly clock: ManualClock) {
    this.serverId = this.register('server', 'trusted server').identity.id;
  }

  /** A new node; `keyBytes` when the test holds the key elsewhere too (a secure element). */
  register(kind: NodeKind, label: string, keyBytes: Uint8Array = this.#random.bytes(32)): Registered {
    const id = newNodeId(this.#random);
    const key = fileNodeKey(keyBytes);
    const text = nodeIdToText(id);
    this.#nodes.set(text, { kind, label, status: 'active', key });
    return { identity: { id, key }, text };
  }

  revoke(text: string): void {
    const n = this.#nodes.get(text);
    if (n !== undefined) n.status = 'revoked';
  }

  grant(subject: string, gateway: string, devices = '*', rights: readonly string[] = ['read']): void {
    this.#grants.push({ subject, gateway, offer: { id: `g${++this.#counter}`, devices, rights } });
  }

  /** Removes every grant between the two. */
  ungrant(subject: string, gateway: string): void {
    for (let i = this.#grants.length - 1; i >= 0; i--) {
      const g = this.#grants[i];
      if (g !== undefined && g.subject === subject && g.gateway === gateway) this.#grants.splice(i, 1);
    }
  }

  readonly authority: TrustAuthority = {
    handle: async (message, source) => {
      const answer = await authorize(
        message,
        {
          key: formatEndpoint(source.peer),
          ...(source.transcript === undefined ? {} : { transcript: source.transcript }),
          ...(source.dhSecret === undefined ? {} : { dhSecret: source.dhSecret }),
          reserveSpi: () => source.reserveSpi(),
        },
        {
          lookupNode: (id) => this.#nodes.get(nodeIdToText(id)),
          // §9.4: either side may request; grants are looked up both ways.
          grantsFor: (a, b) => {
            const [ta, tb] = [nodeIdToText(a), nodeIdToText(b)];
            return this.#grants.filter((g) => (g.subject === ta && g.gateway === tb) || (g.subject === tb && g.gateway === ta)).map((g) => g.offer);
          },
          audit: (record) => void this.audit.push(record),
          random: this.#random,
          server: { id: this.serverId, label: 'trusted server' },
          clock: this.clock,
          ...(this.ticketLifetimeS === undefined ? {} : { ticketLifetimeS: this.ticketLifetimeS }),
        },
      );
      return { ...(answer.reply === undefined ? {} : { reply: answer.reply }), ...(answer.keys === undefined ? {} : { install: answer.keys }) };
    },
  };
}

export const S: Endpoint = { address: '2001:db8:5::1', port: 4500 };

export interface P3Node {
  readonly node: PiaNode;
  readonly at: Endpoint;
  readonly inbox: { payload: Uint8Array; ctx: SecurityContext; inner: InnerInfo }[];
  readonly events: PiaNodeEvent[];
  of<K extends PiaNodeEvent['kind']>(kind: K): Extract<PiaNodeEvent, { kind: K }>[];
}

export interface Trio {
  readonly clock: ManualClock;
  readonly net: MemoryNetwork;
  readonly trust: MemoryTrust;
  /** Nodes added with `add`; S (the server node) is `server`. */
  readonly server: P3Node;
  add(name: string, at: Endpoint, options?: Omit<Partial<PiaNodeOptions>, 'transport' | 'clock' | 'latches'>): P3Node;
  settle(): Promise<void>;
  close(): Promise<void>;
}

export function trio(seed: string): Trio {
  const clock = new ManualClock();
  const net = createMemoryNetwork({ clock });
  const trust = new MemoryTrust(clock);
  const all: P3Node[] = [];
  const add: Trio['add'] = (name, at, options = {}) => {
    const node = new PiaNode({ transport: net.attach(at.address, at.port), clock, random: seededRandom(`${seed}/${name}`), latches: new MemoryLatchStore(), ...options });
    const inbox: P3Node['inbox'] = [];
    const events: PiaNodeEvent[] = [];
    node.onData((payload, ctx, inner) => inbox.push({ payload: Uint8Array.from(payload), ctx, inner }));
    node.onEvent((e) => events.push(e));
    const of = <K extends PiaNodeEvent['kind']>(kind: K): Extract<PiaNodeEvent, { kind: K }>[] =>
      events.filter((e): e is Extract<PiaNodeEvent, { kind: K }> => e.kind === kind);
    const n = { node, at, inbox, events, of };
    all.push(n);
    return n;
  };
  const server = add('server', S, { phase3: { authority: trust.authority } });
  return {
    clock,
    net,
    trust,
    server,
    add,
    settle: () => clock.advance(0),
    close: async () => {
      for (const n of all) await n.node.close();
    },
  };
}

/**
 * The rack fixture: operator alice and a "rack gateway" registered, alice granted read on
 * `rack1-*` and control on `door`, their nodes added (`a` at `at.a`, `b` at `at.b`, both with
 * phase 3 through S), and alice connected to the gateway up to phase 3.
 */
export async function aliceAtRackGateway(tt: Trio, at: { a: Endpoint; b: Endpoint }, gateway: { trustServerId?: string } = {}): Promise<{ a: P3Node; b: P3Node; alice: Registered; gw: Registered }> {
  const alice = tt.trust.register('operator', 'alice');
  const gw = tt.trust.register('gateway', 'rack gateway');
  tt.trust.grant(alice.text, gw.text, 'rack1-*', ['read']);
  tt.trust.grant(alice.text, gw.text, 'door', ['control']);
  const a = tt.add('a', at.a, { phase3: { identity: alice.identity, trustServer: S } });
  const b = tt.add('b', at.b, { phase3: { identity: gw.identity, trustServer: S, ...gateway } });
  await tt.clock.settle(a.node.connect(at.b).then(() => a.node.phase3Ready(at.b)));
  return { a, b, alice, gw };
}
