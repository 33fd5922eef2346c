/**
 * Phase 3 in a node (docs/protocol.md §9.4): runs the requester (A) and voucher (B) state
 * machines of ../phase3 over the node's SAs, or hands messages to the trusted server's
 * authority when the node is the server, and installs the phase-3 SA pairs they produce.
 *
 *   1. a phase-2 pair comes up (pairUp): as its initiator, with an identity, we request:
 *      SPI_A' reserved, P3_REQ sent on the pair (ESP next header 253) naming the partner we
 *      expect (ID_B*: the one `connect` was given, or the trusted server's ID at its endpoint)
 *   2. a control message arrives on a pair (control), routed by type (§9.2):
 *      16 P3_REQ → our voucher for that pair (created on first sight), or the authority
 *      17 P3_VOUCH, 21 ENROLL → the authority (trusted server only)
 *      18 P3_VERDICT → the voucher waiting for it (it checks N_B and T)
 *      19 P3_RESP → our requester on that pair;  20 P3_FIN → our voucher on that pair
 *      22 ENROLL_RESULT and anything the node does not run → control listeners (a station)
 *   3. actions: send to the peer on that pair; send to the trusted server (connecting first; a
 *      resent vouch the server's endpoint left unanswered goes to its next endpoint, §9.12);
 *      provisional/established → a phase-3 pair installed (A: current at once; B: current once
 *      P3_FIN or a first ESP packet on it verifies); denied/failed → events, and a held pair
 *      (§9.4 rekey) becomes current at phase 2
 *   4. timers: the machines' retransmissions (tick, nextDeadline), over the machines that
 *      still have a deadline only (`#timed`): a finished machine stays until its pair closes
 *      (to answer late duplicates) but no datagram or timer walks it
 *
 * Must hold: Z of a pair is wiped as soon as phase 3 on it is over (done, denied, failed or
 * the pair closed); no event or log line carries a key, a MAC or a ticket; with
 * `trustServerId`, no request to the trusted server's endpoint goes out with ID_B* "any".
 */
import { espContext, formatEndpoint, type PeerEndpoint, type SecurityContext } from '../discovery/index.js';
import { pickSpi, type KxRandom } from '../handshake/index.js';
import { Phase3Requester, Phase3Voucher, nodeIdFromText, nodeIdToText, type P3Action, type Phase3Keys } from '../phase3/index.js';
import type { NodeIdentity } from '../phase3/types.js';
import type { Clock } from '../../common/index.js';
import type { PiaNodeEvent, SaLimits } from './node-types.js';
import { describeNodeEvent } from './node-support.js';
import type { Peer } from './peer.js';
import { SaPair } from './sa.js';
import type { SaTable } from './sa-table.js';
import type { Endpoint } from './transport.js';
import { authenticatedContext } from './phase3-context.js';
import type { TrustAuthority } from './trust-authority.js';
import { scheduleRenewal } from './ticket-renewal.js';
import { checkServerId, sendToTrustServer, TrustEndpoints, type SentStamp } from './trust-endpoints.js';

export interface Phase3Options {
  /** This node's ID and key: with them it runs phase 3 with its peers (§9.4). */
  readonly identity?: NodeIdentity;
  /** The trusted server's PIA endpoint: where this node sends P3_VOUCH when it vouches. */
  readonly trustServer?: Endpoint;
  /**
   * Every endpoint of the trusted server (instances sharing its database, §9.12), in the order
   * to try them; replaces `trustServer`. A vouch that goes unanswered is resent to the next.
   */
  readonly trustServers?: readonly Endpoint[];
  /**
   * The trusted server's node ID (UUID text; a credential's `server.id`). Phase 3 with the node
   * at `trustServer` then names it as `ID_B*` (§9.2), so another registered node answering at
   * that endpoint is refused (reason 6) instead of being taken for the server.
   */
  readonly trustServerId?: string;
  /** Set on the trusted server itself: P3_VOUCH, ENROLL and P3_REQ addressed to it go here. */
  readonly authority?: TrustAuthority;
}

