/**
 * B, the phase-2 responder, vouching for A's P3_REQ to the trusted server (docs/protocol.md
 * §9.4); one per phase-2 SA pair. No I/O: the node feeds it payloads and timer ticks.
 *
 *   1. P3_REQ: without an identity and a trusted server → P3_RESP denied 8 (unauthenticated).
 *      The first one: N_B drawn, MAC_B and W_B computed through the node key, P3_VOUCH(T, …)
 *      sent to S, retransmitted after 1, 2, 4, 8, 16 s (× [0.8, 1.2)). With `authority` (this
 *      node is S) the request is decided at once instead (S in B's place, §9.5).
 *      The same N_A again → "pending" while S has not answered, else the same P3_RESP again.
 *      Another N_A → ignored (one exchange per SA pair).
 *   2. P3_VERDICT matched by N_B and T (others ignored):
 *      ticket_B empty (unauthenticated): reason 7 → keep retransmitting (S is busy); other
 *        reasons → P3_RESP denied with that reason, action denied (unverified)
 *      ticket_B does not open under W_B, or does not parse → dropped as a forgery
 *      denied → P3_RESP denied (reason from the seal, ticket_A relayed), action denied (authentic)
 *      granted (peer = ID_A) → SPI_B' reserved, KM3, P3_RESP granted; action provisional
 *      Later verdicts for the same N_B are ignored (B uses the first it opens).
 *   3. P3_FIN with MAC_FI (constant time) or `confirmedByEsp()` → established (no keys: the
 *      provisional pair is confirmed). Unconfirmed 40 s after P3_RESP → failed.
 *   4. tick(): VOUCH retransmission; after the last wait: P3_RESP denied 8 (unauthenticated)
 *      sent to A, action failed.
 *
 * Must hold: Z, W_B and K_AB are wiped when the exchange ends; MAC_FI compared in constant time.
 */
import type { Clock } from '../../common/index.js';
import { PiaDecodeError } from '../errors.js';
import { systemRandom, type KxRandom } from '../handshake/random.js';
import { macB as computeMacB, macEquals, open, ticketAad, wrapKey } from './crypto.js';
import { decodeP3, encodeP3, type P3Req } from './messages.js';
import { sameNodeId } from './node-id.js';
import { deniedResponse, grantedResponse, pendingResponse } from './response.js';
import { Retransmitter, type RetransmitPolicy } from './retransmit.js';
import { NONCE_BYTES } from './sizes.js';
import { decodeDeniedTicket, decodeGrantedTicket } from './ticket.js';
import { P3Reason, P3Status, P3_REASON_TEXT, type NodeIdentity, type P3Action, type PeerVouched } from './types.js';

/** §9.4: how long a provisional phase-3 pair waits for P3_FIN or a first verified ESP packet. */
export const P3_UNCONFIRMED_MS = 40_000;

/** S deciding a P3_REQ addressed to itself (authority.ts `directAuthority`). */
export interface DirectAuthority {
  decide(request: P3Req, transcript: Uint8Array): Promise<DirectDecision>;
}

export type DirectDecision =
  | { readonly status: 'granted'; readonly ticketA: Uint8Array; readonly kAB: Uint8Array; readonly vouched: PeerVouched }
  | { readonly status: 'denied'; readonly reason: P3Reason; readonly text: string; readonly ticketA: Uint8Array };

export interface VoucherOptions {
  /** B's identity; omit when this node has no identity or no trusted server (→ denied 8). */
  readonly identity?: NodeIdentity;
  /** On the trusted server itself: decide P3_REQs locally instead of sending P3_VOUCH. */
  readonly authority?: DirectAuthority;
  readonly transcript: Uint8Array;
  /** Z of this SA pair (copied; the copy is wiped when the exchange ends). */
  readonly dhSecret: Uint8Array;
  /** Reserves SPI_B' among the node's inbound SPIs; throws when none is free. */
  readonly reserveSpi: () => number;
  readonly clock: Clock;
  readonly random?: KxRandom;
  readonly retransmit?: Partial<RetransmitPolicy>;
  readonly unconfirmedMs?: number;
}

