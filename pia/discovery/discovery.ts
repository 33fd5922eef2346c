/**
 * Per-peer discovery (docs/protocol.md §4): when to attach the discovery option, when to start
 * a key exchange, and whether plaintext to or from a peer is allowed. Pure: it reads the clock
 * and a latch view, returns decisions and actions, and does no I/O; the node carries out the
 * actions (send INIT, write the latch store, log).
 *
 * Two tables, both bounded (least recently active evicted; latches live in the latch store,
 * so eviction never forgets one):
 * - endpoints: the addresses the application talks to (a device behind a gateway is one);
 * - PIA peers: where a PIA port lives, with the exchange stage:
 *     unknown ──option seen──▶ pia-capable ──start / INIT received──▶ exchanging
 *     exchanging ──established──▶ secured (every endpoint mapped to it is latched)
 *     exchanging ──failed──▶ pia-capable, no start before 5 s, 10 s, 20 s … 5 min
 *     secured ──SA closed (dead peer, hard limit, teardown)──▶ pia-capable (latch stays)
 *   "latched" is not a stage: it outlives SAs and restarts. A latched peer without an SA gets
 *   no plaintext; its requests wait for an exchange this machine starts.
 *
 * Flows:
 *   1. outgoingRequest(target): latched → 'sa' or 'wait-for-sa' (+ start); else 'plain' with our
 *      option. A peer that never echoes is legacy: we keep attaching the option (7 bytes, ignored
 *      by RFC 7252 §5.4.1) so a peer upgraded later is found on its next request.
 *   2. incomingRequest(source, option, bytes): the responder echoes its option; it starts toward
 *      (source, option.port), as the slides' HOST-B does, only when the request was at least as
 *      long as the INIT it would send, and then sends that one INIT only (no retransmission):
 *      a request's source can be forged, so what it triggers must be no larger than it and
 *      must not repeat toward an address that never answered. Otherwise the echo's "can
 *      initiate" flag is clear and the requester starts at once. Plaintext from a latched
 *      peer is refused.
 *   3. incomingResponse(source, option): the requester learns the peer's PIA endpoint (and a
 *      gateway's PIA address); it starts at once if the responder cannot initiate, otherwise
 *      only if no exchange began within the grace time (a NAT may stop the responder's INIT).
 */
import type { Clock } from '../../common/index.js';
import type { SuiteId } from '../suites-ids.js';
import { addressFromText, addressToText, canonicalAddress } from '../address.js';
import { initBytes } from '../handshake/messages.js';
import type {
  DiscoveryAction,
  DiscoveryOptions,
  InboundDecision,
  OutgoingDecision,
  PeerView,
  PlaintextPolicy,
  Stage,
} from './discovery-types.js';
import type { LatchView } from './latch-store.js';
import { encodeDiscoveryOption, type DiscoveryOption } from './option.js';
import type { PeerEndpoint } from './security-context.js';

export { PIA_REQUIRED_DIAGNOSTIC } from './discovery-types.js';
export type { DiscoveryAction, DiscoveryOptions, InboundDecision, OutgoingDecision, PeerView, PlaintextPolicy, Stage } from './discovery-types.js';

export const RETRY_FIRST_MS = 5_000;
export const RETRY_MAX_MS = 300_000;

/** Delay before the next start after `failures` consecutive failed exchanges: 5 s doubling to 5 min. */
export function exchangeRetryDelayMs(failures: number): number {
  if (failures < 1) return 0;
  return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(failures - 1, 16));
}

interface EndpointRec {
  pia: string | undefined;
  latched: boolean;
  responsesWithoutOption: number;
}

interface PiaRec {
  port: number;
  stage: Exclude<Stage, 'unknown'>;
  failures: number;
  retryAt: number | undefined;
  startedAt: number;
  echoAt: number | undefined;
  peerCanInitiate: boolean;
  suite: SuiteId | undefined;
}

export class PeerDiscovery {
  private readonly endpoints = new Map<string, EndpointRec>();
  private readonly pias = new Map<string, PiaRec>();
  private readonly clock: Clock;
  private readonly self: DiscoveryOptions['self'];
  private readonly selfAddress: Uint8Array | undefined;
  private readonly latches: LatchView;
  private readonly maxPeers: number;
  private readonly graceMs: number;
  private readonly exchangeTimeoutMs: number;
  private readonly initBytes: number;

  constructor(options: DiscoveryOptions) {
    this.clock = options.clock;
    this.self = options.self;
    this.selfAddress = options.self.address === undefined ? undefined : addressFromText(options.self.address, { zone: 'drop' });
    this.latches = options.latches;
    this.maxPeers = options.maxPeers ?? 4096;
    this.graceMs = options.peerInitGraceMs ?? 2_000;
    this.exchangeTimeoutMs = options.exchangeTimeoutMs ?? 60_000;
    this.initBytes = options.initBytes ?? initBytes(2);
    encodeDiscoveryOption(this.ourOption(false)); // throws RangeError now for a bad port or address
  }

