/**
 * S, the trusted server's phase-3 decisions (docs/protocol.md §9.5), without I/O or state: a
 * P3_VOUCH in, a P3_VERDICT out; a P3_REQ sent to S itself (S in B's place, no MAC_B), a
 * P3_RESP and the pair S installs as B. For a P3_VOUCH, in this order:
 *
 *   1. rate limit per source SA, per ID_B and per server → denied 7, no ticket, counted not logged
 *   2. ID_B registered → else 1; MAC_B under K_B → else 3 (both unauthenticated: no ticket);
 *      B active → else 2 (sealed for B)
 *   3. ID_A registered → else 1 (sealed for B); MAC_A under K_A over the T that B saw → else 4
 *      "transcript mismatch or bad MAC" (sealed for B only: A's MAC did not verify); A active →
 *      else 2 (sealed for both)
 *   4. ID_B* ∈ {0, ID_B} → else 6 (sealed for both)
 *   5. grants for A on B, valid now (capped at deps.ticketLifetimeS, §9.6) → none: 5; over 16 grants or 448 bytes of JSON: 9 (both sealed)
 *   6. the decision is audited (awaited) before anything is sealed or returned; then K_AB is
 *      drawn and the tickets sealed under W_A and W_B (fresh nonce each)
 * A P3_REQ to S: 1 (per ID_A), then 3 and 4 with S's own T (MAC_A fails → 4, unauthenticated),
 * 4 with ID_S, no grants (S's own services check the kind themselves; the ticket lives
 * deps.ticketLifetimeS), 6.
 *
 * Must hold: no answer without an audit record (a failing audit throws, nothing is returned);
 * S keeps no per-exchange state (a retransmitted P3_VOUCH gets a fresh decision and K_AB);
 * K_AB and W are wiped after sealing; keys never reach a record or an error.
 */
import { SecretBytes } from '../handshake/key-schedule.js';
import { macA, macB, macEquals, seal, ticketAad, wrapKey, type Role } from './crypto.js';
import { decodeP3OrCount, encodeP3, type P3Req, type P3Vouch } from './messages.js';
import { isZeroNodeId, nodeIdToText, sameNodeId } from './node-id.js';
import { deniedResponse, grantedResponse } from './response.js';
import { MAX_TICKET_GRANTS, MAX_TICKET_JSON_BYTES, MAX_TICKET_LIFETIME_S } from './sizes.js';
import { encodeDeniedTicket, encodeGrantedTicket, ticketJson } from './ticket.js';
import { ticketGrants, type TicketPlan } from './ticket-plan.js';
import { P3Reason, P3Status, type NodeId, type PeerVouched } from './types.js';
import type { AuthorityAnswer, AuthorityDeps, AuthoritySource, Phase3AuditRecord, RegisteredNode } from './authority-types.js';
import type { DirectAuthority, DirectDecision } from './voucher.js';
import { wrongPartnerText } from './wrong-partner.js';

/** One party's side of a decision: what S can seal for it (its MAC verified) and its record. */
interface Party {
  readonly id: NodeId;
  readonly node: RegisteredNode;
  readonly role: Role;
  /** The other ID in this party's AAD (A: ID_B*, B: ID_A) and its nonce (A: N_A, B: N_B). */
  readonly otherId: NodeId;
  readonly nonce: Uint8Array;
}

type Decision =
  | { readonly status: 'denied'; readonly reason: P3Reason; readonly why: string; readonly sealFor: readonly Party[]; readonly logged: boolean }
  | { readonly status: 'granted'; readonly a: Party; readonly b: Party; readonly plan: TicketPlan; readonly direct: boolean };

const deny = (reason: P3Reason, why: string, sealFor: readonly Party[] = [], logged = true): Decision => ({ status: 'denied', reason, why, sealFor, logged });

