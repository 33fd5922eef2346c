/**
 * The inside of a PIA node (pia-node.ts is its public face): the key exchange, the SA table
 * and the ESP data plane wired to one datagram transport (docs/protocol.md §2–§8). The
 * libraries it drives have no I/O; this owns the socket listener, the one timer, the tables.
 *
 *   1. datagram in (§2): 0xFF → NAT keepalive, dropped; < 8 bytes → dropped; zero marker →
 *      key exchange (INIT/CONFIRM to the responder, RESP/COOKIE/REFUSE to our initiator by
 *      SPIi; an INIT from a peer we are initiating toward goes through the §4 tie-break:
 *      the lower Ni wins, the loser abandons its INIT and answers the other's);
 *      anything else → ESP, esp-inbound.ts (§6 order)
 *   2. exchange actions: send; provisional (responder: inbound SA installed, accepted only
 *      once confirmed); established (pair activated: the old pair's inbound side kept for the
 *      grace period, rekey time drawn with jitter, key log, latch, `connect()` callers
 *      released; an initiator sends a dummy ESP packet at once so a lost CONFIRM costs
 *      nothing); failed (reserved SPI released, callers rejected, a failed rekey retried)
 *   3. one timer at the earliest deadline of the responder, every initiator and every
 *      peer's lifecycle (lifecycle.ts, peer.ts)
 *   4. outbound ESP on the current pair; rekey by packet count in either direction, only with
 *      a peer we initiated to (§3: a responder never starts an exchange toward its initiator)
 *   5. the end of an association besides the timers (association-end.ts): CLOSE received
 *      (control type 32, §6) or sent as the node closes; the network's "unreachable" (§2)
 * Steps 1 (ESP) and 4 allocate nothing of ours per packet: esp-inbound.ts, esp-outbound.ts.
 */
import type { Clock } from '../../common/index.js';
import { canonicalAddress, formatEndpoint, type PeerEndpoint, type SecurityContext } from '../discovery/index.js';
import { EspNextHeader, PacketBuffer, openKeyLog, sodiumFallbackNotice, type AeadLibrary, type KeyLog } from '../esp/index.js';
import { PiaDecodeError } from '../errors.js';
import { Initiator, Responder, decodeKx, isKxDatagram, jittered, samePeer, systemRandom, type KxAction, type KxFailure, type KxRandom, type NegotiatedKeys, type RetransmitPolicy } from '../handshake/index.js';
import { peerUnreachable, receiveClose, sayGoodbye, type EndHost } from './association-end.js';
import { isClose, type CloseReason } from './close-message.js';
import { isUnspecified } from './inner-source.js';
import { receiveEsp, type InboundHost, type InboundSa } from './esp-inbound.js';
import { Latching } from './latching.js';
import { DeadlineTimer, serviceDeadlines, type LifecycleHost } from './lifecycle.js';
import { LATCH_TOUCH_MS, failureMessage, followRebinding, keyLogLocal } from './node-support.js';
import { SA_LIMITS, zeroCounters, type ConnectOptions, type InnerInfo, type PiaNodeEvent, type PiaNodeOptions, type SaLimits } from './node-types.js';
import type { Peer } from './peer.js';
import { DataListeners, cachedContext, listenerThrew } from './delivery.js';
import { Phase3Driver, type Phase3Host } from './phase3-driver.js';
import { SaPair } from './sa.js';
import { SaTable } from './sa-table.js';
import { NO_PAYLOAD, sendFailed, sendPayload, type OutboundHost } from './esp-outbound.js';
import { SendBuffers } from './send-buffers.js';
import { cpuSuiteChoice } from '../suite-order.js';
import type { DatagramTransport, Endpoint } from './transport.js';

export type EventListener = (event: PiaNodeEvent) => void;

