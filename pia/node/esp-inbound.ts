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
 *
 * Allocates nothing on the happy path (docs/protocol.md §6): the header is read in place, the
 * packet opens into the node's one inbound buffer (`host.openBuffer`), the inner packet is
 * checked there, and the listener gets a view of the payload in that buffer: valid only during
 * the callback, overwritten by the next datagram (pia-node.ts `onData`). The security context,
 * the inner addresses' text and their `InnerInfo` are cached objects, reused while they are
 * unchanged. A control message (253) is copied: phase 3 handles it asynchronously.
 */
import { formatEndpoint, type PeerEndpoint, type SecurityContext } from '../discovery/index.js';
import { PiaDecodeError } from '../errors.js';
import {
  EspNextHeader,
  INNER_DST_OFFSET,
  INNER_OVERHEAD,
  INNER_SRC_OFFSET,
  checkEspDatagram,
  checkInnerPacket,
  checkNextHeader,
  espPayloadLength,
  espSeqLow,
  espSpi,
  inferEsn,
  innerDstPort,
  innerSrcPort,
  type PacketBuffer,
} from '../esp/index.js';
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
  /** Where packets are opened: the payload views handed to listeners point into it. */
  readonly openBuffer: PacketBuffer;
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
  /** `addressToText` of the 16 address bytes at `at` in `bytes`, cached (the same few on every packet). */
  addressText(bytes: Uint8Array, at: number): string;
}

/** Returns the peer whose SA the packet named (its deadlines may have moved), if any. */
export function receiveEsp(host: InboundHost, bytes: Uint8Array, from: PeerEndpoint): Peer | undefined {
  const { counters } = host;
  counters.espIn++;
  try {
    checkEspDatagram(bytes);
  } catch (err) {
    decodeError(host, err, from);
    return undefined;
  }
  const spi = espSpi(bytes);
  const sa = host.lookup(spi);
  if (sa === undefined) {
    counters.unknownSpi++;
    host.emit({ kind: 'unknown-spi', spi, source: from });
    return undefined;
  }
  const { pair } = sa;
  const seq = inferEsn(espSeqLow(bytes), pair.window);
  if (host.now() - pair.createdAt >= host.limits.rejectAfterMs || seq > host.limits.rejectAfterPackets) {
    counters.expiredSa++;
    host.emit({ kind: 'expired-sa', spi, source: from });
    return sa.peer;
  }
  const verdict = pair.window.check(seq);
  if (verdict !== 'ok') {
    if (verdict === 'replay') counters.replays++;
    else counters.tooOld++;
    host.emit({ kind: 'replay', spi, source: from, seq, verdict });
    return sa.peer;
  }
  const out = host.openBuffer;
  const textLength = pair.openInto(bytes, seq, out);
  if (textLength < 0) {
    counters.icvFailures++;
    host.emit({ kind: 'icv-failure', spi, source: from, seq });
    return sa.peer;
  }
  // The ICV verified: from here the window moves even if the trailer is bad (§6).
  const plain = out.bytes;
  const nextHeader = plain[textLength - 1]!;
  let payloadLength = -1;
  let trailerError: unknown;
  try {
    payloadLength = espPayloadLength(plain, textLength);
    checkNextHeader(nextHeader);
  } catch (err) {
    trailerError = err;
  }
  const advanced = seq > pair.window.highest;
  pair.window.accept(seq);
  pair.received++;
  if (!pair.confirmed) host.confirmByEsp(sa);
  host.authenticated(sa, from, seq, advanced, trailerError === undefined && nextHeader === EspNextHeader.Ipv6);
  if (trailerError !== undefined) {
    decodeError(host, trailerError, from);
    return sa.peer;
  }
  if (nextHeader === EspNextHeader.NoNextHeader) {
    counters.dummiesIn++;
    return sa.peer;
  }
  if (nextHeader === EspNextHeader.Control) {
    counters.controlIn++;
    host.control(sa, plain.slice(0, payloadLength));
    return sa.peer;
  }
  try {
    checkInnerPacket(plain, 0, payloadLength);
  } catch (err) {
    decodeError(host, err, from);
    return sa.peer;
  }
  counters.delivered++;
  host.deliver(out.view(INNER_OVERHEAD, payloadLength - INNER_OVERHEAD), host.context(sa), innerInfo(host, pair, plain));
  return sa.peer;
}

/** The inner addresses and ports of the packet at the start of `plain`: the pair's cached object while they repeat. */
function innerInfo(host: InboundHost, pair: SaPair, plain: Uint8Array): InnerInfo {
  const src = host.addressText(plain, INNER_SRC_OFFSET);
  const dst = host.addressText(plain, INNER_DST_OFFSET);
  const srcPort = innerSrcPort(plain, 0);
  const dstPort = innerDstPort(plain, 0);
  const last = pair.inner;
  if (last !== undefined && last.src === src && last.dst === dst && last.srcPort === srcPort && last.dstPort === dstPort) return last;
  const inner = Object.freeze({ src, dst, srcPort, dstPort });
  pair.inner = inner;
  return inner;
}

function decodeError(host: InboundHost, err: unknown, from: PeerEndpoint): void {
  if (!(err instanceof PiaDecodeError)) throw err;
  host.counters.decodeErrors++;
  host.emit({ kind: 'decode-error', source: from, what: err.what, message: `${formatEndpoint(from)}: ${err.message}` });
}
