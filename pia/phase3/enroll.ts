/**
 * Factory enrollment (docs/protocol.md §9.8), both ends, as crypto and validation only; the
 * server's decision (idempotency, the store) comes in as `decide`.
 *
 * Station:  sealEnrollRequest → ENROLL(N_E, ID_E, seal under W_E, AAD "I" | ID_E | T | N_E)
 *           openEnrollResult  → the result or the denial (authentic when sealed under W_E')
 * Server, serveEnroll, in this order:
 *   1. decode (undecodable → no answer, counted); rate limit per source and ID_E → denied 7,
 *      no seal, counted not logged
 *   2. station registered → else denied 10 (no seal), audited
 *   3. the request opens under W_E → else denied 3 (no seal), audited; the station is active
 *      and of kind "station" → else denied 10, sealed {"error"}, audited; JSON valid → else
 *      denied 9, sealed, audited
 *   4. decide(station, request) → audited ("node-enrolled" or "enroll-denied"), awaited, then the
 *      result (or {"error"}) sealed under W_E' (AAD "R" | ID_E | T | N_E | status)
 *
 * Must hold: nothing is accepted from a caller whose seal does not open under its own key; a
 * board's key travels only inside a seal; no key reaches an audit record or an error; every
 * seal has a fresh nonce (a retried ENROLL gets a fresh seal of the same result).
 */
import { PiaDecodeError } from '../errors.js';
import { NONCE_BYTES } from '../handshake/messages.js';
import type { KxRandom } from '../handshake/random.js';
import type { MaybePromise, RegisteredNode } from './authority-types.js';
import { enrollAad, enrollKey, open, seal } from './crypto.js';
import { decodeEnrollError, decodeEnrollRequest, decodeEnrollResult, encodeEnrollError, encodeEnrollRequest, encodeEnrollResult, type EnrollRequest, type EnrollResult } from './enroll-json.js';
import { decodeP3, decodeP3OrCount, encodeP3, type P3Enroll } from './messages.js';
import { nodeIdToText } from './node-id.js';
import type { VouchRateLimiter } from './rate-limit.js';
import { P3Reason, P3Status, type NodeId, type NodeIdentity, type NodeKey } from './types.js';

export type EnrollDecision =
  | { readonly status: 'enrolled'; readonly result: EnrollResult }
  | { readonly status: 'denied'; readonly reason: P3Reason; readonly text: string };

/** The server's decision on an authenticated station's request (idempotent, §9.8). */
export type EnrollDecide = (station: { readonly id: NodeId; readonly label: string }, request: EnrollRequest) => MaybePromise<EnrollDecision>;

export interface EnrollAuditRecord {
  readonly event: 'node-enrolled' | 'enroll-denied';
  /** The station's ID (UUID text), as it claimed it (unverified for reasons 10 and 3). */
  readonly station: string;
  readonly source: string;
  readonly op?: 'register' | 'generate';
  readonly node?: string;
  readonly requestId?: string;
  readonly created?: boolean;
  readonly reason?: P3Reason;
  readonly why?: string;
}

export interface EnrollDeps {
  readonly lookupNode: (id: NodeId) => MaybePromise<RegisteredNode | undefined>;
  readonly decide: EnrollDecide;
  /** Awaited before the answer is returned. */
  readonly audit: (record: EnrollAuditRecord) => MaybePromise<void>;
  readonly random: KxRandom;
  readonly rateLimiter?: VouchRateLimiter;
  readonly count?: (what: 'rate-limited' | 'undecodable' | 'unexpected') => void;
}

export type EnrollOutcome =
  | { readonly status: 'enrolled'; readonly result: EnrollResult }
  | { readonly status: 'denied'; readonly reason: P3Reason; readonly text: string; readonly authentic: boolean };

/** Station: the ENROLL payload and its N_E (to match the answer). */
export async function sealEnrollRequest(station: NodeIdentity, transcript: Uint8Array, request: EnrollRequest, random: KxRandom): Promise<{ payload: Uint8Array; nE: Uint8Array }> {
  const nE = random.bytes(NONCE_BYTES);
  const json = encodeEnrollRequest(request);
  const w = await enrollKey(station.key, 'I', transcript, nE);
  const sealed = seal(w, enrollAad('I', station.id, transcript, nE), json, random);
  w.fill(0);
  json.fill(0);
  return { payload: encodeP3({ kind: 'enroll', nE, idE: station.id, sealed }), nE };
}

/** Station: the outcome of its request `nE`, or undefined (not an answer to it, or a forgery). */
export async function openEnrollResult(payload: Uint8Array, station: NodeIdentity, transcript: Uint8Array, nE: Uint8Array): Promise<EnrollOutcome | undefined> {
  let msg;
  try {
    msg = decodeP3(payload);
  } catch (err) {
    if (err instanceof PiaDecodeError) return undefined;
    throw err;
  }
  if (msg.kind !== 'enroll-result' || Buffer.compare(msg.nE, nE) !== 0) return undefined;
  if (msg.sealed.length === 0) return { status: 'denied', reason: msg.reason, text: '', authentic: false };
  const w = await enrollKey(station.key, 'R', transcript, nE);
  const plain = open(w, enrollAad('R', station.id, transcript, nE, msg.status), msg.sealed);
  w.fill(0);
  if (plain === undefined) return undefined;
  try {
    if (msg.status === P3Status.Granted) return { status: 'enrolled', result: decodeEnrollResult(plain) };
    return { status: 'denied', reason: msg.reason, text: decodeEnrollError(plain), authentic: true };
  } catch (err) {
    if (err instanceof PiaDecodeError) return undefined;
    throw err;
  } finally {
    plain.fill(0);
  }
}

