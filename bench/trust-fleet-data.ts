/**
 * The simulated fleet of bench/trust-fleet.ts: who is registered, who holds which grant, and
 * the P3_VOUCH messages the bench replays (docs/protocol.md §9.4–9.5).
 *
 * Must hold: everything comes from one seeded generator (mulberry32), so the fleet — node
 * IDs, keys, groups, grants, the (operator, gateway) pairs asked about — is identical on every
 * engine of a run; every pair asked about holds a grant (directly or through a group), so
 * every verdict must be "granted".
 *
 * Shape:
 *   1. one server node, `gateways` gateways, `operators` operators;
 *   2. `groups` groups; operator i is in group i mod groups; each group is granted on
 *      `GATEWAYS_PER_GROUP` distinct gateways;
 *   3. each operator holds `DIRECT_GRANTS` direct grants on distinct random gateways;
 *   4. a pair asked about is a direct grant (3 in 4) or a group member on one of its group's
 *      gateways (1 in 4).
 * Loading (`loadFleet`): `addNode` / `addGrant` through the store's ordinary API, in chunks of
 * `CHUNK` calls per `store.transaction`, up to `parallel` transactions at once (PostgreSQL
 * runs them on separate connections; SQLite takes them in turn).
 */
import { performance } from 'node:perf_hooks';
import { encodeP3, fileNodeKey, macA, macB, nodeIdFromText, ZERO_NODE_ID, type NodeKind } from '../pia/phase3/index.js';
import type { NewGrant, NewNode, TrustStore, TrustStoreOps } from '../trust-server/store/index.js';

export const DIRECT_GRANTS = 3;
export const GATEWAYS_PER_GROUP = 25;
const CHUNK = 500;

/** mulberry32: a small seeded generator, the same sequence on every run. */
export function seededRandom(seed: number): { next(): number; bytes(n: number): Uint8Array; below(n: number): number } {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    bytes: (n) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256)),
    below: (n) => Math.floor(next() * n),
  };
}

export interface FleetNode {
  readonly id: string;
  readonly kind: NodeKind;
  readonly key: Uint8Array;
  readonly groups: readonly string[];
}

export interface FleetPlan {
  readonly server: FleetNode;
  readonly gateways: readonly FleetNode[];
  readonly operators: readonly FleetNode[];
  readonly groups: readonly string[];
  readonly grants: readonly NewGrant[];
  /** (operator index, gateway index) pairs that hold a grant, for the vouches. */
  pickPair(): readonly [number, number];
}

export interface FleetSize {
  readonly gateways: number;
  readonly operators: number;
  readonly groups: number;
}

function uuidFrom(bytes: Uint8Array): string {
  const b = Buffer.from(bytes);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function planFleet(size: FleetSize, seed = 20251207): FleetPlan {
  const rnd = seededRandom(seed);
  const node = (kind: NodeKind, groups: readonly string[] = []): FleetNode => ({ id: uuidFrom(rnd.bytes(16)), kind, key: rnd.bytes(32), groups });
  const groups = Array.from({ length: size.groups }, (_, g) => `site-${g}`);
  const server = node('server');
  const gateways = Array.from({ length: size.gateways }, () => node('gateway'));
  const operators = Array.from({ length: size.operators }, (_, i) => node('operator', groups.length === 0 ? [] : [groups[i % groups.length] as string]));
  const grants: NewGrant[] = [];
  const direct: Array<readonly [number, number]> = [];
  /** `k` distinct gateway indexes (a pair holds at most one direct and one group grant: a ticket carries ≤ 448 bytes of grants, §9.6). */
  const distinct = (k: number): number[] => {
    const chosen = new Set<number>();
    while (chosen.size < Math.min(k, gateways.length)) chosen.add(rnd.below(gateways.length));
    return [...chosen];
  };
  for (let o = 0; o < operators.length; o++) {
    for (const g of distinct(DIRECT_GRANTS)) {
      direct.push([o, g]);
      grants.push({ subject: (operators[o] as FleetNode).id, gateway: (gateways[g] as FleetNode).id, devices: '*', rights: ['read'] });
    }
  }
  const groupGateways = groups.map((name) => {
    const chosen = distinct(GATEWAYS_PER_GROUP);
    for (const g of chosen) grants.push({ subject: `group:${name}`, gateway: (gateways[g] as FleetNode).id, devices: 'sensor-*', rights: ['read', 'control'] });
    return chosen;
  });
  const pickPair = (): readonly [number, number] => {
    if (groups.length === 0 || rnd.next() < 0.75) return direct[rnd.below(direct.length)] as readonly [number, number];
    const o = rnd.below(operators.length);
    const list = groupGateways[o % groups.length] as number[];
    return [o, list[rnd.below(list.length)] as number];
  };
  return { server, gateways, operators, groups, grants, pickPair };
}

export interface LoadTimes {
  readonly nodesMs: number;
  readonly grantsMs: number;
}

/** Runs `each` over `items` in chunks of CHUNK per transaction, `parallel` transactions at once. */
async function chunked<T>(store: TrustStore, items: readonly T[], parallel: number, each: (tx: TrustStoreOps, item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const slice = items.slice(next, next + CHUNK);
      next += CHUNK;
      await store.transaction(async (tx) => {
        for (const item of slice) await each(tx, item);
      });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** Registers every node, then every grant (a grant needs its nodes committed). */
export async function loadFleet(store: TrustStore, plan: FleetPlan, now: Date, parallel: number): Promise<LoadTimes> {
  const t0 = performance.now();
  const nodes = [plan.server, ...plan.gateways, ...plan.operators];
  await chunked(store, nodes, parallel, (tx, n) => {
    const add: NewNode = { id: n.id, kind: n.kind, label: `${n.kind} ${n.id.slice(0, 8)}`, key: n.key, ...(n.groups.length === 0 ? {} : { groups: n.groups }) };
    return tx.addNode(add, now);
  });
  const t1 = performance.now();
  await chunked(store, plan.grants, parallel, (tx, g) => tx.addGrant(g, now));
  return { nodesMs: t1 - t0, grantsMs: performance.now() - t1 };
}

/**
 * `count` P3_VOUCH messages byte for byte (as trust-server/test-support/authority-fixture.ts
 * builds them): gateway B vouches for operator A over a fresh T, each MAC made with its node's
 * key. Built before the timing, so the bench measures the server only.
 */
export async function buildVouches(plan: FleetPlan, count: number, seed = 7): Promise<Uint8Array[]> {
  const rnd = seededRandom(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const [o, g] = plan.pickPair();
    const a = plan.operators[o] as FleetNode;
    const b = plan.gateways[g] as FleetNode;
    const idA = nodeIdFromText(a.id);
    const idB = nodeIdFromText(b.id);
    const t = rnd.bytes(32);
    const nA = rnd.bytes(32);
    const nB = rnd.bytes(32);
    const mA = await macA(fileNodeKey(a.key), idA, ZERO_NODE_ID, t, nA);
    const mB = await macB(fileNodeKey(b.key), idB, idA, t, nB, nA);
    out.push(encodeP3({ kind: 'vouch', t, nA, idA, idBStar: ZERO_NODE_ID, macA: mA, nB, idB, macB: mB }));
  }
  return out;
}
