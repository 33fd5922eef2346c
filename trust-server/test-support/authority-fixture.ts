/**
 * A ServerAuthority over an in-memory store and audit log, with helpers that play A, B and a
 * station byte for byte (../pia/phase3's MACs and seals), for tests of what S decides.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ManualClock } from '../../common/index.js';
import { createMemoryAuditLog, type MemoryAuditLog } from '../../common/audit/index.js';
import {
  decodeDeniedTicket,
  decodeEnrollError,
  decodeEnrollResult,
  decodeGrantedTicket,
  decodeP3,
  encodeEnrollRequest,
  encodeP3,
  enrollAad,
  enrollKey,
  fileNodeKey,
  macA,
  macB,
  nodeIdFromText,
  open,
  seal,
  ticketAad,
  wrapKey,
  ZERO_NODE_ID,
  type DeniedTicket,
  type EnrollRequest,
  type EnrollResult,
  type GrantedTicket,
  type P3EnrollResult,
  type P3Verdict,
} from '../../pia/phase3/index.js';
import type { AuthoritySource } from '../../pia/node/index.js';
import type { NodeId, NodeKey, NodeKind } from '../../pia/phase3/index.js';
import { ServerAuthority } from '../authority.js';
import { MasterKey, openSqliteStore, type TrustStore } from '../store/index.js';

export const rand = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

export interface TestNode {
  readonly id: string;
  readonly bytes: NodeId;
  readonly key: NodeKey;
  readonly raw: Uint8Array;
}

export interface AuthorityFixture {
  readonly authority: ServerAuthority;
  readonly store: TrustStore;
  readonly audit: MemoryAuditLog;
  readonly clock: ManualClock;
  readonly server: TestNode;
  /** Wall clock the server sees (grant windows, "last seen"). */
  now: Date;
  add(kind: NodeKind, label: string, groups?: readonly string[]): Promise<TestNode>;
  source(t: Uint8Array, port?: number): AuthoritySource;
  /** B vouches for A; `tA` is the T A saw (a man in the middle gives each side its own). */
  vouch(a: TestNode, b: TestNode, o?: { t?: Uint8Array; tA?: Uint8Array; idBStar?: NodeId; port?: number }): Promise<VouchOutcome>;
  enroll(station: TestNode, req: EnrollRequest, o?: { t?: Uint8Array; key?: NodeKey; port?: number }): Promise<EnrollOutcome>;
}

export interface VouchOutcome {
  readonly verdict: P3Verdict;
  /** ticket_B opened under W_B (undefined: empty or not openable). */
  readonly forB: GrantedTicket | DeniedTicket | undefined;
  readonly forA: GrantedTicket | DeniedTicket | undefined;
}

export interface EnrollOutcome {
  readonly result: P3EnrollResult;
  /** The sealed result opened under W_E' (undefined: empty). */
  readonly opened: EnrollResult | { error: string } | undefined;
}

/** `store`: the store the authority reads (default: a fresh SQLite store in memory). */
export async function startAuthorityFixture(rateLimits?: { perSourcePerSecond?: number; perIdPerSecond?: number; serverPerSecond?: number }, store: TrustStore = openSqliteStore({ path: ':memory:', masterKey: MasterKey.fromBytes(rand(32)) })): Promise<AuthorityFixture> {
  const clock = new ManualClock(1_000_000);
  const f = {} as AuthorityFixture;
  const audit = createMemoryAuditLog({ now: () => f.now });
  const add = async (kind: NodeKind, label: string, groups?: readonly string[]): Promise<TestNode> => {
    const raw = rand(32);
    const node = await store.addNode({ id: randomUUID(), kind, label, key: raw, ...(groups === undefined ? {} : { groups }) }, f.now);
    return { id: node.id, bytes: nodeIdFromText(node.id), key: fileNodeKey(raw), raw };
  };
  Object.assign(f, { store, audit, clock, now: new Date('2025-06-01T12:00:00Z'), add });
  const server = await add('server', 'trusted server');
  const authority = new ServerAuthority({ store, audit, serverId: server.id, clock, now: () => f.now, random: rand, log: () => undefined, ...(rateLimits === undefined ? {} : { rateLimits }) });
  Object.assign(f, { server, authority });
  f.source = (t, port = 4500) => ({ peer: { address: '2001:db8::b', port }, transcript: t, dhSecret: rand(32), reserveSpi: () => 0x1234_5678 });
  f.vouch = async (a, b, o = {}) => {
    const t = o.t ?? rand(32);
    const idBStar = o.idBStar ?? ZERO_NODE_ID;
    const nA = rand(32);
    const nB = rand(32);
    const mA = await macA(a.key, a.bytes, idBStar, o.tA ?? t, nA);
    const mB = await macB(b.key, b.bytes, a.bytes, t, nB, nA);
    const bytes = encodeP3({ kind: 'vouch', t, nA, idA: a.bytes, idBStar, macA: mA, nB, idB: b.bytes, macB: mB });
    const answer = await authority.handle(bytes, f.source(t, o.port));
    if (answer.reply === undefined) throw new Error('no verdict');
    const verdict = decodeP3(answer.reply) as P3Verdict;
    const ticket = async (who: TestNode, role: 'I' | 'R', own: NodeId, other: NodeId, nonce: Uint8Array, sealed: Uint8Array): Promise<GrantedTicket | DeniedTicket | undefined> => {
      if (sealed.length === 0) return undefined;
      const w = await wrapKey(who.key, role, t, nonce);
      const plain = open(w, ticketAad(role, own, other, t, nonce, verdict.status), sealed);
      if (plain === undefined) return undefined;
      return verdict.status === 0 ? decodeGrantedTicket(plain) : decodeDeniedTicket(plain);
    };
    return {
      verdict,
      forB: await ticket(b, 'R', b.bytes, a.bytes, nB, verdict.ticketB),
      forA: await ticket(a, 'I', a.bytes, idBStar, nA, verdict.ticketA),
    };
  };
  f.enroll = async (station, req, o = {}) => {
    const t = o.t ?? rand(32);
    const nE = rand(32);
    const key = o.key ?? station.key;
    const w = await enrollKey(key, 'I', t, nE);
    const sealed = seal(w, enrollAad('I', station.bytes, t, nE), encodeEnrollRequest(req), { bytes: rand });
    const answer = await authority.handle(encodeP3({ kind: 'enroll', nE, idE: station.bytes, sealed }), f.source(t, o.port));
    if (answer.reply === undefined) throw new Error('no enroll result');
    const result = decodeP3(answer.reply) as P3EnrollResult;
    if (result.sealed.length === 0) return { result, opened: undefined };
    const wr = await enrollKey(key, 'R', t, nE);
    const plain = open(wr, enrollAad('R', station.bytes, t, nE, result.status), result.sealed);
    if (plain === undefined) throw new Error('the enroll result does not open under W_E\'');
    return { result, opened: result.status === 0 ? decodeEnrollResult(plain) : { error: decodeEnrollError(plain) } };
  };
  return f;
}