/** Server: the request inside an ENROLL, undefined when the seal does not open under K_E. Throws PiaDecodeError for bad JSON. */
export async function openEnrollRequest(msg: P3Enroll, stationKey: NodeKey, transcript: Uint8Array): Promise<EnrollRequest | undefined> {
  const w = await enrollKey(stationKey, 'I', transcript, msg.nE);
  const plain = open(w, enrollAad('I', msg.idE, transcript, msg.nE), msg.sealed);
  w.fill(0);
  if (plain === undefined) return undefined;
  try {
    return decodeEnrollRequest(plain);
  } finally {
    plain.fill(0);
  }
}

/** Server: the ENROLL_RESULT payload for a decision (sealed under W_E'), or unsealed when `stationKey` is undefined. */
export async function sealEnrollResult(msg: P3Enroll, stationKey: NodeKey | undefined, transcript: Uint8Array, decision: EnrollDecision, random: KxRandom): Promise<Uint8Array> {
  const status = decision.status === 'enrolled' ? P3Status.Granted : P3Status.Denied;
  const reason = decision.status === 'enrolled' ? P3Reason.None : decision.reason;
  let sealed: Uint8Array = new Uint8Array(0);
  if (stationKey !== undefined) {
    const json = decision.status === 'enrolled' ? encodeEnrollResult(decision.result) : encodeEnrollError(decision.text);
    const w = await enrollKey(stationKey, 'R', transcript, msg.nE);
    sealed = seal(w, enrollAad('R', msg.idE, transcript, msg.nE, status), json, random);
    w.fill(0);
    json.fill(0);
  }
  return encodeP3({ kind: 'enroll-result', nE: msg.nE, status, reason, sealed });
}

/** Server: one ENROLL in, its ENROLL_RESULT out (undefined: undecodable, no answer). */
export async function serveEnroll(payload: Uint8Array, source: { readonly key: string; readonly transcript: Uint8Array }, deps: EnrollDeps): Promise<Uint8Array | undefined> {
  const msg = decodeP3OrCount(payload, deps.count);
  if (msg === undefined) return undefined;
  if (msg.kind !== 'enroll') {
    deps.count?.('unexpected');
    return undefined;
  }
  const t = source.transcript;
  const station = nodeIdToText(msg.idE);
  const denied = async (reason: P3Reason, why: string, key: NodeKey | undefined, extra: Partial<EnrollAuditRecord> = {}): Promise<Uint8Array> => {
    await deps.audit({ event: 'enroll-denied', station, source: source.key, ...extra, reason, why });
    return sealEnrollResult(msg, key, t, { status: 'denied', reason, text: why }, deps.random);
  };
  if (deps.rateLimiter !== undefined && !deps.rateLimiter.allow(source.key, msg.idE)) {
    deps.count?.('rate-limited');
    return sealEnrollResult(msg, undefined, t, { status: 'denied', reason: P3Reason.RateLimited, text: '' }, deps.random);
  }
  const node = await deps.lookupNode(msg.idE);
  if (node === undefined) return denied(P3Reason.NotAuthorized, `enrollment refused: node ${station} is not registered`, undefined);
  const w = await enrollKey(node.key, 'I', t, msg.nE);
  const plain = open(w, enrollAad('I', msg.idE, t, msg.nE), msg.sealed);
  w.fill(0);
  if (plain === undefined) return denied(P3Reason.BadMac, `enrollment request from ${station} does not open under its key (a key mismatch or an altered message)`, undefined);
  let request: EnrollRequest;
  try {
    if (node.status !== 'active' || node.kind !== 'station') {
      const what = node.status !== 'active' ? 'is revoked' : `is a ${node.kind}, not a station`;
      return await denied(P3Reason.NotAuthorized, `enrollment refused: node ${station} (${node.label}) ${what}`, node.key);
    }
    request = decodeEnrollRequest(plain);
  } catch (err) {
    if (!(err instanceof PiaDecodeError)) throw err;
    return denied(P3Reason.Malformed, `enrollment request from ${node.label}: ${err.problem}`, node.key);
  } finally {
    plain.fill(0);
  }
  const about = request.op === 'register' ? { op: request.op, node: nodeIdToText(request.id) } : { op: request.op, requestId: request.requestId };
  const decision = await deps.decide({ id: msg.idE, label: node.label }, request); // owns request.key from here
  if (decision.status === 'denied') return denied(decision.reason, decision.text, node.key, about);
  await deps.audit({ event: 'node-enrolled', station, source: source.key, ...about, node: nodeIdToText(decision.result.id), created: decision.result.created });
  return sealEnrollResult(msg, node.key, t, decision, deps.random);
}