export class NodeCore implements InboundHost, OutboundHost, LifecycleHost, Phase3Host, EndHost {
  readonly limits: SaLimits;
  readonly clock: Clock;
  readonly table = new SaTable();
  readonly counters = zeroCounters();
  readonly responder: Responder;
  readonly transport: DatagramTransport;
  readonly localAddress: string;
  /** Bound to `::`/`0.0.0.0` with no localAddress: the inner source is looked up per peer (§6). */
  readonly wildcard: boolean;
  readonly latching: Latching;
  readonly keyLog: KeyLog | undefined;
  readonly timer: DeadlineTimer;
  readonly phase3: Phase3Driver;
  readonly eventListeners = new Set<EventListener>();
  readonly openBuffer = new PacketBuffer(); // delivered payloads are views into it (esp-inbound.ts)
  readonly sendBuffers = new SendBuffers((to, err) => sendFailed(this, to, err));
  readonly dataListeners = new DataListeners((message) => this.log('warn', message));
  #widened = false; // the ESP packet being handled touched more than its peer (a confirmation, a control message)
  closed = false;
  readonly #o: PiaNodeOptions;
  readonly random: KxRandom;
  readonly library: AeadLibrary | undefined;
  /** The application's live interest in a peer (§3 "Peers that matter"), e.g. a gateway's CoAP observers. */
  interest: ((peer: PeerEndpoint) => boolean) | undefined;

  constructor(options: PiaNodeOptions, connect: (pia: Endpoint, options: ConnectOptions) => void) {
    // Default suites: the CPU's order (suite-order.ts), for the initiator's offer and the responder's preference alike.
    const suites = options.suites ?? cpuSuiteChoice().suites;
    this.#o = { ...options, suites };
    this.limits = { ...SA_LIMITS, ...options.limits };
    this.clock = options.clock;
    this.transport = options.transport;
    this.random = options.random ?? systemRandom();
    this.library = options.aeadLibrary; // undefined: each suite's default (createAead: libsodium, else node:crypto)
    this.localAddress = options.localAddress ?? options.transport.local.address;
    this.wildcard = isUnspecified(canonicalAddress(this.localAddress));
    this.responder = new Responder({ ...options.responder, suites, clock: this.clock, random: this.random, spiIsFree: (spi) => this.table.spiFree(spi) });
    const sodiumNotice = this.library === undefined ? sodiumFallbackNotice(suites) : undefined;
    if (sodiumNotice !== undefined) this.log('warn', sodiumNotice);
    this.keyLog = options.keyLogPath === undefined ? undefined : openKeyLog({ path: options.keyLogPath, warn: (m) => this.log('warn', m) });
    this.latching = new Latching({ latches: options.latches, discovery: options.discovery, log: (level, m) => this.log(level, m), start: connect });
    this.timer = new DeadlineTimer(this.clock, () => {
      if (this.closed) return;
      const serviced = serviceDeadlines(this);
      this.phase3.tick();
      for (const peer of serviced) this.settle(peer);
      this.reschedule();
    });
    this.phase3 = new Phase3Driver(this, options.phase3);
  }

  now(): number {
    return this.clock.now();
  }