export type ControlListener = (payload: Uint8Array, from: PeerEndpoint, reply: (payload: Uint8Array) => Promise<void>) => void;

/** What the driver needs from the node (node-core.ts). */
export interface Phase3Host {
  readonly clock: Clock;
  readonly limits: SaLimits;
  readonly table: SaTable;
  readonly random: KxRandom;
  readonly library: 'node' | 'noble' | 'sodium' | undefined;
  emit(event: PiaNodeEvent): void;
  log(level: 'info' | 'warn', message: string): void;
  activate(peer: Peer, pair: SaPair): void;
  sendControl(peer: Peer, pair: SaPair, payload: Uint8Array): Promise<void>;
  sendDummy(peer: Peer, pair: SaPair): void;
  /** §8: appends the pair's keys to the key log, if one is open. */
  logKeys(peer: Peer, pair: SaPair): void;
  /** Resolves when an SA with the endpoint is up (starting an exchange if needed). */
  connect(endpoint: Endpoint): Promise<void>;
  peerAt(endpoint: Endpoint): Peer | undefined;
}

const P3_REQ = 16;
const P3_VOUCH = 17;
const P3_VERDICT = 18;
const P3_RESP = 19;
const P3_FIN = 20;
const ENROLL = 21;

export class Phase3Driver {
  readonly #host: Phase3Host;
  readonly #o: Phase3Options;
  readonly #requesters = new Map<SaPair, { readonly machine: Phase3Requester; readonly peer: Peer }>();
  readonly #vouchers = new Map<SaPair, { readonly machine: Phase3Voucher; readonly peer: Peer }>();
  readonly #controlListeners = new Set<ControlListener>();
  /** The pairs whose requester or voucher has a deadline (a retransmission or a give-up). */
  readonly #timed = new Set<SaPair>();
  readonly #servers: TrustEndpoints | undefined;
  /** Where and when each voucher's last P3_VOUCH went (trust-endpoints.ts step 2). */
  readonly #vouchSent = new Map<SaPair, SentStamp>();

  /** Throws when `trustServerId` is not a node ID (the message names it and the fix). */
  constructor(host: Phase3Host, options: Phase3Options = {}) {
    this.#host = host;
    this.#o = options;
    if (options.trustServerId !== undefined) checkServerId(options.trustServerId);
    const endpoints = options.trustServers ?? (options.trustServer === undefined ? [] : [options.trustServer]);
    this.#servers = endpoints.length === 0 ? undefined : new TrustEndpoints(endpoints);
  }

  /** The trusted server's endpoint this node talks to now (it moves on when one goes silent, §9.12). */
  trustServer(): Endpoint | undefined {
    return this.#servers?.current();
  }

  /** An exchange with the server at `endpoint` went unanswered (a report, a grants fetch): move on from it. */
  trustServerFailed(endpoint: Endpoint): void {
    const moved = this.#servers?.failed(endpoint);
    if (moved !== undefined) this.#host.log('warn', `PIA: the trusted server at ${formatEndpoint(endpoint)} does not answer; trying its endpoint ${formatEndpoint(moved)}`);
  }

  /** True when this node runs phase 3 on its pairs (so a rekey holds the phase-3 pair, §9.4). */
  willRun(): boolean {
    return this.#o.identity !== undefined || this.#o.authority !== undefined;
  }

  onControl(listener: ControlListener): () => void {
    this.#controlListeners.add(listener);
    return () => this.#controlListeners.delete(listener);
  }

  /** §9.4 rekey: the phase-3 pair stays current; `pair` waits for phase 3 (or phase3HoldMs). */
  hold(peer: Peer, pair: SaPair): void {
    if (peer.pending !== undefined && peer.pending !== pair) this.giveUp(peer, peer.pending, 'superseded by a newer rekey');
    peer.pending = pair;
  }