/** Any phase-3 message for the server: P3_VOUCH → P3_VERDICT; P3_REQ (to S itself) → P3_RESP + keys. */
export async function authorize(payload: Uint8Array, source: AuthoritySource, deps: AuthorityDeps): Promise<AuthorityAnswer> {
  const msg = decodeP3OrCount(payload, deps.count);
  if (msg === undefined) return {};
  if (msg.kind === 'vouch') return { reply: await answerVouch(msg, source.key, deps) };
  if (msg.kind !== 'req') {
    deps.count?.('unexpected');
    return {};
  }
  const { transcript, dhSecret, reserveSpi } = source;
  if (transcript === undefined || dhSecret === undefined || reserveSpi === undefined) {
    throw new Error('phase-3 authority: a P3_REQ sent to the trusted server needs the SA\'s transcript, DH secret and an SPI reservation (source.transcript, dhSecret, reserveSpi)');
  }
  const d = await decideDirect(msg, transcript, source.key, deps);
  if (d.status === 'denied') return { reply: deniedResponse(msg.nA, d.reason, d.ticketA) };
  let spiB: number;
  try {
    spiB = reserveSpi();
  } catch (err) {
    d.kAB.fill(0);
    throw err;
  }
  const g = grantedResponse({ req: msg, transcript, dhSecret, kAB: d.kAB, spiB, ticketA: d.ticketA, vouched: d.vouched, receivedAt: deps.clock?.now() ?? 0 });
  return { reply: g.resp, keys: g.keys };
}

/** S in B's place for a Phase3Voucher running on the server (stateful: duplicates, P3_FIN). */
export function directAuthority(deps: AuthorityDeps, sourceKey: string): DirectAuthority {
  return { decide: (req, transcript) => decideDirect(req, transcript, sourceKey, deps) };
}

/** §9.5 for a P3_VOUCH: the P3_VERDICT. */
export async function answerVouch(v: P3Vouch, source: string, deps: AuthorityDeps): Promise<Uint8Array> {
  const d = await decideVouch(v, source, deps);
  const record = auditRecord(d, v.idA, v.idB, v.t, source, false);
  if (record !== undefined) await deps.audit(record);
  else deps.count?.('rate-limited');
  const sealed = await sealTickets(d, v.t, deps);
  return encodeP3({ kind: 'verdict', nB: v.nB, t: v.t, status: sealed.status, reason: sealed.reason, ticketA: sealed.ticketA, ticketB: sealed.ticketB });
}

async function decideVouch(v: P3Vouch, source: string, deps: AuthorityDeps): Promise<Decision> {
  if (deps.rateLimiter !== undefined && !deps.rateLimiter.allow(source, v.idB)) return deny(P3Reason.RateLimited, 'rate limited: too many phase-3 requests; retry later', [], false);
  const nodeB = await deps.lookupNode(v.idB);
  if (nodeB === undefined) return deny(P3Reason.UnknownNode, `node ${nodeIdToText(v.idB)} (the vouching node) is not registered with this trusted server`);
  if (!macEquals(v.macB, await macB(nodeB.key, v.idB, v.idA, v.t, v.nB, v.nA))) return deny(P3Reason.BadMac, `MAC_B of ${nodeIdToText(v.idB)} does not verify: a key mismatch or an altered message`);
  await deps.touch?.(v.idB);
  const b: Party = { id: v.idB, node: nodeB, role: 'R', otherId: v.idA, nonce: v.nB };
  if (nodeB.status !== 'active') return deny(P3Reason.Revoked, `node ${nodeIdToText(v.idB)} (${nodeB.label}) is revoked`, [b]);
  const nodeA = await deps.lookupNode(v.idA);
  if (nodeA === undefined) return deny(P3Reason.UnknownNode, `node ${nodeIdToText(v.idA)} (the requester) is not registered with this trusted server`, [b]);
  if (!macEquals(v.macA, await macA(nodeA.key, v.idA, v.idBStar, v.t, v.nA))) {
    return deny(P3Reason.TranscriptMismatch, `transcript mismatch or bad MAC: ${nodeIdToText(v.idA)}'s request does not verify over the phase-2 exchange ${nodeIdToText(v.idB)} saw (a man in the middle, or a wrong key)`, [b]);
  }
  await deps.touch?.(v.idA);
  const a: Party = { id: v.idA, node: nodeA, role: 'I', otherId: v.idBStar, nonce: v.nA };
  if (nodeA.status !== 'active') return deny(P3Reason.Revoked, `node ${nodeIdToText(v.idA)} (${nodeA.label}) is revoked`, [a, b]);
  if (!isZeroNodeId(v.idBStar) && !sameNodeId(v.idBStar, v.idB)) {
    return deny(P3Reason.WrongPartner, wrongPartnerText(v.idBStar, v.idB, nodeB.label), [a, b]);
  }
  const offers = await deps.grantsFor(v.idA, v.idB);
  const plan = ticketGrants(offers, deps.ticketLifetimeS ?? MAX_TICKET_LIFETIME_S);
  if (plan === undefined) return deny(P3Reason.NotGranted, `no grant for ${nodeA.label} (${nodeIdToText(v.idA)}) on ${nodeB.label} (${nodeIdToText(v.idB)}); an administrator can add one`, [a, b]);
  const json = Math.max(ticketJson(nodeA.label, plan.grants).length, ticketJson(nodeB.label, plan.grants).length);
  if (plan.grants.length > MAX_TICKET_GRANTS || json > MAX_TICKET_JSON_BYTES) {
    return deny(P3Reason.Malformed, `${plan.grants.length} grants (${json} bytes of JSON) for this pair exceed a ticket (${MAX_TICKET_GRANTS} grants, ${MAX_TICKET_JSON_BYTES} bytes); narrow the grants`, [a, b]);
  }
  return { status: 'granted', a, b, plan, direct: false };
}