  /** Per datagram: may plaintext from (or to) `peer` pass? */
  plaintextPolicy(peer: string): PlaintextPolicy {
    return this.isLatched(canonicalAddress(peer)) ? 'refuse-latched' : 'allow';
  }

  outgoingRequest(target: string): OutgoingDecision {
    const ep = canonicalAddress(target);
    this.endpoint(ep);
    const actions: DiscoveryAction[] = [];
    const pia = this.piaFor(ep);
    if (pia?.rec.stage === 'secured') return { route: 'sa', pia: { address: pia.address, port: pia.rec.port }, actions };
    if (this.isLatched(ep)) {
      if (pia !== undefined) this.maybeStart(pia.address, pia.rec, actions);
      const to = pia === undefined ? undefined : { address: pia.address, port: pia.rec.port };
      return { route: 'wait-for-sa', pia: to, retryAt: pia?.rec.retryAt, actions };
    }
    if (pia !== undefined && this.requesterMayStart(pia.rec)) this.maybeStart(pia.address, pia.rec, actions);
    return { route: 'plain', option: this.ourOption(false), actions };
  }

  /** A plain request from `source`, `requestBytes` long (the CoAP message: the UDP payload). */
  incomingRequest(source: PeerEndpoint, option: DiscoveryOption | undefined, requestBytes: number): InboundDecision {
    const ep = canonicalAddress(source.address);
    const actions: DiscoveryAction[] = [];
    const mayInitiate = this.self.canInitiate && requestBytes >= this.initBytes;
    if (option !== undefined) {
      const claimed = option.address === undefined ? ep : addressToText(option.address);
      if (claimed !== ep) {
        // Only a response (to a request we addressed) may point elsewhere: a request's source
        // can be forged, and starting toward a third address would make us a reflector.
        actions.push(log('info', `${ep} names PIA address ${claimed} in a request; not starting toward it (only responses may redirect); that node must initiate`));
      } else {
        const rec = this.learn(ep, ep, option, false, actions);
        if (rec !== undefined && mayInitiate) this.maybeStart(ep, rec, actions, true);
      }
    }
    const latched = this.isLatched(ep);
    const echo = option !== undefined || latched ? this.ourOption(latched, mayInitiate) : undefined;
    return { policy: latched ? 'refuse-latched' : 'allow', echo, actions };
  }

  incomingResponse(source: PeerEndpoint, option: DiscoveryOption | undefined): InboundDecision {
    const ep = canonicalAddress(source.address);
    const actions: DiscoveryAction[] = [];
    const epRec = this.endpoint(ep);
    if (option === undefined) {
      epRec.responsesWithoutOption++;
    } else {
      epRec.responsesWithoutOption = 0;
      const piaAddress = option.address === undefined ? ep : addressToText(option.address);
      const rec = this.learn(ep, piaAddress, option, true, actions);
      if (rec !== undefined && !option.canInitiate) this.maybeStart(piaAddress, rec, actions);
    }
    return { policy: this.isLatched(ep) ? 'refuse-latched' : 'allow', echo: undefined, actions };
  }

  /** The key-exchange layer began an exchange with `pia` (as initiator or responder). */
  exchangeStarted(pia: PeerEndpoint): void {
    const address = canonicalAddress(pia.address);
    const rec = this.piaRec(address, pia.port);
    if (rec.stage === 'secured') return; // a rekey or a peer that lost its SA: the SA stays up meanwhile
    rec.stage = 'exchanging';
    rec.port = pia.port;
    rec.startedAt = this.clock.now();
  }

  /** The exchange with `pia` completed: SA up, the PIA peer and its endpoints latched. */
  exchangeEstablished(pia: PeerEndpoint, suite: SuiteId): DiscoveryAction[] {
    const address = canonicalAddress(pia.address);
    const rec = this.piaRec(address, pia.port);
    rec.stage = 'secured';
    rec.port = pia.port;
    rec.failures = 0;
    rec.retryAt = undefined;
    rec.suite = suite;
    const peers = [address];
    this.endpoint(address).pia = address;
    for (const [ep, e] of this.endpoints) {
      if (e.pia !== address) continue;
      e.latched = true;
      if (ep !== address) peers.push(ep);
    }
    return [{ kind: 'record-latch', peers, latch: { piaPort: pia.port, piaAddress: address, suite } }];
  }

  exchangeFailed(pia: PeerEndpoint, reason: string): DiscoveryAction[] {
    const address = canonicalAddress(pia.address);
    const rec = this.pias.get(address);
    if (rec === undefined) return [];
    if (rec.stage === 'secured') return [log('info', `key exchange with ${address} failed (${reason}); the current SA stays`)];
    rec.stage = 'pia-capable';
    rec.failures++;
    const delay = exchangeRetryDelayMs(rec.failures);
    rec.retryAt = this.clock.now() + delay;
    return [log('warn', `key exchange with ${address} port ${rec.port} failed (${reason}); next try in ${delay / 1000} s at the earliest (failure ${rec.failures})`)];
  }

