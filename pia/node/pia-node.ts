/**
 * The public face of a PIA node (node-core.ts does the work): connect to a peer, send
 * datagrams through the SA, receive them with their security context (docs/protocol.md §7),
 * ask whether plaintext is allowed with a peer (§4), watch events and counters, close (with
 * a CLOSE to every peer, §6). A peer that connects to us is served as responder automatically.
 */
import { formatEndpoint, type PeerEndpoint, type PlaintextPolicy, type SaInfo } from '../discovery/index.js';
import type { CloseReason } from './close-message.js';
import { innerSourceFor } from './inner-source.js';
import { INNER_OVERHEAD, MAX_DATAGRAM, espDatagramLength, type AeadLibrary } from '../esp/index.js';
import { sendDatagram } from './esp-outbound.js';
import { teardown } from './lifecycle.js';
import type { DataListener } from './delivery.js';
import { NodeCore, type EventListener } from './node-core.js';
import type { ConnectOptions, OutboundDatagram, PiaNodeCounters, PiaNodeOptions, SaLimits } from './node-types.js';
import type { ControlListener } from './phase3-driver.js';
import { waitForPhase3 } from './phase3-wait.js';
import type { Endpoint } from './transport.js';
import { associationsWith, closeAssociation, withdrawGrants } from './withdraw.js';

export type { DataListener } from './delivery.js';
export type { EventListener } from './node-core.js';

export interface CloseOptions {
  /** Send CLOSE to every peer with a pair first (§6); default true. False: vanish as a crash would (tests). */
  readonly notifyPeers?: boolean;
  /** The CLOSE reason; default 'done' (a program ending); a server stopping says 'shutting-down'. */
  readonly reason?: Exclude<CloseReason, 'unspecified'>;
}

export class PiaNode {
  readonly #core: NodeCore;
  readonly #unlisten: () => void;
  readonly #unlistenUnreachable: () => void;
  #closing: Promise<void> | undefined;

  /** Throws when the key log cannot be opened (the message names the path and the fix). */
  constructor(options: PiaNodeOptions) {
    this.#core = new NodeCore(options, (pia, o) => void this.connect(pia, o).catch(() => undefined)); // failures arrive as events
    this.#unlisten = options.transport.onDatagram((bytes, from) => this.#core.onDatagram(bytes, from));
    this.#unlistenUnreachable = options.transport.onUnreachable?.((peer, code) => this.#core.unreachable(peer, code)) ?? (() => undefined);
  }