/** §9.5 for a P3_REQ sent to S itself: S in B's place. */
export async function decideDirect(req: P3Req, transcript: Uint8Array, source: string, deps: AuthorityDeps): Promise<DirectDecision> {
  const server = deps.server;
  if (server === undefined) throw new Error('phase-3 authority: deps.server (the trusted server\'s own ID and label) is needed to answer a P3_REQ sent to it');
  const d = await decideRequestHere(req, transcript, source, deps, server);
  const record = auditRecord(d, req.idA, server.id, transcript, source, true);
  if (record !== undefined) await deps.audit(record);
  else deps.count?.('rate-limited');
  const sealed = await sealTickets(d, transcript, deps);
  if (d.status === 'denied') return { status: 'denied', reason: d.reason, text: d.why, ticketA: sealed.ticketA };
  if (sealed.kAB === undefined) throw new Error('phase-3 authority: no K_AB for a direct grant (a bug)');
  const vouched: PeerVouched = { peerId: req.idA, peerKind: d.a.node.kind, peerLabel: d.a.node.label, lifetimeS: d.plan.lifetimeS, grants: d.plan.grants };
  return { status: 'granted', ticketA: sealed.ticketA, kAB: sealed.kAB, vouched };
}

/** The server in B's place has no ticket of its own: its party is never sealed for. */
const NO_KEY = { hmac: (): Promise<Uint8Array> => Promise.reject(new Error('phase-3 authority: the server seals no ticket for itself (a bug)')) };