  /** The SA with `pia` is gone (dead peer, hard limit, teardown). Latches stay. */
  saClosed(pia: PeerEndpoint): void {
    const rec = this.pias.get(canonicalAddress(pia.address));
    if (rec?.stage !== 'secured') return;
    rec.stage = 'pia-capable';
    rec.failures = 0;
    rec.retryAt = undefined;
  }

  peer(address: string): PeerView {
    const ep = canonicalAddress(address);
    const e = this.endpoints.get(ep);
    const pia = this.piaFor(ep);
    return {
      address: ep,
      stage: pia?.rec.stage ?? 'unknown',
      latched: this.isLatched(ep),
      pia: pia === undefined ? undefined : { address: pia.address, port: pia.rec.port },
      failures: pia?.rec.failures ?? 0,
      retryAt: pia?.rec.retryAt,
      responsesWithoutOption: e?.responsesWithoutOption ?? 0,
    };
  }

  /** Our option; `canInitiate` clear when we will not start toward this peer (§4). */
  ourOption(latched: boolean, canInitiate = this.self.canInitiate): DiscoveryOption {
    const base = { canInitiate, latched, port: this.self.port };
    return this.selfAddress === undefined ? base : { ...base, address: this.selfAddress };
  }

  private isLatched(ep: string): boolean {
    return this.endpoints.get(ep)?.latched === true || this.latches.get(ep) !== undefined;
  }

  /** Records what an option says about `ep`; undefined when it contradicts the latch. */
  private learn(ep: string, piaAddress: string, option: DiscoveryOption, fromResponse: boolean, actions: DiscoveryAction[]): PiaRec | undefined {
    const epRec = this.endpoint(ep);
    const latchedTo = this.isLatched(ep) ? this.piaFor(ep)?.address : undefined;
    if (latchedTo !== undefined && latchedTo !== piaAddress) {
      actions.push(log('warn', `latched peer ${ep} now names PIA address ${piaAddress}, latched to ${latchedTo}: ignored (unlatch it if it really moved)`));
      return undefined;
    }
    epRec.pia = piaAddress;
    const rec = this.piaRec(piaAddress, option.port);
    if (rec.stage === 'pia-capable') rec.port = option.port;
    rec.peerCanInitiate = option.canInitiate;
    if (fromResponse) rec.echoAt = this.clock.now();
    if (rec.stage === 'secured' && !this.isLatched(ep)) {
      epRec.latched = true;
      actions.push({ kind: 'record-latch', peers: [ep], latch: { piaPort: rec.port, piaAddress, ...(rec.suite === undefined ? {} : { suite: rec.suite }) } });
    }
    return rec;
  }

  /** The requester starts after the responder had its grace time, or after a failed exchange. */
  private requesterMayStart(rec: PiaRec): boolean {
    if (rec.echoAt === undefined || !rec.peerCanInitiate || rec.failures > 0) return true;
    return this.clock.now() >= rec.echoAt + this.graceMs;
  }

  private maybeStart(address: string, rec: PiaRec, actions: DiscoveryAction[], initOnce = false): void {
    const now = this.clock.now();
    if (!this.self.canInitiate) return;
    if (rec.stage === 'exchanging' && now - rec.startedAt >= this.exchangeTimeoutMs) rec.stage = 'pia-capable';
    if (rec.stage !== 'pia-capable') return;
    if (rec.retryAt !== undefined && now < rec.retryAt) return;
    rec.stage = 'exchanging';
    rec.startedAt = now;
    actions.push({ kind: 'start-exchange', pia: { address, port: rec.port }, ...(initOnce ? { initOnce } : {}) });
  }

  private piaFor(ep: string): { address: string; rec: PiaRec } | undefined {
    const latch = this.latches.get(ep);
    const address = this.endpoints.get(ep)?.pia ?? (latch === undefined ? undefined : (latch.piaAddress ?? ep));
    if (address === undefined) return undefined;
    const rec = this.pias.get(address) ?? (latch === undefined ? undefined : this.piaRec(address, latch.piaPort));
    return rec === undefined ? undefined : { address, rec };
  }

  private endpoint(ep: string): EndpointRec {
    const rec = this.endpoints.get(ep) ?? { pia: undefined, latched: false, responsesWithoutOption: 0 };
    return touchLru(this.endpoints, ep, rec, this.maxPeers);
  }

  private piaRec(address: string, port: number): PiaRec {
    const rec = this.pias.get(address) ?? {
      port,
      stage: 'pia-capable',
      failures: 0,
      retryAt: undefined,
      startedAt: 0,
      echoAt: undefined,
      peerCanInitiate: true,
      suite: undefined,
    };
    return touchLru(this.pias, address, rec, this.maxPeers);
  }
}

/** Moves `key` to the most-recent end of `map`, evicting the least recent beyond `max`. */
function touchLru<V>(map: Map<string, V>, key: string, value: V, max: number): V {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done === true) break;
    map.delete(oldest.value);
  }
  return value;
}

function log(level: 'info' | 'warn', message: string): DiscoveryAction {
  return { kind: 'log', level, message };
}