  pairUp(peer: Peer, pair: SaPair, role: 'initiator' | 'responder'): void {
    const identity = this.#o.identity;
    if (role !== 'initiator' || identity === undefined || this.#o.authority !== undefined) return;
    const transcript = pair.transcript;
    const dhSecret = pair.dhSecret;
    if (transcript === undefined || dhSecret === undefined) return;
    const spiIn = this.#reserveSpi();
    const expected = this.#expectedAt(peer);
    const machine = new Phase3Requester({
      identity,
      transcript,
      dhSecret,
      spiIn,
      clock: this.#host.clock,
      random: this.#host.random,
      ...(expected === undefined ? {} : { expectedPeer: nodeIdFromText(expected) }),
    });
    this.#requesters.set(pair, { machine, peer });
    peer.phase3Error = undefined;
    void machine.start().then(
      (actions) => this.#run(peer, pair, actions, 'initiator'),
      (err: unknown) => this.#host.log('warn', `PIA phase 3 with ${formatEndpoint(peer.endpoint)}: cannot compute our request (${err instanceof Error ? err.message : String(err)}); check the node key (secure element reachable?)`),
    );
  }

  /**
   * `ID_B*` of our request to `peer` (§9.2): the partner the application named there, else the
   * trusted server's ID when `peer` is the trusted server, whoever started the exchange (our
   * voucher reaching S, the node checking its own key with S), else any.
   */
  #expectedAt(peer: Peer): string | undefined {
    if (peer.expectPeer !== undefined) return peer.expectPeer;
    return this.#serverIndex(peer) >= 0 ? this.#o.trustServerId : undefined;
  }

