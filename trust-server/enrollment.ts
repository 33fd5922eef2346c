/**
 * Factory enrollment at the trusted server (docs/protocol.md §9.8): the decision on an
 * authenticated station's request, for ../pia/phase3's `serveEnroll` (which checks the station,
 * opens the seal, audits and seals the answer).
 *
 *   register: a new ID → the node added with the board's key (created true); the same ID with
 *     the same key → the same answer (created false); a different key → denied 9; the node
 *     revoked → denied 2;
 *   generate: a requestId this station used before → the same ID and key (created false);
 *     else a fresh random ID and 256-bit key → the node added (created true).
 * Each addition is one store transaction with its enrollment record (the idempotency key is
 * "register:<id>" or "generate:<requestId>", per station), so a retry after a crash finds it.
 *
 * A store that cannot be reached (StoreError 'unavailable') → denied 8 "trusted server
 * unavailable" (audited by serveEnroll like any denial), never an enrollment half made.
 *
 * Must hold: the board's key leaves only in the result (serveEnroll seals it under W_E');
 * keys compared in constant time; the request's key bytes wiped once used.
 */
import { timingSafeEqual } from 'node:crypto';
import { nodeIdFromText, nodeIdToText, type EnrollDecide, type EnrollDecision, type EnrollRequest } from '../pia/phase3/index.js';
import { P3Reason } from '../pia/phase3/index.js';
import { NODE_KEY_BYTES } from '../pia/credential/index.js';
import { newNodeIdText, type RandomBytes } from './node-ids.js';
import { StoreError, type TrustStore } from './store/index.js';

export interface EnrollmentDeps {
  readonly store: TrustStore;
  readonly now: () => Date;
  readonly random: RandomBytes;
}

export function enrollmentDecider(d: EnrollmentDeps): EnrollDecide {
  return async (station, request) => {
    try {
      return await decide(d, nodeIdToText(station.id), request);
    } catch (err) {
      // A value the store refuses (a label it does not take) or a conflicting record: the station's to fix.
      if (err instanceof StoreError && (err.kind === 'invalid' || err.kind === 'conflict')) return { status: 'denied', reason: P3Reason.Malformed, text: err.message };
      if (err instanceof StoreError && err.kind === 'unavailable') return { status: 'denied', reason: P3Reason.ServerUnreachable, text: `trusted server unavailable: ${err.message}` };
      throw err;
    } finally {
      if (request.op === 'register') request.key.fill(0);
    }
  };
}

async function decide(d: EnrollmentDeps, stationId: string, req: EnrollRequest): Promise<EnrollDecision> {
  const { store, now, random } = d;
  await store.touchNode(stationId, now()); // authenticated: its seal opened (serveEnroll)
  const denied = (reason: P3Reason, text: string): EnrollDecision => ({ status: 'denied', reason, text });
  if (req.op === 'register') {
    const id = nodeIdToText(req.id);
    const existing = await store.getNode(id);
    if (existing !== undefined) {
      const stored = await store.nodeKey(id);
      const same = stored !== undefined && stored.length === req.key.length && timingSafeEqual(stored, req.key);
      stored?.fill(0);
      if (!same) return denied(P3Reason.Malformed, `node ${id} is already registered with a different key; a board keeps one ID and key (generate a new ID instead)`);
      if (existing.status !== 'active') return denied(P3Reason.Revoked, `node ${id} (${existing.label}) is registered but revoked`);
      return { status: 'enrolled', result: { id: req.id, created: false } };
    }
    await store.transaction(async (tx) => {
      await tx.addNode({ id, kind: req.kind, label: req.label, key: req.key }, now());
      await tx.recordEnrollment({ requestKey: `register:${id}`, stationId, nodeId: id });
    });
    return { status: 'enrolled', result: { id: req.id, created: true } };
  }
  const requestKey = `generate:${req.requestId}`;
  const previous = await store.findEnrollment(stationId, requestKey);
  if (previous !== undefined) {
    const node = await store.getNode(previous.nodeId);
    if (node === undefined) return denied(P3Reason.UnknownNode, `request ${req.requestId} enrolled node ${previous.nodeId}, which is no longer registered`);
    if (node.status !== 'active') return denied(P3Reason.Revoked, `request ${req.requestId} enrolled node ${node.id} (${node.label}), since revoked`);
    const key = await store.nodeKey(node.id);
    if (key === undefined) return denied(P3Reason.UnknownNode, `node ${node.id} has no key`);
    return { status: 'enrolled', result: { id: nodeIdFromText(node.id), key, created: false } };
  }
  const id = newNodeIdText(random);
  const key = random(NODE_KEY_BYTES);
  await store.transaction(async (tx) => {
    await tx.addNode({ id, kind: req.kind, label: req.label, key }, now());
    await tx.recordEnrollment({ requestKey, stationId, nodeId: id });
  });
  return { status: 'enrolled', result: { id: nodeIdFromText(id), key, created: true } };
}
