/**
 * The inbound ESP pipeline, in the order docs/protocol.md §6 requires (RFC 4303 §3.4):
 *
 *   1. header: lengths, SPI ≠ 0, ciphertext a multiple of 4, else a decode error (no crypto)
 *   2. SPI lookup: unknown → counted, dropped
 *   3. hard limits of that SA (§3: age, packets): past them → refused
 *   4. replay pre-check: seq = inferEsn(low 32 bits, window); not 'ok' → counted, dropped
 *   5. AEAD open: ICV failure → counted and reported with SPI, source and sequence number
 *      (never a key), dropped; the window does not move (a forged high number moves nothing)
 *   6. window update (only now, after the ICV verified)
 *   7. a responder's provisional SA: this verified packet confirms the exchange (§5 "Flow")
 *   8. bookkeeping: peer seen (dead-peer timer), NAT rebinding, rekey by packet count
 *   9. trailer checked in 5 (padding, next header 41, 59 or 253); 59 = dummy, discarded here;
 *      253 = a PIA control message (phase 3, §9.2; CLOSE, §6), handed to the node only now
 *      that it verified (so unauthenticated junk closes nothing), never delivered
 *  10. inner IPv6/UDP packet checks; then delivery with the security context (§7)
 */
import { formatEndpoint, type PeerEndpoint, type SecurityContext } from '../discovery/index.js';
import { PiaDecodeError } from '../errors.js';
import { EspNextHeader, inferEsn, parseEspHeader, parseInnerPacket } from '../esp/index.js';
import type { InnerInfo, PiaNodeCounters, PiaNodeEvent, SaLimits } from './node-types.js';
import type { Peer } from './peer.js';
import type { SaPair } from './sa.js';

export interface InboundSa {
  readonly pair: SaPair;
  readonly peer: Peer;
}

export interface InboundHost {
  readonly counters: PiaNodeCounters;
  readonly limits: SaLimits;
  now(): number;
  lookup(spi: number): InboundSa | undefined;
  emit(event: PiaNodeEvent): void;
  /** Step 7: the responder learns the initiator has the keys. */
  confirmByEsp(sa: InboundSa): void;
  /** Step 8. `advanced`: this packet moved the window's top (the freshest from the peer). */
  authenticated(sa: InboundSa, from: PeerEndpoint, seq: number, advanced: boolean, data: boolean): void;
  deliver(payload: Uint8Array, ctx: SecurityContext, inner: InnerInfo): void;
  /** Step 9: a PIA control message (next header 253: phase 3, docs/protocol.md §9.2, or CLOSE, §6); never delivered. */
  control(sa: InboundSa, payload: Uint8Array): void;
  /** Step 10: the security context of a datagram on this SA (§7): phase 2, or 3 with identity and grants. */
  context(sa: InboundSa): SecurityContext;
  /** `addressToText` of an inner address, cached (the same few on every packet). */
  addressText(address: Uint8Array): string;
}

/** Returns the peer whose SA the packet named (its deadlines may have moved), if any. */
export function receiveEsp(host: InboundHost, bytes: Uint8Array, from: PeerEndpoint): Peer | undefined {
  const { counters } = host;
  counters.espIn++;
  let header;
  try {
    header = parseEspHeader(bytes);
  } catch (err) {
    decodeError(host, err, from);
    return undefined;
  }
  const sa = host.lookup(header.spi);
  if (sa === undefined) {
    counters.unknownSpi++;
    host.emit({ kind: 'unknown-spi', spi: header.spi, source: from });
    return undefined;
  }
  const { pair } = sa;
  const seq = inferEsn(header.seqLow, pair.window);
  if (host.now() - pair.createdAt >= host.limits.rejectAfterMs || seq > host.limits.rejectAfterPackets) {
    counters.expiredSa++;
    host.emit({ kind: 'expired-sa', spi: header.spi, source: from });
    return sa.peer;
  }
  const verdict = pair.window.check(seq);
  if (verdict !== 'ok') {
    if (verdict === 'replay') counters.replays++;
    else counters.tooOld++;
    host.emit({ kind: 'replay', spi: header.spi, source: from, seq, verdict });
    return sa.peer;
  }
  let opened;
  let trailerError: unknown;
  try {
    opened = pair.open(header, seq);
    if (opened === undefined) {
      counters.icvFailures++;
      host.emit({ kind: 'icv-failure', spi: header.spi, source: from, seq });
      return sa.peer;
    }
  } catch (err) {
    trailerError = err; // the ICV verified (esp-packet.ts): the window still moves (§6)
  }
  const advanced = seq > pair.window.highest;
  pair.window.accept(seq);
  pair.received++;
  if (!pair.confirmed) host.confirmByEsp(sa);
  host.authenticated(sa, from, seq, advanced, opened?.nextHeader === EspNextHeader.Ipv6);
  if (opened === undefined) {
    decodeError(host, trailerError, from);
    return sa.peer;
  }
  if (opened.nextHeader === EspNextHeader.NoNextHeader) {
    counters.dummiesIn++;
    return sa.peer;
  }
  if (opened.nextHeader === EspNextHeader.Control) {
    counters.controlIn++;
    host.control(sa, opened.payload);
    return sa.peer;
  }
  let inner;
  try {
    inner = parseInnerPacket(opened.payload);
  } catch (err) {
    decodeError(host, err, from);
    return sa.peer;
  }
  counters.delivered++;
  const ctx = host.context(sa);
  host.deliver(inner.payload, ctx, { src: host.addressText(inner.src), dst: host.addressText(inner.dst), srcPort: inner.srcPort, dstPort: inner.dstPort });
  return sa.peer;
}

function decodeError(host: InboundHost, err: unknown, from: PeerEndpoint): void {
  if (!(err instanceof PiaDecodeError)) throw err;
  host.counters.decodeErrors++;
  host.emit({ kind: 'decode-error', source: from, what: err.what, message: `${formatEndpoint(from)}: ${err.message}` });
}