  get local(): Endpoint {
    return this.#core.transport.local;
  }
  get limits(): SaLimits {
    return this.#core.limits;
  }
  get counters(): Readonly<PiaNodeCounters> {
    return { ...this.#core.counters };
  }
  /**
   * What the node holds now (bounded whatever arrives, docs/protocol.md §3): peers with any
   * state, inbound SAs (current, grace, provisional), running initiators, and the responder's
   * half-open exchanges.
   */
  get tableSizes(): { readonly peers: number; readonly inboundSas: number; readonly initiators: number; readonly halfOpen: number } {
    const core = this.#core;
    return { peers: core.table.peerCount, inboundSas: core.table.inboundCount, initiators: core.table.initiatorCount, halfOpen: core.responder.halfOpen };
  }

  /** Inbound SPIs held (current, grace and provisional SAs). */
  get inboundSpis(): number[] {
    return this.#core.table.spis;
  }

  /**
   * Starts the exchange as initiator (unless one with `peer` already runs); resolves when the
   * SA pair is up (at once if it is); rejects when the exchange fails (after the INIT
   * retransmissions give up, about 31 s), at once with a PeerUnreachableError when the network
   * says the peer cannot be reached (a transport with connectPeers, §2), or when the node closes.
   * The peer then matters (§3): it is rekeyed with, and reported when it dies. With phase 3 (§9) it runs in the
   * background afterwards; `expectPeer` (a node ID) names the partner phase 3 must find there.
   */
  connect(peer: Endpoint, options: ConnectOptions = {}): Promise<void> {
    if (options.expectPeer !== undefined && !this.#core.closed) this.#core.table.peer(peer).expectPeer = options.expectPeer;
    return this.#core.connect(peer, options);
  }

  /**
   * The application's live interest in peers that initiated to us (§3 "Peers that matter"):
   * a peer for which `predicate` holds is reported dead ('peer-dead') rather than forgotten
   * quietly ('peer-forgotten'). Asked only when a peer's pair dies or expires. A gateway passes
   * "has an open CoAP Observe".
   */
  setInterest(predicate: ((peer: PeerEndpoint) => boolean) | undefined): void {
    this.#core.interest = predicate;
  }

  /** Resolves once datagrams with `peer` travel on a phase-3 pair (§9.4), or rejects with why not. */
  phase3Ready(peer: Endpoint, timeoutMs = 30_000): Promise<void> {
    return waitForPhase3(this.#core, peer, timeoutMs);
  }

  /** The trusted server's endpoint this node talks to now: it moves on when one instance goes silent (§9.12). */
  trustServer(): Endpoint | undefined {
    return this.#core.phase3.trustServer();
  }

  /** Says an exchange with the trusted server at `endpoint` went unanswered: the node moves on to its next endpoint, if it has one. */
  trustServerFailed(endpoint: Endpoint): void {
    this.#core.phase3.trustServerFailed(endpoint);
  }

  /** Control messages (ESP next header 253) the node does not handle itself (a station's ENROLL_RESULT). */
  onControl(listener: ControlListener): () => void {
    return this.#core.phase3.onControl(listener);
  }
  /** Sends a control message (§9.2) to `peer` on the current SA. */
  sendControl(peer: Endpoint, payload: Uint8Array): Promise<void> {
    const p = this.#core.table.find(peer);
    if (p?.current === undefined) return Promise.reject(new Error(`PIA control to ${formatEndpoint(peer)}: no SA with this peer; call connect() first`));
    return this.#core.sendControl(p, p.current, payload);
  }

  /**
   * The peers phase 3 bound to `nodeId` (UUID text): whose ticket named that node (§9.4). A
   * gateway asks it when the trusted server revokes a node (docs/protocol.md §9.11).
   */
  associationsWith(nodeId: string): PeerEndpoint[] {
    return associationsWith(this.#core, nodeId);
  }

  /**
   * Ends the association with `peer` now: a CLOSE with `reason` on its current pair (§6; 3 =
   * 'revoked' when the trusted server withdrew the peer's access, §9.11), then every SA with it
   * dropped and the peer forgotten. Resolves false when there was none.
   */
  async closeAssociation(peer: Endpoint, reason: Exclude<CloseReason, 'unspecified'>): Promise<boolean> {
    const p = this.#core.table.find(peer);
    if (p === undefined || this.#core.closed) return false;
    return closeAssociation(this.#core, p, reason);
  }

  /**
   * Removes the grants named by `grantIds` from every phase-3 pair's ticket (§9.6, §9.11): the
   * next datagram's security context (§7) carries only the others. Returns how many pairs changed.
   */
  withdrawGrants(grantIds: readonly string[]): number {
    return withdrawGrants(this.#core, grantIds);
  }

  /**
   * Sends one datagram through the SA with `peer` (tunnel mode: inner IPv6/UDP packet, §6).
   * The inner source is `innerSrc`, else the node's address; a node bound to `::` uses the
   * address its OS sends from toward that peer (looked up on the first send, then kept).
   * `datagram.payload` is read before this returns (it may be a payload view from `onData`:
   * an echo needs no copy; the one send that waits for that lookup copies it first). Settles
   * when the transport has sent it; rejects with the reason (no SA, hard limit, too large,
   * transport error). Allocates nothing of its own (esp-outbound.ts).
   */
  send(peer: Endpoint, datagram: OutboundDatagram): Promise<void> {
    try {
      const core = this.#core;
      const p = core.table.find(peer);
      let src = datagram.innerSrc;
      if (src === undefined && core.wildcard && p?.current !== undefined && !core.closed) {
        if (p.innerSource === undefined) return this.#sendAfterLookup(peer, { ...datagram, payload: datagram.payload.slice() });
        src = p.innerSource;
      }
      return this.#send(peer, datagram, src);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** The first send to a peer of a wildcard-bound node: its inner source looked up, then kept. */
  async #sendAfterLookup(peer: Endpoint, datagram: OutboundDatagram): Promise<void> {
    const src = await innerSourceFor(this.#core, peer);
    return this.#send(peer, datagram, src);
  }

  #send(peer: Endpoint, datagram: OutboundDatagram, src: string | undefined): Promise<void> {
    const core = this.#core;
    const p = core.table.find(peer);
    const pair = p?.current;
    if (core.closed || p === undefined || pair === undefined) {
      throw new Error(`PIA send to ${formatEndpoint(peer)}: no SA with this peer${core.closed ? ' (node closed)' : ''}; call connect() first and wait for it (a latched peer never gets plaintext)`);
    }
    if (core.clock.now() - pair.createdAt >= core.limits.rejectAfterMs || pair.sent >= core.limits.rejectAfterPackets) {
      throw new Error(`PIA send to ${formatEndpoint(peer)}: SA 0x${pair.spiOut.toString(16)} reached its hard limit (docs/protocol.md §3) before a rekey completed; call connect() and retry when it resolves`);
    }
    const size = espDatagramLength(INNER_OVERHEAD + datagram.payload.length);
    if (size > MAX_DATAGRAM) {
      throw new RangeError(`PIA send to ${formatEndpoint(peer)}: a payload of ${datagram.payload.length} bytes makes a ${size}-byte ESP datagram, over the UDP limit of ${MAX_DATAGRAM}; split it (CoAP Block2)`);
    }
    const srcBytes = core.table.addresses.bytes(src ?? core.localAddress);
    const dstBytes = core.table.addresses.bytes(datagram.innerDst ?? p.endpoint.address);
    return sendDatagram(core, p, pair, srcBytes, dstBytes, datagram);
  }

  /**
   * Every delivered datagram, with its security context (phase 2 or 3, peer, SA) and inner
   * addresses. The payload is a view valid only during the call: copy it to keep it (DataListener).
   */
  onData(listener: DataListener): () => void {
    return this.#core.dataListeners.add(listener);
  }
  /** Events for logs and metrics (describeNodeEvent makes a line of one). */
  onEvent(listener: EventListener): () => void {
    this.#core.eventListeners.add(listener);
    return () => this.#core.eventListeners.delete(listener);
  }

  /** §4: 'refuse-latched' for a peer that completed an exchange once: never plaintext to or from it. */
  plaintextPolicy(peer: string | Endpoint): PlaintextPolicy {
    return this.#core.latching.plaintextPolicy(typeof peer === 'string' ? peer : peer.address);
  }

  /** The current SA pair with `peer`, if any. */
  sa(peer: Endpoint): SaInfo | undefined {
    return this.#core.table.find(peer)?.current?.info;
  }
  /**
   * §5 `T` of the current phase-2 pair with `peer` (not secret): what an ENROLL from a factory
   * station binds to (§9.8). Undefined without an SA, or once phase 3 re-keyed the pair.
   */
  transcript(peer: Endpoint): Uint8Array | undefined {
    return this.#core.table.find(peer)?.current?.transcript;
  }
  /** The AEAD implementation of the current SA with `peer` (e.g. "aes-256-gcm (node:crypto)"), undefined without an SA. */
  aead(peer: Endpoint): { readonly name: string; readonly library: AeadLibrary } | undefined {
    return this.#core.table.find(peer)?.current?.aead;
  }
  /** The phase datagrams to `peer` are sent at now (2 or 3), undefined without an SA. */
  phase(peer: Endpoint): 2 | 3 | undefined {
    return this.#core.table.find(peer)?.current?.phase;
  }
  /** Where `peer` is sent to now (differs from `peer` after NAT rebinding). */
  endpointOf(peer: Endpoint): PeerEndpoint | undefined {
    return this.#core.table.find(peer)?.endpoint;
  }

  /**
   * Teardown: no more input; a CLOSE to every peer with a pair (§6), waited for only until the
   * transport took them; timer cleared, SAs dropped (events), waiting callers rejected, key
   * log and transport closed. A second call returns the first's promise.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  async #close(options: CloseOptions): Promise<void> {
    const core = this.#core;
    if (core.closed) return;
    this.#unlisten();
    this.#unlistenUnreachable();
    core.closed = true; // before the goodbyes: nothing they do may start an exchange or arm the timer
    core.timer.cancel();
    if (options.notifyPeers !== false) await core.sayGoodbye(options.reason ?? 'done');
    core.timer.cancel();
    for (const p of core.table.peers()) {
      teardown(core, p, 'closed');
      p.settleWaiters(new Error(`PIA connect to ${formatEndpoint(p.endpoint)}: the node was closed before the exchange completed`));
    }
    core.table.clear();
    core.keyLog?.close();
    await core.transport.close();
  }
}