  /**
   * Starts the exchange as initiator (unless one with `endpoint` already runs); resolves when
   * the SA pair is up (at once if it is); rejects when the exchange fails or the node closes.
   * `initOnce`: one INIT and no retransmission (a peer that has not shown it receives, §4).
   */
  connect(endpoint: Endpoint, options: ConnectOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`PIA connect to ${formatEndpoint(endpoint)}: the node is closed; create a new one`));
    const p = this.table.peer(endpoint);
    p.initiated = true; // §3: it matters to us, and we rekey with it
    if (p.current !== undefined) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => p.waiters.push({ resolve, reject }));
    if (!p.exchanging) this.startExchange(p, 'connect', options.initOnce === true ? { tries: 1 } : undefined);
    this.settle(p);
    return done;
  }
  peerAt(endpoint: Endpoint): Peer | undefined {
    return this.table.find(endpoint);
  }
  sendControl(peer: Peer, pair: SaPair, payload: Uint8Array): Promise<void> {
    return sendPayload(this, peer, pair, EspNextHeader.Control, payload);
  }
  lookup(spi: number): InboundSa | undefined {
    return this.table.inbound(spi);
  }
  emit(event: PiaNodeEvent): void {
    for (const l of this.eventListeners) this.guard(() => l(event));
  }
  deliver(payload: Uint8Array, ctx: SecurityContext, inner: InnerInfo): void {
    this.dataListeners.deliver(payload, ctx, inner);
  }
  addressText(bytes: Uint8Array, at: number): string {
    return this.table.addresses.text(bytes, at);
  }
  confirmByEsp(sa: InboundSa): void {
    this.#widened = true;
    if (sa.pair.phase === 3) this.phase3.confirmedByEsp(sa.peer, sa.pair);
    else this.run(this.responder.confirmedByEsp(sa.pair.spiIn));
  }
  control(sa: InboundSa, payload: Uint8Array): void {
    this.#widened = true;
    if (isClose(payload)) receiveClose(this, sa, payload);
    else this.phase3.control(sa.peer, sa.pair, payload);
  }
  /** §6: one CLOSE to each peer with a pair, handed to the transport; the caller then closes. */
  sayGoodbye(reason: Exclude<CloseReason, 'unspecified'>): Promise<void> {
    return sayGoodbye(this, reason);
  }
  /** §2 "Sockets": the transport says `endpoint` cannot be reached. */
  unreachable(endpoint: Endpoint, code: string): void {
    if (!this.closed) peerUnreachable(this, endpoint, code);
  }
  /** §3 "Peers that matter": we initiated to it, or the application holds an interest in it. */
  matters(peer: Peer): boolean {
    try {
      return peer.initiated || this.interest?.(peer.endpoint) === true;
    } catch (err) {
      this.log('warn', `PIA node: the interest predicate threw (${err instanceof Error ? err.message : String(err)}); fix it`);
      return false;
    }
  }
  context(sa: InboundSa): SecurityContext {
    return cachedContext(sa.peer, sa.pair, this.clock.now(), this.phase3);
  }
  saClosed(peer: Peer): void {
    this.latching.saClosed(peer.endpoint);
  }
  sendDummy(peer: Peer, pair: SaPair): void {
    void sendPayload(this, peer, pair, EspNextHeader.NoNextHeader, NO_PAYLOAD).catch(() => undefined); // errors are events
  }

  onDatagram(bytes: Uint8Array, from: Endpoint): void {
    if (this.closed) return;
    const c = this.counters;
    c.datagramsIn++;
    const source = this.table.addresses.endpoint(from.address, from.port);
    if (bytes.length === 1 && bytes[0] === 0xff) c.natKeepalives++;
    else if (bytes.length < 8) c.short++;
    else if (isKxDatagram(bytes)) {
      this.#onKx(bytes, source);
      const peer = this.table.find(source);
      if (peer !== undefined) this.settle(peer);
      else this.reschedule();
    } else {
      this.#widened = false;
      const peer = receiveEsp(this, bytes, source);
      if (peer !== undefined && this.#widened) this.reschedule(peer);
      else if (peer !== undefined) this.reschedulePeer(peer); // a data packet moved this peer's deadlines only
    }
  }

  #onKx(bytes: Uint8Array, from: PeerEndpoint): void {
    this.counters.kxIn++;
    let msg;
    try {
      msg = decodeKx(bytes);
    } catch (err) {
      if (!(err instanceof PiaDecodeError)) throw err;
      this.counters.decodeErrors++;
      this.emit({ kind: 'decode-error', source: from, what: err.what, message: `${formatEndpoint(from)}: ${err.message}` });
      return;
    }
    if (msg.kind === 'init' || msg.kind === 'confirm') {
      const init = this.table.find(from)?.initiator;
      if (msg.kind === 'init' && init?.state === 'waiting' && samePeer(from, init.peer)) {
        if (init.beats(msg)) return; // §4: ours wins, theirs is ignored
        init.abandon(); // theirs wins: answered as responder; connect() callers wait for that
        this.table.dropInitiator(init);
      }
      this.run(this.responder.receive(bytes, from, msg));
      return;
    }
    const own = this.table.initiator(msg.spiI);
    if (own !== undefined) this.run(own.init.receive(bytes, from, msg));
  }

  run(actions: readonly KxAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'send':
          this.counters.kxOut++;
          void this.transmit(a.bytes, a.to);
          break;
        case 'provisional':
          this.#provisional(a.keys);
          break;
        case 'established':
          this.#established(a.keys);
          break;
        case 'failed':
          this.#failed(a.spiIn, a.peer, a.reason);
          break;
      }
    }
  }

  /** The peer is (re)keying toward us: ours waits, so two rekeys do not chase each other. */
  #provisional(keys: NegotiatedKeys): void {
    const now = this.clock.now();
    const peer = this.table.peer(keys.peer);
    this.table.install(new SaPair(keys, now, this.library, { transcript: keys.transcript, dhSecret: keys.dhSecret }), peer);
    if (peer.current !== undefined) {
      peer.rekeyHoldUntil = now + this.limits.rekeyRetryMs;
      peer.rekeyAt = Math.max(peer.rekeyAt ?? 0, peer.rekeyHoldUntil);
    }
    this.latching.started(keys.peer);
    this.settle(peer);
  }

  #established(keys: NegotiatedKeys): void {
    const now = this.clock.now();
    const own = keys.role === 'initiator' ? this.table.initiator(keys.spiI) : undefined;
    if (own !== undefined) this.table.dropInitiator(own.init);
    const sa = (keys.role === 'responder' ? this.table.inbound(keys.spiIn) : undefined) ??
      this.table.install(new SaPair(keys, now, this.library, { transcript: keys.transcript, dhSecret: keys.dhSecret }), own?.peer ?? this.table.peer(keys.peer));
    const { pair, peer } = sa;
    pair.confirmed = true;
    const rekey = peer.current !== undefined;
    if (rekey) this.counters.rekeys++;
    // §9.4: while phase 3 runs again over a rekeyed pair, the phase-3 pair stays current.
    if (peer.current?.phase === 3 && this.phase3.willRun()) this.phase3.hold(peer, pair);
    else this.activate(peer, pair);
    peer.rekeyAt = now + jittered(this.limits.rekeyAfterMs, this.limits.rekeyJitterMs / this.limits.rekeyAfterMs, this.random);
    this.counters.exchangesCompleted++;
    this.logKeys(peer, pair);
    this.latching.established(peer.endpoint, keys.suite);
    peer.touchedAt = now;
    this.emit({ kind: 'sa-up', peer: peer.endpoint, sa: pair.info, role: keys.role, rekey });
    if (keys.role === 'initiator') this.sendDummy(peer, pair); // §5: confirms even if CONFIRM is lost
    peer.settleWaiters();
    this.phase3.pairUp(peer, pair, keys.role);
    this.settle(peer);
  }

  /** §8: the pair's keys into the key log (every SA: phase 2's and the phase-3 pair alike). */
  logKeys(peer: Peer, pair: SaPair): void {
    this.keyLog?.append(...pair.keyLogEntries(keyLogLocal(this.localAddress, peer.endpoint.address), peer.endpoint.address));
  }

  /** `pair` becomes the one we send on; the previous current pair keeps its inbound side for the grace (§3). */
  activate(peer: Peer, pair: SaPair): void {
    const now = this.clock.now();
    const old = peer.current;
    if (old === pair) return;
    if (old !== undefined) {
      old.retireAt = now + this.limits.graceMs; // in-flight packets on the old SA still open
      peer.previous.push(old);
    }
    if (peer.pending !== undefined && peer.pending !== pair) {
      peer.pending.retireAt = now + this.limits.graceMs;
      peer.previous.push(peer.pending);
    }
    peer.pending = undefined;
    const at = peer.previous.indexOf(pair);
    if (at >= 0) peer.previous.splice(at, 1);
    peer.current = pair;
    peer.dpdSince = undefined;
    this.reschedule(peer);
  }

  #failed(spiIn: number, endpoint: PeerEndpoint, reason: KxFailure): void {
    const own = this.table.initiator(spiIn);
    const peer = own?.peer ?? this.table.find(endpoint);
    if (own !== undefined) this.table.dropInitiator(own.init);
    this.table.dropProvisional(spiIn);
    if (reason === 'superseded') return; // the same initiator started over; that exchange runs on
    this.counters.exchangesFailed++;
    this.emit({ kind: 'exchange-failed', peer: peer?.endpoint ?? endpoint, reason });
    this.latching.failed(endpoint, reason);
    if (peer === undefined) return;
    if (peer.current !== undefined) {
      peer.rekeyAt = this.clock.now() + this.limits.rekeyRetryMs; // the SA lives on to its hard limit
      peer.rekeyHoldUntil = peer.rekeyAt;
    } else if (!peer.exchanging) {
      peer.settleWaiters(new Error(failureMessage(peer.endpoint, reason)));
    }
    this.settle(peer);
  }

  startExchange(peer: Peer, reason: 'connect' | 'rekey-time' | 'rekey-packets', retransmit?: Partial<RetransmitPolicy>): void {
    const policy = retransmit === undefined ? this.#o.retransmit : { ...this.#o.retransmit, ...retransmit };
    const init = new Initiator({
      clock: this.clock,
      peer: peer.endpoint,
      random: this.random,
      spiIsFree: (spi) => this.table.spiFree(spi) && !this.responder.holdsSpi(spi),
      ...(this.#o.suites ? { suites: this.#o.suites } : {}),
      ...(policy ? { retransmit: policy } : {}),
    });
    this.table.addInitiator(init, peer);
    this.emit({ kind: 'exchange-started', peer: peer.endpoint, reason });
    this.latching.started(peer.endpoint);
    this.run(init.start());
    this.reschedule(peer);
  }

  authenticated(sa: InboundSa, from: PeerEndpoint, seq: number, advanced: boolean, data: boolean): void {
    const { peer, pair } = sa;
    const now = this.clock.now();
    if (data) peer.keepaliveAt ??= now + this.limits.keepaliveMs; // a dummy is never answered: no ping-pong
    peer.dpdSince = undefined;
    if (pair === peer.current && advanced && !samePeer(from, peer.endpoint)) followRebinding(this, peer, from);
    if (pair === peer.current && seq >= this.limits.rekeyAfterPackets) this.rekeyByPackets(peer);
    if (now - peer.touchedAt >= LATCH_TOUCH_MS) {
      peer.touchedAt = now;
      this.latching.touch(peer.endpoint.address);
    }
  }

  rekeyByPackets(peer: Peer): void {
    if (this.closed || !peer.initiated) return; // §3: only toward a peer we initiated to
    if (!peer.exchanging && this.clock.now() >= peer.rekeyHoldUntil) this.startExchange(peer, 'rekey-packets');
  }

  /** Sends a key-exchange datagram (a fresh array of its own); a failure is counted and reported, not thrown. */
  transmit(bytes: Uint8Array, to: PeerEndpoint): Promise<void> {
    return this.transport.send(bytes, to).catch((err: unknown) => sendFailed(this, to, err));
  }

  /**
   * Arms the timer for deadlines that may have moved earlier: given a peer, that peer's (it is
   * re-queued in the table's deadline queue: an ESP packet or an exchange changes no other
   * peer's), and always the responder's and phase 3's. Deadlines that moved later cost one
   * early fire, which finds nothing due and re-queues the real one (DeadlineTimer).
   */
  reschedule(peer?: Peer): void {
    if (this.closed) return;
    if (peer !== undefined) this.table.schedule(peer, peer.nextDeadline(this.limits));
    this.timer.arm(Math.min(this.responder.nextDeadline() ?? Infinity, this.phase3.nextDeadline() ?? Infinity, this.table.nextDeadline() ?? Infinity));
  }

  /** `reschedule(peer)` when only that peer's deadlines moved (a data packet): the others were armed when they changed. */
  reschedulePeer(peer: Peer): void {
    if (this.closed) return;
    this.table.schedule(peer, peer.nextDeadline(this.limits));
    this.timer.arm(this.table.nextDeadline());
  }

  /** After a change to `peer`: forgotten if it now holds nothing (Peer.idle), else re-queued. */
  settle(peer: Peer): void {
    if (!this.table.forgetIfIdle(peer)) this.reschedule(peer);
  }

  log(level: 'info' | 'warn', message: string): void {
    this.#o.logger?.[level](message);
  }

  /** A throwing listener must not break the pipeline that called it. */
  guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log('warn', listenerThrew(err));
    }
  }
}