async function decideRequestHere(req: P3Req, t: Uint8Array, source: string, deps: AuthorityDeps, server: { id: NodeId; label: string }): Promise<Decision> {
  if (deps.rateLimiter !== undefined && !deps.rateLimiter.allow(source, req.idA)) return deny(P3Reason.RateLimited, 'rate limited: too many phase-3 requests; retry later', [], false);
  const nodeA = await deps.lookupNode(req.idA);
  if (nodeA === undefined) return deny(P3Reason.UnknownNode, `node ${nodeIdToText(req.idA)} is not registered with this trusted server`);
  if (!macEquals(req.macA, await macA(nodeA.key, req.idA, req.idBStar, t, req.nA))) {
    return deny(P3Reason.TranscriptMismatch, `transcript mismatch or bad MAC: ${nodeIdToText(req.idA)}'s request does not verify over this server's phase-2 exchange`);
  }
  await deps.touch?.(req.idA);
  const a: Party = { id: req.idA, node: nodeA, role: 'I', otherId: req.idBStar, nonce: req.nA };
  if (nodeA.status !== 'active') return deny(P3Reason.Revoked, `node ${nodeIdToText(req.idA)} (${nodeA.label}) is revoked`, [a]);
  if (!isZeroNodeId(req.idBStar) && !sameNodeId(req.idBStar, server.id)) {
    return deny(P3Reason.WrongPartner, wrongPartnerText(req.idBStar, server.id, server.label, true), [a]);
  }
  // No grants: S's own services (enrollment) check the requester's kind themselves (§9.5).
  const self: RegisteredNode = { kind: 'server', status: 'active', label: server.label, key: NO_KEY };
  const b: Party = { id: server.id, node: self, role: 'R', otherId: req.idA, nonce: new Uint8Array(32) };
  return { status: 'granted', a, b, plan: { lifetimeS: deps.ticketLifetimeS ?? MAX_TICKET_LIFETIME_S, grants: [] }, direct: true };
}

function auditRecord(d: Decision, idA: NodeId, idB: NodeId, t: Uint8Array, source: string, direct: boolean): Phase3AuditRecord | undefined {
  const base = { requester: nodeIdToText(idA), responder: nodeIdToText(idB), direct, source, transcript: Buffer.from(t).toString('hex') };
  if (d.status === 'granted') return { event: 'phase3-granted', ...base, grants: d.plan.grants.map((g) => g.id), lifetimeS: d.plan.lifetimeS };
  return d.logged ? { event: 'phase3-denied', ...base, reason: d.reason, why: d.why } : undefined;
}

interface Sealed {
  readonly status: P3Status;
  readonly reason: P3Reason;
  readonly ticketA: Uint8Array;
  readonly ticketB: Uint8Array;
  /** Granted: K_AB (SecretBytes) for a direct request, else wiped and undefined. */
  readonly kAB?: Uint8Array;
}

async function sealTickets(d: Decision, t: Uint8Array, deps: AuthorityDeps): Promise<Sealed> {
  const empty = new Uint8Array(0);
  const sealOne = async (p: Party, status: P3Status, plaintext: Uint8Array): Promise<Uint8Array> => {
    const w = await wrapKey(p.node.key, p.role, t, p.nonce);
    const out = seal(w, ticketAad(p.role, p.id, p.otherId, t, p.nonce, status), plaintext, deps.random);
    w.fill(0);
    return out;
  };
  if (d.status === 'denied') {
    const plain = encodeDeniedTicket(d.reason, d.why);
    const forA = d.sealFor.find((p) => p.role === 'I');
    const forB = d.sealFor.find((p) => p.role === 'R');
    return {
      status: P3Status.Denied,
      reason: d.reason,
      ticketA: forA === undefined ? empty : await sealOne(forA, P3Status.Denied, plain),
      ticketB: forB === undefined ? empty : await sealOne(forB, P3Status.Denied, plain),
    };
  }
  const kAB = new SecretBytes(deps.random.bytes(32));
  const { a, b, plan, direct } = d;
  const pA = encodeGrantedTicket({ kAB, peerId: b.id, peerKind: b.node.kind, lifetimeS: plan.lifetimeS, label: b.node.label, grants: plan.grants });
  const ticketA = await sealOne(a, P3Status.Granted, pA);
  pA.fill(0);
  if (direct) return { status: P3Status.Granted, reason: P3Reason.None, ticketA, ticketB: empty, kAB };
  const pB = encodeGrantedTicket({ kAB, peerId: a.id, peerKind: a.node.kind, lifetimeS: plan.lifetimeS, label: a.node.label, grants: plan.grants });
  const ticketB = await sealOne(b, P3Status.Granted, pB);
  pB.fill(0);
  kAB.fill(0);
  return { status: P3Status.Granted, reason: P3Reason.None, ticketA, ticketB };
}