export type VoucherState = 'idle' | 'preparing' | 'vouching' | 'provisional' | 'established' | 'denied' | 'failed';

export interface VoucherCounters {
  undecodable: number;
  unexpected: number;
  duplicates: number;
  otherRequests: number;
  /** Verdicts for another N_B or T. */
  stale: number;
  unverified: number;
  forged: number;
  badFins: number;
}

export class Phase3Voucher {
  readonly #o: VoucherOptions;
  readonly #t: Uint8Array;
  readonly #z: Uint8Array;
  readonly #random: KxRandom;
  readonly #timer: Retransmitter;
  #state: VoucherState = 'idle';
  #req: P3Req | undefined;
  #nB: Uint8Array | undefined;
  #idB: Uint8Array | undefined;
  #wB: Uint8Array | undefined;
  #vouch: Uint8Array | undefined;
  #resp: Uint8Array | undefined;
  #macFI: Uint8Array | undefined;
  #spiB: number | undefined;
  #confirmBy = 0;
  readonly #counters: VoucherCounters = { undecodable: 0, unexpected: 0, duplicates: 0, otherRequests: 0, stale: 0, unverified: 0, forged: 0, badFins: 0 };

  constructor(o: VoucherOptions) {
    this.#o = o;
    this.#t = Uint8Array.from(o.transcript);
    this.#z = Uint8Array.from(o.dhSecret);
    this.#random = o.random ?? systemRandom();
    this.#timer = new Retransmitter(o.clock, this.#random, o.retransmit);
  }

