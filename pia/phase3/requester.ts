/**
 * A, the phase-2 initiator, asking for phase 3 over its SA pair with B (docs/protocol.md §9.4).
 * No I/O: the node feeds it P3_RESP payloads and timer ticks and carries out its actions.
 *
 *   1. start(): N_A drawn at construction; MAC_A and W_A computed through the node key;
 *      P3_REQ(N_A, ID_A, ID_B*, SPI_A', MAC_A) sent; waits 1, 2, 4, 8, 16 s (× [0.8, 1.2))
 *   2. tick(): the identical P3_REQ again at each deadline; after the last wait: failed 8
 *   3. P3_RESP for our N_A:
 *      pending → the resend that drew it is not counted (B is alive, S slow); waits go on
 *      denied, empty ticket → denied, unverified (the SA stays at phase 2; nothing believed)
 *      denied, ticket opens under W_A (AAD status 1) → denied, authentic (reason and text from the seal)
 *      granted: ticket_A opens under W_A (AAD status 0) and parses; peer ∈ {ID_B*} unless ID_B* is
 *      zero; KM3; MAC_FR verifies (constant time) → P3_FIN sent, established with the keys.
 *      Any failed check → ignored and counted (a forgery or a relay by a man in the middle):
 *      retransmission goes on.
 *   4. established: the same P3_RESP again → the same P3_FIN again; anything else ignored.
 *
 * Must hold: Z, W_A and K_AB are wiped when the exchange ends (any way) and never printed.
 */
import type { Clock } from '../../common/index.js';
import { PiaDecodeError } from '../errors.js';
import { NONCE_BYTES } from '../handshake/messages.js';
import { systemRandom, type KxRandom } from '../handshake/random.js';
import { macA as computeMacA, macEquals, open, phase3Session, ticketAad, wrapKey } from './crypto.js';
import { decodeP3, encodeP3, type P3Resp } from './messages.js';
import { ZERO_NODE_ID, isZeroNodeId, nodeIdToText, sameNodeId } from './node-id.js';
import { Retransmitter, type RetransmitPolicy } from './retransmit.js';
import { decodeDeniedTicket, decodeGrantedTicket } from './ticket.js';
import { P3Reason, P3Status, type NodeId, type NodeIdentity, type P3Action, type Phase3Keys } from './types.js';

export interface RequesterOptions {
  readonly identity: NodeIdentity;
  /** The partner A expects (ID_B*); omitted or all-zero = any registered partner. */
  readonly expectedPeer?: NodeId;
  /** T of the phase-2 pair phase 3 runs over (§5). */
  readonly transcript: Uint8Array;
  /** Z of that pair (copied here; this copy is wiped when the exchange ends). */
  readonly dhSecret: Uint8Array;
  /** SPI_A': our inbound SPI for the phase-3 pair, already reserved by the node. */
  readonly spiIn: number;
  readonly clock: Clock;
  readonly random?: KxRandom;
  readonly retransmit?: Partial<RetransmitPolicy>;
}

export type RequesterState = 'idle' | 'starting' | 'waiting' | 'established' | 'denied' | 'failed';

export interface RequesterCounters {
  /** Undecodable payloads, and messages of another type. */
  undecodable: number;
  unexpected: number;
  /** P3_RESPs for another N_A (replays from an earlier exchange). */
  stale: number;
  pending: number;
  /** P3_RESPs that failed a check (seal, ticket, partner, MAC_FR). */
  forged: number;
}

export class Phase3Requester {
  readonly nA: Uint8Array;
  readonly spiIn: number;
  readonly #identity: NodeIdentity;
  readonly #idBStar: NodeId;
  readonly #t: Uint8Array;
  readonly #z: Uint8Array;
  readonly #clock: Clock;
  readonly #timer: Retransmitter;
  #state: RequesterState = 'idle';
  #req: Uint8Array | undefined;
  #wA: Uint8Array | undefined;
  #acceptedResp: Uint8Array | undefined;
  #fin: Uint8Array | undefined;
  #keys: Phase3Keys | undefined;
  readonly #counters: RequesterCounters = { undecodable: 0, unexpected: 0, stale: 0, pending: 0, forged: 0 };

  constructor(o: RequesterOptions) {
    const random = o.random ?? systemRandom();
    this.#identity = o.identity;
    this.#idBStar = o.expectedPeer === undefined ? ZERO_NODE_ID : Uint8Array.from(o.expectedPeer);
    this.#t = Uint8Array.from(o.transcript);
    this.#z = Uint8Array.from(o.dhSecret);
    this.spiIn = o.spiIn;
    this.#clock = o.clock;
    this.#timer = new Retransmitter(o.clock, random, o.retransmit);
    this.nA = random.bytes(NONCE_BYTES);
  }

