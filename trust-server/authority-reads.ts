/**
 * What the trusted server's phase-3 decisions read from the store (docs/protocol.md §9.5):
 * a node as the decision sees it (its key an HMAC oracle, §9.1), and the grants on offer.
 *
 * A P3_VOUCH needs both nodes and the grants between them (steps 2, 3, 5): `vouchReads` makes
 * them one read (`store.vouchParties`), done the first time `authorize` asks for any of them —
 * after its rate limit (step 1), so a limited flood costs no read, and a vouch whose MAC_B fails
 * costs one read, as before.
 *
 * Must hold: a raw key is wiped once it is wrapped in a NodeKey, and a key read but never asked
 * for (A's, when B's MAC fails) is wiped by `done()`; answers equal lookupNode / grantsBothWays.
 */
import { fileNodeKey, nodeIdToText, sameNodeId, type AuthorityDeps, type GrantOffer, type NodeId, type RegisteredNode } from '../pia/phase3/index.js';
import type { GrantRecord, NodeWithKey, PartyNode, TrustStore, VouchParties } from './store/types.js';

/** The registry's view of a node, its key as an HMAC oracle (§9.1); the raw bytes wiped. */
export async function lookupNode(store: TrustStore, id: NodeId): Promise<RegisteredNode | undefined> {
  const found = await store.nodeWithKey(nodeIdToText(id)); // one read: record and key
  return found === undefined ? undefined : registered(found);
}

function registered(found: NodeWithKey | PartyNode): RegisteredNode {
  const { kind, status, label } = 'node' in found ? found.node : found;
  const raw = found.key;
  try {
    return { kind, status, label, key: fileNodeKey(raw) };
  } finally {
    raw.fill(0);
  }
}

/**
 * §9.5 step 5, both ways: grants whose gateway is `b` and subject `a` (an operator A reaching
 * gateway B), and those whose gateway is `a` and subject `b` (a gateway that initiates toward
 * its operator). `validS` counts to notAfter on the server's clock.
 */
export async function grantsBothWays(store: TrustStore, a: string, b: string, now: Date): Promise<GrantOffer[]> {
  return (await store.grantsBetween(a, b, now)).map((g) => offer(g, now)); // one read, each grant once
}

/** The grants `subject` holds on `gateway` (one way only: a gateway's query for its uplink's subject, docs/protocol.md §9.10). */
export async function grantsOneWay(store: TrustStore, subject: string, gateway: string, now: Date): Promise<GrantOffer[]> {
  return (await store.grantsFor(subject, gateway, now)).map((g) => offer(g, now));
}

function offer(g: GrantRecord, now: Date): GrantOffer {
  const base = { id: g.id, devices: g.devices, rights: [...g.rights] };
  if (g.notAfter === undefined) return base;
  return { ...base, validS: Math.max(0, Math.floor((Date.parse(g.notAfter) - now.getTime()) / 1000)) };
}

export type DecisionReads = Pick<AuthorityDeps, 'lookupNode' | 'grantsFor'>;

/** A P3_VOUCH's reads (A = `idA`, B = `idB`) as one; anything else asked goes to `other`. */
export function vouchReads(store: TrustStore, idA: NodeId, idB: NodeId, now: Date, other: DecisionReads): { readonly reads: DecisionReads; done(): void } {
  let parties: Promise<VouchParties> | undefined;
  const read = (): Promise<VouchParties> => (parties ??= store.vouchParties(nodeIdToText(idA), nodeIdToText(idB), now));
  const taken = new Set<'a' | 'b'>();
  /** A party's node, once (its key is wiped as it is wrapped); a second ask of the same ID reads again. */
  const take = async (id: NodeId): Promise<RegisteredNode | undefined> => {
    const which = sameNodeId(id, idB) && !taken.has('b') ? 'b' : sameNodeId(id, idA) && !taken.has('a') ? 'a' : undefined;
    if (which === undefined) return other.lookupNode(id);
    taken.add(which);
    const found = (await read())[which];
    return found === undefined ? undefined : registered(found); // wipes the raw key
  };
  return {
    reads: {
      lookupNode: take,
      grantsFor: async (a, b) => (sameNodeId(a, idA) && sameNodeId(b, idB) ? (await read()).grants.map((g) => offer(g, now)) : other.grantsFor(a, b)),
    },
    done(): void {
      void parties?.then(
        (p) => {
          for (const which of ['a', 'b'] as const) if (!taken.has(which)) p[which]?.key.fill(0);
        },
        () => undefined,
      );
    },
  };
}