  get state(): VoucherState {
    return this.#state;
  }
  /** SPI_B' once reserved (the provisional phase-3 pair's inbound SPI). */
  get phase3SpiIn(): number | undefined {
    return this.#spiB;
  }
  get counters(): Readonly<VoucherCounters> {
    return { ...this.#counters };
  }

  async receiveRequest(payload: Uint8Array): Promise<P3Action[]> {
    const req = this.#decode(payload, 'req');
    if (req === undefined) return [];
    if (this.#req !== undefined) return this.#duplicate(req);
    if (this.#o.authority === undefined && this.#o.identity === undefined) {
      return [{ kind: 'send-peer', payload: deniedResponse(req.nA, P3Reason.ServerUnreachable, new Uint8Array(0)) }];
    }
    this.#req = req;
    this.#state = 'preparing';
    if (this.#o.authority !== undefined) return this.#decideHere(this.#o.authority, req);
    const identity = this.#o.identity;
    if (identity === undefined) return [];
    const nB = this.#random.bytes(NONCE_BYTES);
    let mac: Uint8Array;
    let wB: Uint8Array;
    try {
      [mac, wB] = await Promise.all([computeMacB(identity.key, identity.id, req.idA, this.#t, nB, req.nA), wrapKey(identity.key, 'R', this.#t, nB)]);
    } catch (err) {
      // The node key failed (a secure element that did not answer?): no answer, and no stuck
      // "pending" either: A's retransmission starts this request afresh.
      if (this.#state === 'preparing') {
        this.#state = 'idle';
        this.#req = undefined;
      }
      throw err;
    }
    if (this.#state !== 'preparing') {
      wB.fill(0);
      return [];
    }
    this.#nB = nB;
    this.#idB = identity.id;
    this.#wB = wB;
    this.#vouch = encodeP3({ kind: 'vouch', t: this.#t, nA: req.nA, idA: req.idA, idBStar: req.idBStar, macA: req.macA, nB, idB: identity.id, macB: mac });
    this.#state = 'vouching';
    this.#timer.start();
    return [{ kind: 'send-server', payload: this.#vouch }];
  }

  receiveVerdict(payload: Uint8Array): Promise<P3Action[]> {
    return Promise.resolve(this.#onVerdict(payload));
  }

  receiveFin(payload: Uint8Array): Promise<P3Action[]> {
    const fin = this.#decode(payload, 'fin');
    if (fin === undefined || this.#state !== 'provisional' || this.#req === undefined || this.#macFI === undefined) return Promise.resolve([]);
    if (!sameBytes(fin.nA, this.#req.nA) || !macEquals(fin.macFI, this.#macFI)) {
      this.#counters.badFins++;
      return Promise.resolve([]);
    }
    return Promise.resolve(this.#confirm());
  }

  /** The node verified an ESP packet on SPI_B' (the provisional pair): A has the keys (§5). */
  confirmedByEsp(): P3Action[] {
    return this.#state === 'provisional' ? this.#confirm() : [];
  }

  nextDeadline(): number | undefined {
    if (this.#state === 'vouching') return this.#timer.nextDeadline();
    return this.#state === 'provisional' ? this.#confirmBy : undefined;
  }

  tick(): P3Action[] {
    if (this.#state === 'provisional' && this.#o.clock.now() >= this.#confirmBy) {
      this.#end('failed');
      this.#resp = undefined; // the pair is gone: a late duplicate P3_REQ must not install it at A
      return [{ kind: 'failed', reason: P3Reason.None, text: `the phase-3 pair was not confirmed (no P3_FIN, no ESP packet on it) within ${(this.#o.unconfirmedMs ?? P3_UNCONFIRMED_MS) / 1000} s` }];
    }
    if (this.#state !== 'vouching' || this.#vouch === undefined || this.#req === undefined) return [];
    switch (this.#timer.due()) {
      case undefined:
        return [];
      case 'resend':
        return [{ kind: 'send-server', payload: this.#vouch }];
      case 'give-up': {
        this.#resp = deniedResponse(this.#req.nA, P3Reason.ServerUnreachable, new Uint8Array(0));
        this.#end('failed');
        const text = `no verdict from the trusted server after ${this.#timer.tries} P3_VOUCHes; check the trusted server's address and that it runs`;
        return [{ kind: 'send-peer', payload: this.#resp }, { kind: 'failed', reason: P3Reason.ServerUnreachable, text }];
      }
    }
  }

  /** The node dropped the SA pair: wipe the secrets, answer nothing more. */
  abandon(): void {
    if (this.#state !== 'established') this.#end('failed');
  }

  #duplicate(req: P3Req): P3Action[] {
    if (this.#req === undefined || !sameBytes(req.nA, this.#req.nA)) {
      this.#counters.otherRequests++;
      return [];
    }
    this.#counters.duplicates++;
    if (this.#resp !== undefined) return [{ kind: 'send-peer', payload: this.#resp }];
    if (this.#state === 'preparing' || this.#state === 'vouching') return [{ kind: 'send-peer', payload: pendingResponse(req.nA) }];
    return [];
  }

  async #decideHere(authority: DirectAuthority, req: P3Req): Promise<P3Action[]> {
    let d: DirectDecision;
    try {
      d = await authority.decide(req, this.#t);
    } catch (err) {
      // No decision (the audit log refused the record?): no answer; A's retransmission retries.
      this.#state = 'idle';
      this.#req = undefined;
      throw err;
    }
    if (this.#state !== 'preparing') {
      if (d.status === 'granted') d.kAB.fill(0);
      return [];
    }
    // S's own decision: authentic for S, whatever A can verify of it.
    if (d.status === 'denied') return this.#deny(req, d.reason, d.text, d.ticketA, true);
    return this.#grant(req, d.kAB, d.ticketA, d.vouched);
  }

  #onVerdict(payload: Uint8Array): P3Action[] {
    const v = this.#decode(payload, 'verdict');
    if (v === undefined) return [];
    const { nB, idB, wB, req } = { nB: this.#nB, idB: this.#idB, wB: this.#wB, req: this.#req };
    if (this.#state !== 'vouching' || nB === undefined || idB === undefined || wB === undefined || req === undefined || !sameBytes(v.nB, nB) || !sameBytes(v.t, this.#t)) {
      this.#counters.stale++;
      return [];
    }
    if (v.ticketB.length === 0) {
      this.#counters.unverified++;
      if (v.reason === P3Reason.RateLimited) return []; // S is busy: the retransmissions go on
      return this.#deny(req, v.reason, `the trusted server says: ${P3_REASON_TEXT[v.reason]} (unverified)`, v.ticketA, false);
    }
    const plain = open(wB, ticketAad('R', idB, req.idA, this.#t, nB, v.status), v.ticketB);
    try {
      if (plain === undefined) throw new PiaDecodeError('ticket', 'does not open under W_B');
      if (v.status === P3Status.Denied) {
        const denial = decodeDeniedTicket(plain);
        return this.#deny(req, denial.reason, denial.text, v.ticketA, true);
      }
      const ticket = decodeGrantedTicket(plain);
      if (!sameNodeId(ticket.peerId, req.idA)) {
        ticket.kAB.fill(0);
        throw new PiaDecodeError('ticket', 'names a peer other than ID_A');
      }
      const vouched = { peerId: ticket.peerId, peerKind: ticket.peerKind, peerLabel: ticket.label, lifetimeS: ticket.lifetimeS, grants: ticket.grants };
      return this.#grant(req, ticket.kAB, v.ticketA, vouched);
    } catch (err) {
      if (!(err instanceof PiaDecodeError)) throw err;
      this.#counters.forged++;
      return [];
    } finally {
      plain?.fill(0);
    }
  }

  #deny(req: P3Req, reason: P3Reason, text: string, ticketA: Uint8Array, authentic: boolean): P3Action[] {
    this.#resp = deniedResponse(req.nA, reason, ticketA);
    this.#end('denied');
    return [{ kind: 'send-peer', payload: this.#resp }, { kind: 'denied', reason, text, authentic }];
  }

  #grant(req: P3Req, kAB: Uint8Array, ticketA: Uint8Array, vouched: PeerVouched): P3Action[] {
    let spiB: number;
    try {
      spiB = this.#o.reserveSpi();
    } catch (err) {
      kAB.fill(0);
      this.#end('failed');
      throw err;
    }
    this.#spiB = spiB;
    const g = grantedResponse({ req, transcript: this.#t, dhSecret: this.#z, kAB, spiB, ticketA, vouched, receivedAt: this.#o.clock.now() });
    this.#resp = g.resp;
    this.#macFI = g.macFI;
    this.#end('provisional');
    this.#confirmBy = this.#o.clock.now() + (this.#o.unconfirmedMs ?? P3_UNCONFIRMED_MS);
    return [{ kind: 'send-peer', payload: g.resp }, { kind: 'provisional', keys: g.keys }];
  }

  #confirm(): P3Action[] {
    this.#state = 'established';
    return [{ kind: 'established' }];
  }

  #decode<K extends 'req' | 'verdict' | 'fin'>(payload: Uint8Array, kind: K): Extract<ReturnType<typeof decodeP3>, { kind: K }> | undefined {
    try {
      const msg = decodeP3(payload);
      if (msg.kind === kind) return msg as Extract<ReturnType<typeof decodeP3>, { kind: K }>;
      this.#counters.unexpected++;
    } catch (err) {
      if (!(err instanceof PiaDecodeError)) throw err;
      this.#counters.undecodable++;
    }
    return undefined;
  }

  /** Leaves `state`; the phase-2 secrets go (Z is not needed once KM3 is derived or phase 3 is over). */
  #end(state: VoucherState): void {
    this.#state = state;
    this.#timer.stop();
    this.#z.fill(0);
    this.#wB?.fill(0);
    this.#wB = undefined;
  }

  toString(): string {
    return `Phase3Voucher(${this.#state})`;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