  get state(): RequesterState {
    return this.#state;
  }
  get keys(): Phase3Keys | undefined {
    return this.#keys;
  }
  get counters(): Readonly<RequesterCounters> {
    return { ...this.#counters };
  }

  /** Computes MAC_A and W_A (two HMACs with the node key) and sends the first P3_REQ. */
  async start(): Promise<P3Action[]> {
    if (this.#state !== 'idle') return [];
    this.#state = 'starting';
    const { id, key } = this.#identity;
    const [mac, wA] = await Promise.all([computeMacA(key, id, this.#idBStar, this.#t, this.nA), wrapKey(key, 'I', this.#t, this.nA)]);
    if (this.#state !== 'starting') {
      wA.fill(0); // abandoned meanwhile
      return [];
    }
    this.#wA = wA;
    this.#req = encodeP3({ kind: 'req', nA: this.nA, idA: id, idBStar: this.#idBStar, spiA: this.spiIn, macA: mac });
    this.#state = 'waiting';
    this.#timer.start();
    return [{ kind: 'send-peer', payload: this.#req }];
  }

  /** A phase-3 payload from B on our SA pair. */
  receive(payload: Uint8Array): Promise<P3Action[]> {
    return Promise.resolve(this.#receive(payload));
  }

  nextDeadline(): number | undefined {
    return this.#state === 'waiting' ? this.#timer.nextDeadline() : undefined;
  }

  tick(): P3Action[] {
    if (this.#state !== 'waiting' || this.#req === undefined) return [];
    switch (this.#timer.due()) {
      case undefined:
        return [];
      case 'resend':
        return [{ kind: 'send-peer', payload: this.#req }];
      case 'give-up':
        this.#end('failed');
        return [{ kind: 'failed', reason: P3Reason.ServerUnreachable, text: `no phase-3 answer via the peer after ${this.#timer.tries} P3_REQs; trusted server unreachable via the peer (the SA stays at phase 2)` }];
    }
  }

  /** The node dropped the SA pair (or gave up): wipe the secrets, answer nothing more. */
  abandon(): void {
    if (this.#state !== 'established') this.#end('failed');
  }

  #receive(payload: Uint8Array): P3Action[] {
    let msg;
    try {
      msg = decodeP3(payload);
    } catch (err) {
      if (!(err instanceof PiaDecodeError)) throw err;
      this.#counters.undecodable++;
      return [];
    }
    if (msg.kind !== 'resp') {
      this.#counters.unexpected++;
      return [];
    }
    if (!sameBytes(msg.nA, this.nA)) {
      this.#counters.stale++;
      return [];
    }
    if (this.#state === 'established') {
      const again = this.#acceptedResp !== undefined && sameBytes(payload, this.#acceptedResp);
      return again && this.#fin !== undefined ? [{ kind: 'send-peer', payload: this.#fin }] : [];
    }
    if (this.#state !== 'waiting' || this.#wA === undefined) return [];
    switch (msg.status) {
      case P3Status.Pending:
        this.#counters.pending++;
        this.#timer.uncount();
        return [];
      case P3Status.Denied:
        return this.#denied(msg, this.#wA);
      case P3Status.Granted:
        return this.#granted(msg, payload, this.#wA);
    }
  }

  #denied(msg: P3Resp, wA: Uint8Array): P3Action[] {
    if (msg.ticketA.length === 0) {
      this.#end('denied');
      return [{ kind: 'denied', reason: msg.reason, text: '', authentic: false }];
    }
    const plain = open(wA, ticketAad('I', this.#identity.id, this.#idBStar, this.#t, this.nA, P3Status.Denied), msg.ticketA);
    let denial;
    try {
      if (plain === undefined) throw new PiaDecodeError('ticket', 'does not open under W_A');
      denial = decodeDeniedTicket(plain);
    } catch (err) {
      if (!(err instanceof PiaDecodeError)) throw err;
      this.#counters.forged++;
      return [];
    }
    this.#end('denied');
    return [{ kind: 'denied', reason: denial.reason, text: denial.text, authentic: true }];
  }

  #granted(msg: P3Resp, payload: Uint8Array, wA: Uint8Array): P3Action[] {
    const plain = open(wA, ticketAad('I', this.#identity.id, this.#idBStar, this.#t, this.nA, P3Status.Granted), msg.ticketA);
    let ticket;
    try {
      if (plain === undefined) throw new PiaDecodeError('ticket', 'does not open under W_A');
      ticket = decodeGrantedTicket(plain);
    } catch (err) {
      if (!(err instanceof PiaDecodeError)) throw err;
      this.#counters.forged++;
      return [];
    } finally {
      plain?.fill(0);
    }
    if (!isZeroNodeId(this.#idBStar) && !sameNodeId(ticket.peerId, this.#idBStar)) {
      ticket.kAB.fill(0);
      this.#counters.forged++;
      return [];
    }
    const session = phase3Session(this.#z, ticket.kAB, this.#t, this.nA, this.spiIn, msg.spiB);
    ticket.kAB.fill(0);
    if (!macEquals(msg.macFR, session.macFR)) {
      this.#counters.forged++;
      return [];
    }
    this.#keys = {
      role: 'initiator',
      spiIn: this.spiIn,
      spiOut: msg.spiB,
      inbound: session.r2i,
      outbound: session.i2r,
      vouched: { peerId: ticket.peerId, peerKind: ticket.peerKind, peerLabel: ticket.label, lifetimeS: ticket.lifetimeS, grants: ticket.grants },
      receivedAt: this.#clock.now(),
    };
    this.#acceptedResp = Uint8Array.from(payload);
    this.#fin = encodeP3({ kind: 'fin', nA: this.nA, macFI: session.macFI });
    this.#end('established');
    return [{ kind: 'send-peer', payload: this.#fin }, { kind: 'established', keys: this.#keys }];
  }

  #end(state: 'established' | 'denied' | 'failed'): void {
    this.#state = state;
    this.#timer.stop();
    this.#z.fill(0);
    this.#wA?.fill(0);
    this.#wA = undefined;
  }

  toString(): string {
    return `Phase3Requester(${nodeIdToText(this.#identity.id)}, ${this.#state})`;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
