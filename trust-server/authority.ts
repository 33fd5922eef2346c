/**
 * The trusted server's side of phase 3 in a PIA node (pia/node's TrustAuthority): every
 * control message the server's node hands over lands here.
 *
 *   1. P3_VOUCH (B → S) and a P3_REQ sent to S itself → ../pia/phase3's `authorize` (§9.5) with
 *      deps from the store: lookupNode (registry + unwrapped key as a NodeKey), grantsFor (both
 *      directions: A may be the operator or the gateway) — for a P3_VOUCH both nodes and the
 *      grants in one read (authority-reads.ts `vouchReads`) —, audit (the hash-chained log,
 *      §9.7), touch ("last seen"), the shared rate limiter; its pair for a direct P3_REQ is
 *      installed;
 *   2. ENROLL (station → S, §9.8) → ../pia/phase3's `serveEnroll` (station check, seal,
 *      audit) with enrollment.ts deciding (idempotent registration and generation);
 *   3. anything else, or a P3_REQ on a pair without a transcript (a phase-3 pair) → dropped
 *      and counted.
 *
 * Must hold: one rate limiter for the whole server (§9.5 step 1: per source, per ID, 200/s in
 * all), shared by vouches, direct requests and enrollments; no answer leaves before its audit
 * record is on disk (authorize awaits `audit`; the file log fsyncs); keys are unwrapped per
 * lookup and the raw bytes wiped once wrapped in a NodeKey. The store is asynchronous and may
 * be out of reach (StoreError 'unavailable'): `authorize` lets a failing dep's error out, so
 * that error is answered here with a refusal, reason 8 and "trusted server unavailable" in its
 * audit record, unsealed (no ticket: the decision was never made), never a grant nor a crash.
 */
import type { Clock } from '../common/index.js';
import type { AsyncAuditLog, JsonValue } from '../common/audit/index.js';
import { formatEndpoint } from '../pia/discovery/index.js';
import type { AuthorityAnswer, AuthoritySource, TrustAuthority } from '../pia/node/index.js';
import {
  authorize,
  decodeP3,
  encodeP3,
  P3Reason,
  P3Status,
  checkTicketLifetime,
  serveEnroll,
  nodeIdFromText,
  nodeIdToText,
  peekP3Type,
  P3Type,
  VouchRateLimiter,
  type AuthorityDeps,
  type EnrollAuditRecord,
  type EnrollDeps,
  type Phase3AuditRecord,
  type VouchRateLimitOptions,
} from '../pia/phase3/index.js';
import { grantsBothWays, lookupNode, vouchReads } from './authority-reads.js';
import { enrollmentDecider } from './enrollment.js';
import { LastSeenCoalescer, type LastSeenOptions } from './last-seen.js';
import type { RandomBytes } from './node-ids.js';
import { StoreError } from './store/errors.js';
import type { TrustStore } from './store/types.js';

export interface ServerAuthorityDeps {
  readonly store: TrustStore;
  readonly audit: AsyncAuditLog;
  /** The server's own node ID (kind server): B for a P3_REQ sent to the server. */
  readonly serverId: string;
  readonly serverLabel?: string;
  readonly clock: Clock;
  /** Wall clock, for grant windows (the server's clock, §9.5 step 5) and "last seen". */
  readonly now: () => Date;
  readonly random: RandomBytes;
  readonly log: (level: 'info' | 'warn', message: string) => void;
  readonly rateLimits?: VouchRateLimitOptions;
  /** The longest ticket granted, 1–600 s (default 600, docs/protocol.md §9.6). */
  readonly ticketLifetimeS?: number;
  /** A granted vouch (not a request to the server itself), once audited: the revocation tracker (§9.11). */
  readonly onGranted?: (requester: string, responder: string, lifetimeS: number) => void;
  /** How often a node's "last seen" is written at most (default once a minute per node: last-seen.ts). */
  readonly lastSeen?: LastSeenOptions;
}

/** What is counted rather than logged (a flood must not grow the audit log, §9.5). */
export interface AuthorityCounters {
  rateLimited: number;
  undecodable: number;
  unexpected: number;
}

export class ServerAuthority implements TrustAuthority {
  readonly counters: AuthorityCounters = { rateLimited: 0, undecodable: 0, unexpected: 0 };
  readonly #deps: AuthorityDeps;
  readonly #enrollDeps: EnrollDeps;
  readonly #d: ServerAuthorityDeps;

