/**
 * The node's tables (docs/protocol.md §5 "SPIs", §6 "SPI lookup"): peers by every endpoint
 * they were seen at, inbound SAs by our SPI (current, grace and provisional), running
 * initiators by their SPIi, and peers by their next deadline. SPIs are unique across all
 * three, as §5 requires.
 *
 * Must hold: a peer is in the table only while it holds something (`Peer.idle` is false) or
 * until the node calls `forgetIfIdle` after the change that emptied it; every lookup is by
 * key, never a walk over all peers (only `peers()`, for close, walks).
 */
import { AddressCache } from '../address.js';
import { DeadlineQueue } from './deadline-queue.js';
import type { PeerEndpoint } from '../discovery/index.js';
import type { Initiator } from '../handshake/index.js';
import type { InboundSa } from './esp-inbound.js';
import { Peer } from './peer.js';
import type { SaPair } from './sa.js';
import type { Endpoint } from './transport.js';

export class SaTable {
  /** Parsed peer addresses: every datagram and every send looks its peer up by text. */
  readonly addresses = new AddressCache();
  readonly #peers = new Map<string, Peer>();
  readonly #inbound = new Map<number, InboundSa>();
  readonly #initiators = new Map<number, { readonly init: Initiator; readonly peer: Peer }>();
  readonly #reserved = new Set<number>();
  readonly #deadlines = new DeadlineQueue<Peer>();
  #peerCount = 0;

  /** The peer record for `endpoint`, created if new. */
  peer(endpoint: Endpoint): Peer {
    const key = this.#key(endpoint);
    let p = this.#peers.get(key);
    if (p === undefined) {
      p = new Peer({ address: this.addresses.canonical(endpoint.address), port: endpoint.port });
      this.#peers.set(key, p);
      p.tableKeys.push(key);
      this.#peerCount++;
    }
    return p;
  }

  /** The same key as the handshake's `peerKey` (zone id dropped), from the cache. */
  #key(endpoint: Endpoint): string {
    return this.addresses.key(endpoint.address, endpoint.port);
  }

  find(endpoint: Endpoint): Peer | undefined {
    return this.#peers.get(this.#key(endpoint));
  }

  /** NAT rebinding: `peer` is now also found at `endpoint` (the old endpoint stays an alias). */
  alias(peer: Peer, endpoint: PeerEndpoint): void {
    const key = this.#key(endpoint);
    const other = this.#peers.get(key);
    if (other === peer) return;
    if (other !== undefined) {
      other.tableKeys.splice(other.tableKeys.indexOf(key), 1);
      if (other.tableKeys.length === 0) this.#peerCount--; // unreachable by endpoint now; its SAs still work by SPI
    }
    this.#peers.set(key, peer);
    peer.tableKeys.push(key);
  }

  /** Drops `peer` from every index when it holds nothing (`Peer.idle`); true if it did. */
  forgetIfIdle(peer: Peer): boolean {
    if (!peer.idle || peer.tableKeys.length === 0) return false;
    for (const key of peer.tableKeys) if (this.#peers.get(key) === peer) this.#peers.delete(key);
    peer.tableKeys.length = 0;
    this.#deadlines.forget(peer);
    this.#peerCount--;
    return true;
  }

  /** `peer` is due no later than `at` (its `nextDeadline`); see DeadlineQueue. */
  schedule(peer: Peer, at: number | undefined): void {
    if (peer.tableKeys.length > 0) this.#deadlines.schedule(peer, at);
  }
  /** The earliest deadline of any peer. */
  nextDeadline(): number | undefined {
    return this.#deadlines.next();
  }
  /** Peers whose deadline has come, each once; they are scheduled anew by the caller. */
  duePeers(now: number): Peer[] {
    return this.#deadlines.popDue(now);
  }

  peers(): Set<Peer> {
    return new Set(this.#peers.values());
  }
  get peerCount(): number {
    return this.#peerCount;
  }
  get inboundCount(): number {
    return this.#inbound.size;
  }
  get initiatorCount(): number {
    return this.#initiators.size;
  }

  inbound(spi: number): InboundSa | undefined {
    return this.#inbound.get(spi);
  }
  install(pair: SaPair, peer: Peer): InboundSa {
    const sa = { pair, peer };
    this.#reserved.delete(pair.spiIn);
    this.#removeInbound(pair.spiIn);
    this.#inbound.set(pair.spiIn, sa);
    peer.inboundSas++;
    return sa;
  }
  /** Drops an unconfirmed (provisional) inbound SA; a confirmed one stays. */
  dropProvisional(spi: number): void {
    if (this.#inbound.get(spi)?.pair.confirmed === false) this.#removeInbound(spi);
  }
  #removeInbound(spi: number): void {
    const sa = this.#inbound.get(spi);
    if (sa === undefined) return;
    this.#inbound.delete(spi);
    sa.peer.inboundSas--;
  }
  get spis(): number[] {
    return [...this.#inbound.keys()];
  }

  /** Removes `pair` from its peer and the inbound table. */
  removePair(peer: Peer, pair: SaPair): void {
    if (this.#inbound.get(pair.spiIn)?.pair === pair) this.#removeInbound(pair.spiIn);
    if (peer.current === pair) peer.current = undefined;
    if (peer.pending === pair) peer.pending = undefined;
    const at = peer.previous.indexOf(pair);
    if (at >= 0) peer.previous.splice(at, 1);
  }

  initiator(spiI: number): { readonly init: Initiator; readonly peer: Peer } | undefined {
    return this.#initiators.get(spiI);
  }
  /** Makes `init` the peer's running exchange (replacing any other). */
  addInitiator(init: Initiator, peer: Peer): void {
    if (peer.initiator !== undefined) this.dropInitiator(peer.initiator);
    peer.initiator = init;
    this.#initiators.set(init.spiI, { init, peer });
  }
  dropInitiator(init: Initiator): void {
    const entry = this.#initiators.get(init.spiI);
    if (entry?.init !== init) return;
    this.#initiators.delete(init.spiI);
    if (entry.peer.initiator === init) entry.peer.initiator = undefined;
  }

  /** True when `spi` is no inbound SA's, no running initiator's and not reserved. */
  spiFree(spi: number): boolean {
    return !this.#inbound.has(spi) && !this.#initiators.has(spi) && !this.#reserved.has(spi);
  }

  /** Holds `spi` for a pair not installed yet (phase 3's SPI_A'/SPI_B', §9.2) until `release` or `install`. */
  reserve(spi: number): void {
    this.#reserved.add(spi);
  }
  release(spi: number): void {
    this.#reserved.delete(spi);
  }

  clear(): void {
    for (const spi of [...this.#inbound.keys()]) this.#removeInbound(spi);
    this.#initiators.clear();
  }
}