  /** Which of the trusted server's endpoints `peer` is, or -1. */
  #serverIndex(peer: Peer): number {
    return this.#servers?.all.findIndex((e) => this.#host.peerAt(e) === peer) ?? -1;
  }

  control(peer: Peer, pair: SaPair, payload: Uint8Array): void {
    void this.#control(peer, pair, payload).catch((err: unknown) => {
      this.#host.log('warn', `PIA phase 3 with ${formatEndpoint(peer.endpoint)}: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  async #control(peer: Peer, pair: SaPair, payload: Uint8Array): Promise<void> {
    const type = payload.length >= 2 && payload[0] === 1 ? payload[1] : undefined;
    this.#servers?.heard(this.#serverIndex(peer), this.#host.clock.now());
    const authority = this.#o.authority;
    if (authority !== undefined && (type === P3_VOUCH || type === ENROLL || type === P3_REQ)) {
      await this.#toAuthority(authority, peer, pair, payload);
      return;
    }
    const requester = this.#requesters.get(pair);
    const voucher = this.#vouchers.get(pair);
    if (type === P3_REQ) {
      await this.#request(peer, pair, payload);
    } else if (type === P3_VERDICT) {
      // Only a voucher still waiting for its verdict has a deadline (it retransmits P3_VOUCH).
      for (const base of [...this.#timed]) {
        const v = this.#vouchers.get(base);
        if (v !== undefined) this.#run(v.peer, base, await v.machine.receiveVerdict(payload), 'responder');
      }
    } else if (type === P3_RESP && requester !== undefined) {
      this.#run(peer, pair, await requester.machine.receive(payload), 'initiator');
    } else if (type === P3_FIN && voucher !== undefined) {
      this.#run(peer, pair, await voucher.machine.receiveFin(payload), 'responder');
    } else {
      // Not ours to run: a station's ENROLL_RESULT, a relay's traffic, or nothing (dropped).
      for (const l of this.#controlListeners) l(payload, peer.endpoint, (reply) => this.#host.sendControl(peer, pair, reply));
    }
  }

  async #request(peer: Peer, pair: SaPair, payload: Uint8Array): Promise<void> {
    let v = this.#vouchers.get(pair);
    if (v === undefined) {
      const { transcript, dhSecret } = pair;
      if (transcript === undefined || dhSecret === undefined) return; // a P3_REQ on a phase-3 pair: nothing to bind to
      const machine = new Phase3Voucher({
        ...(this.#o.identity === undefined || this.#servers === undefined ? {} : { identity: this.#o.identity }),
        transcript,
        dhSecret,
        reserveSpi: () => this.#reserveSpi(),
        clock: this.#host.clock,
        random: this.#host.random,
      });
      v = { machine, peer };
      this.#vouchers.set(pair, v);
    }
    this.#run(peer, pair, await v.machine.receiveRequest(payload), 'responder');
  }

  async #toAuthority(authority: TrustAuthority, peer: Peer, pair: SaPair, payload: Uint8Array): Promise<void> {
    const answer = await authority.handle(payload, {
      peer: peer.endpoint,
      transcript: pair.transcript,
      dhSecret: pair.dhSecret,
      reserveSpi: () => this.#reserveSpi(),
    });
    if (answer.install !== undefined) this.#install(peer, pair, answer.install, 'responder', false);
    if (answer.reply !== undefined) await this.#host.sendControl(peer, pair, answer.reply);
  }

  #run(peer: Peer, pair: SaPair, actions: readonly P3Action[], role: 'initiator' | 'responder'): void {
    this.#track(pair);
    for (const a of actions) {
      switch (a.kind) {
        case 'send-peer':
          void this.#host.sendControl(peer, pair, a.payload).catch(() => undefined); // send errors are events
          break;
        case 'send-server':
          void this.#toServer(pair, a.payload);
          break;
        case 'provisional':
          this.#install(peer, pair, a.keys, role, false);
          break;
        case 'established':
          if (a.keys !== undefined) this.#install(peer, pair, a.keys, role, true);
          else this.#confirmVoucher(pair);
          break;
        case 'denied':
        case 'failed': {
          this.#ended(peer, pair);
          const event: PiaNodeEvent =
            a.kind === 'denied'
              ? { kind: 'phase3-denied', peer: peer.endpoint, reason: a.reason, text: a.text, authentic: a.authentic }
              : { kind: 'phase3-failed', peer: peer.endpoint, reason: a.reason, text: a.text };
          peer.phase3Error = describeNodeEvent(event); // an unverified denial is a hint, but it ends this exchange too
          this.#host.emit(event);
          this.#promoteHeld(peer, pair);
          break;
        }
      }
    }
  }

  /** P3_VOUCH to the trusted server, over our SA with it (connected on demand; trust-endpoints.ts moves on from a silent one). */
  async #toServer(pair: SaPair, payload: Uint8Array): Promise<void> {
    if (this.#servers !== undefined) await sendToTrustServer(this.#servers, this.#host, this.#vouchSent, pair, payload);
  }

  #install(peer: Peer, base: SaPair, keys: Phase3Keys, role: 'initiator' | 'responder', confirmed: boolean): void {
    const now = this.#host.clock.now();
    const pair = new SaPair({ ...keys, suite: base.suite, role }, now, this.#host.library, { vouched: keys.vouched, receivedAt: now });
    pair.confirmed = confirmed;
    this.#host.table.install(pair, peer);
    this.#host.logKeys(peer, pair);
    base.wipeDhSecret();
    if (confirmed) this.#up(peer, pair, role);
  }

  /** B: P3_FIN verified (voucher 'established' without keys) for the pair installed from `base`. */
  #confirmVoucher(base: SaPair): void {
    const v = this.#vouchers.get(base);
    const spi = v?.machine.phase3SpiIn;
    const sa = spi === undefined ? undefined : this.#host.table.inbound(spi);
    if (sa === undefined || sa.pair.confirmed) return;
    sa.pair.confirmed = true;
    this.#up(sa.peer, sa.pair, 'responder');
  }

  /** A first verified ESP packet on a provisional phase-3 pair confirms it as P3_FIN would. */
  confirmedByEsp(peer: Peer, pair: SaPair): void {
    for (const [base, v] of this.#vouchers) {
      if (v.machine.phase3SpiIn === pair.spiIn) {
        this.#run(v.peer, base, v.machine.confirmedByEsp(), 'responder');
        return;
      }
    }
    pair.confirmed = true; // installed by the authority (a direct request to the trusted server)
    this.#up(peer, pair, 'responder');
  }

  #up(peer: Peer, pair: SaPair, role: 'initiator' | 'responder'): void {
    const lifetimeS = pair.phase3?.vouched.lifetimeS;
    if (role === 'initiator' && lifetimeS !== undefined) scheduleRenewal(peer, this.#host.clock.now(), lifetimeS);
    this.#host.activate(peer, pair);
    peer.phase3Error = undefined;
    const v = pair.phase3?.vouched;
    if (v === undefined) return;
    this.#host.emit({ kind: 'phase3-up', peer: peer.endpoint, sa: pair.info, role, peerId: nodeIdToText(v.peerId), peerKind: v.peerKind, peerLabel: v.peerLabel, grants: v.grants.length });
    if (role === 'initiator') this.#host.sendDummy(peer, pair); // §9.4: a lost P3_FIN costs nothing
  }

  /** §9.4: a denied or failed phase 3 on a held rekeyed pair: it becomes current at phase 2. */
  #promoteHeld(peer: Peer, pair: SaPair): void {
    if (peer.pending === pair) this.#host.activate(peer, pair);
  }

  giveUp(peer: Peer, pair: SaPair, why: string): void {
    this.#host.log('info', `PIA phase 3 with ${formatEndpoint(peer.endpoint)}: ${why}; continuing at phase 2 on SA in 0x${pair.spiIn.toString(16)}`);
    this.#ended(peer, pair);
    this.#promoteHeld(peer, pair);
  }

  /**
   * Phase 3 on `pair` is over: its Z is wiped. The machines stay until the pair closes, so a
   * late duplicate gets their answer, not a new exchange over a wiped Z.
   */
  #ended(_peer: Peer, pair: SaPair): void {
    pair.wipeDhSecret();
  }

  pairClosed(pair: SaPair): void {
    this.#requesters.delete(pair);
    this.#vouchers.delete(pair);
    this.#timed.delete(pair);
    this.#vouchSent.delete(pair);
    pair.wipeDhSecret();
  }

  /** Keeps `#timed` true for `pair` after its machines may have changed. */
  #track(pair: SaPair): void {
    const requester = this.#requesters.get(pair)?.machine.nextDeadline();
    const voucher = this.#vouchers.get(pair)?.machine.nextDeadline();
    if (requester === undefined && voucher === undefined) this.#timed.delete(pair);
    else this.#timed.add(pair);
  }

  context(peer: Peer, pair: SaPair): SecurityContext {
    if (pair.phase3 === undefined) return espContext(peer.endpoint, pair.info);
    return authenticatedContext(peer.endpoint, pair.info, pair.phase3, this.#host.clock.now());
  }

  tick(): void {
    for (const pair of [...this.#timed]) {
      const r = this.#requesters.get(pair);
      if (r !== undefined) this.#run(r.peer, pair, r.machine.tick(), 'initiator');
      const v = this.#vouchers.get(pair);
      if (v !== undefined) this.#run(v.peer, pair, v.machine.tick(), 'responder');
    }
  }

  nextDeadline(): number | undefined {
    let next = Infinity;
    for (const pair of this.#timed) {
      next = Math.min(next, this.#requesters.get(pair)?.machine.nextDeadline() ?? Infinity, this.#vouchers.get(pair)?.machine.nextDeadline() ?? Infinity);
    }
    return Number.isFinite(next) ? next : undefined;
  }

  #reserveSpi(): number {
    const table = this.#host.table;
    const spi = pickSpi(this.#host.random, (candidate) => table.spiFree(candidate));
    if (spi === undefined) throw new Error('PIA phase 3: no free inbound SPI found; the SA table is exhausted, restart the node');
    table.reserve(spi);
    return spi;
  }
}