  constructor(d: ServerAuthorityDeps) {
    this.#d = d;
    const limiter = new VouchRateLimiter(d.clock, d.rateLimits);
    const lastSeen = new LastSeenCoalescer((ids, now) => d.store.touchNodes(ids, now), d.lastSeen);
    this.#deps = {
      lookupNode: (id) => lookupNode(d.store, id),
      grantsFor: (a, b) => grantsBothWays(d.store, nodeIdToText(a), nodeIdToText(b), d.now()),
      audit: async (record) => {
        await d.audit.append(record.event, auditFields(record));
        if (record.event === 'phase3-granted' && !record.direct) d.onGranted?.(record.requester, record.responder, record.lifetimeS ?? 0);
      },
      random: { bytes: d.random },
      rateLimiter: limiter,
      touch: (id) => lastSeen.touch(nodeIdToText(id), d.now()),
      server: { id: nodeIdFromText(d.serverId), label: d.serverLabel ?? 'trusted server' },
      clock: d.clock,
      count: (what) => this.#count(what),
      ...(d.ticketLifetimeS === undefined ? {} : { ticketLifetimeS: checkTicketLifetime(d.ticketLifetimeS) }),
    };
    this.#enrollDeps = {
      lookupNode: this.#deps.lookupNode,
      decide: enrollmentDecider({ store: d.store, now: d.now, random: d.random }),
      audit: async (record) => {
        await d.audit.append(record.event, auditFields(record));
      },
      random: this.#deps.random,
      rateLimiter: limiter,
      count: (what) => this.#count(what),
    };
  }

  async handle(message: Uint8Array, source: AuthoritySource): Promise<AuthorityAnswer> {
    const key = formatEndpoint(source.peer);
    const type = peekP3Type(message);
    if (type === P3Type.Enroll) {
      if (source.transcript === undefined) {
        this.#count('unexpected'); // no T to bind the seal to (§9.8)
        return {};
      }
      const reply = await serveEnroll(message, { key, transcript: source.transcript }, this.#enrollDeps);
      return reply === undefined ? {} : { reply };
    }
    if (type === P3Type.Req && (source.transcript === undefined || source.dhSecret === undefined)) {
      this.#count('unexpected'); // a P3_REQ on a phase-3 pair: nothing to bind it to (§9.4)
      return {};
    }
    if (type !== P3Type.Req && type !== P3Type.Vouch) {
      this.#count(type === undefined ? 'undecodable' : 'unexpected');
      return {};
    }
    const vouch = type === P3Type.Vouch ? this.#vouchReads(message) : undefined;
    let answer: Awaited<ReturnType<typeof authorize>>;
    try {
      answer = await authorize(message, { key, ...optional(source) }, vouch === undefined ? this.#deps : { ...this.#deps, ...vouch.reads });
    } catch (err) {
      if (err instanceof StoreError && err.kind === 'unavailable') return await this.#unavailable(message, key, source, err);
      throw err;
    } finally {
      vouch?.done();
    }
    return { ...(answer.reply === undefined ? {} : { reply: answer.reply }), ...(answer.keys === undefined ? {} : { install: answer.keys }) };
  }

  /** A P3_VOUCH's reads as one (authority-reads.ts); undefined for a message that does not decode (authorize counts it). */
  #vouchReads(message: Uint8Array): ReturnType<typeof vouchReads> | undefined {
    let msg: ReturnType<typeof decodeP3>;
    try {
      msg = decodeP3(message);
    } catch {
      return undefined;
    }
    return msg.kind === 'vouch' ? vouchReads(this.#d.store, msg.idA, msg.idB, this.#d.now(), this.#deps) : undefined;
  }

  /** The store could not be read: a refusal (reason 8, unauthenticated), audited before it leaves. */
  async #unavailable(message: Uint8Array, key: string, source: AuthoritySource, err: StoreError): Promise<AuthorityAnswer> {
    const msg = decodeP3(message); // authorize decoded it already
    const why = `trusted server unavailable: ${err.message}`;
    const empty = new Uint8Array(0);
    const record = (requester: Uint8Array, responder: string, direct: boolean, t: Uint8Array): Phase3AuditRecord => ({
      event: 'phase3-denied',
      requester: nodeIdToText(requester),
      responder,
      direct,
      source: key,
      transcript: Buffer.from(t).toString('hex'),
      reason: P3Reason.ServerUnreachable,
      why,
    });
    if (msg.kind === 'vouch') {
      await this.#d.audit.append('phase3-denied', auditFields(record(msg.idA, nodeIdToText(msg.idB), false, msg.t)));
      return { reply: encodeP3({ kind: 'verdict', nB: msg.nB, t: msg.t, status: P3Status.Denied, reason: P3Reason.ServerUnreachable, ticketA: empty, ticketB: empty }) };
    }
    if (msg.kind !== 'req') throw err;
    await this.#d.audit.append('phase3-denied', auditFields(record(msg.idA, this.#d.serverId, true, source.transcript ?? empty)));
    return { reply: encodeP3({ kind: 'resp', nA: msg.nA, status: P3Status.Denied, reason: P3Reason.ServerUnreachable, spiB: 0, ticketA: empty, macFR: empty }) };
  }

  #count(what: 'rate-limited' | 'undecodable' | 'unexpected'): void {
    if (what === 'rate-limited') this.counters.rateLimited++;
    else this.counters[what]++;
  }
}

function optional(s: AuthoritySource): { transcript?: Uint8Array; dhSecret?: Uint8Array; reserveSpi: () => number } {
  return {
    ...(s.transcript === undefined ? {} : { transcript: s.transcript }),
    ...(s.dhSecret === undefined ? {} : { dhSecret: s.dhSecret }),
    reserveSpi: () => s.reserveSpi(),
  };
}

/** A record's fields as the audit log takes them (absent fields left out; no field holds a key). */
function auditFields(r: Phase3AuditRecord | EnrollAuditRecord): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(r)) {
    if (k === 'event' || v === undefined) continue;
    out[k] = Array.isArray(v) ? [...(v as string[])] : (v as JsonValue);
  }
  return out;
}
