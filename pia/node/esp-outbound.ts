/**
 * The outbound ESP pipeline (docs/protocol.md §6, node-core.ts step 4), without an allocation
 * of ours per packet:
 *
 *   1. take a buffer from the node's SendBuffers; write the ESP payload at ESP_PAYLOAD_OFFSET:
 *      the inner IPv6/UDP packet in place with its checksum (`sendDatagram`), or a copy of a
 *      control message / empty dummy (`sendPayload`);
 *   2. seal in place on the pair (header, padding, trailer, AEAD; the sequence number moves);
 *   3. bookkeeping: counters, keepalive owed no more, the dead-peer clock starts with data,
 *      rekey by packet count; deadlines re-armed (data: the peer's only);
 *   4. hand the datagram to the transport as a view of the buffer, no copy; the buffer goes
 *      back to the pool when the send settles (transport.ts: until then the transport may read
 *      it), through handlers bound once per buffer; a failure is counted and reported.
 * A refusal in 1 or 2 (too large, bad port, sequence numbers exhausted) returns the buffer and
 * rejects. What stays per packet is the transport's: the promise of `transport.send` (and
 * node:dgram's send request), and whatever the AEAD library allocates.
 */
import type { Clock } from '../../common/index.js';
import { ESP_PAYLOAD_OFFSET, EspNextHeader, INNER_OVERHEAD, espDatagramLength, writeInnerPacket } from '../esp/index.js';
import type { PeerEndpoint } from '../discovery/index.js';
import type { OutboundDatagram, PiaNodeCounters, PiaNodeEvent, SaLimits } from './node-types.js';
import type { Peer } from './peer.js';
import type { SaPair } from './sa.js';
import type { SendBuffer, SendBuffers } from './send-buffers.js';
import type { DatagramTransport } from './transport.js';

export interface OutboundHost {
  readonly clock: Clock;
  readonly limits: SaLimits;
  readonly counters: PiaNodeCounters;
  readonly transport: DatagramTransport;
  readonly sendBuffers: SendBuffers;
  /** Step 3: a rekey by packet count, unless one runs or waits (node-core.ts). */
  rekeyByPackets(peer: Peer): void;
  reschedule(peer: Peer): void;
  reschedulePeer(peer: Peer): void;
  emit(event: PiaNodeEvent): void;
}

/** Steps 1–4 for an application datagram: `src` and `dst` are the inner addresses' 16 bytes. */
export function sendDatagram(host: OutboundHost, peer: Peer, pair: SaPair, src: Uint8Array, dst: Uint8Array, datagram: OutboundDatagram): Promise<void> {
  const buf = host.sendBuffers.take();
  let innerLength: number;
  try {
    const { payload } = datagram;
    innerLength = writeInnerPacket(buf.ensure(espDatagramLength(INNER_OVERHEAD + payload.length)), ESP_PAYLOAD_OFFSET, src, dst, datagram.srcPort, datagram.dstPort, payload);
  } catch (err) {
    return refuse(host, buf, err);
  }
  return sealAndSend(host, buf, peer, pair, EspNextHeader.Ipv6, innerLength, true);
}

/** A dummy packet's payload (next header 59). */
export const NO_PAYLOAD = new Uint8Array(0);

/** Steps 1–4 for a payload the node sends itself (a control message, 253; a dummy, 59). */
export function sendPayload(host: OutboundHost, peer: Peer, pair: SaPair, nextHeader: EspNextHeader, payload: Uint8Array): Promise<void> {
  const buf = host.sendBuffers.take();
  try {
    buf.ensure(espDatagramLength(payload.length)).set(payload, ESP_PAYLOAD_OFFSET);
  } catch (err) {
    return refuse(host, buf, err);
  }
  return sealAndSend(host, buf, peer, pair, nextHeader, payload.length, false);
}

function sealAndSend(host: OutboundHost, buf: SendBuffer, peer: Peer, pair: SaPair, nextHeader: EspNextHeader, payloadLength: number, data: boolean): Promise<void> {
  let length: number;
  try {
    length = pair.sealInPlace(buf, payloadLength, nextHeader);
  } catch (err) {
    return refuse(host, buf, err);
  }
  const now = host.clock.now();
  host.counters.espOut++;
  peer.keepaliveAt = undefined;
  if (data && peer.dpdSince === undefined) peer.dpdSince = now; // §3 dead peer: counts from here
  if (pair === peer.current && pair.sent >= host.limits.rekeyAfterPackets) host.rekeyByPackets(peer);
  // Data moves this peer's deadlines only; a control message goes with phase-3 deadlines (phase3-driver.ts #run).
  if (data) host.reschedulePeer(peer);
  else host.reschedule(peer);
  const to = peer.endpoint;
  buf.to = to;
  let sending: Promise<void>;
  try {
    sending = host.transport.send(buf.view(0, length), to);
  } catch (err) {
    buf.failed(err); // a transport that throws instead of rejecting: counted and reported the same way
    return Promise.reject(asError(err));
  }
  void sending.then(buf.sent, buf.failed);
  return sending;
}

function refuse(host: OutboundHost, buf: SendBuffer, err: unknown): Promise<never> {
  host.sendBuffers.give(buf);
  return Promise.reject(asError(err));
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** A send the transport refused: counted, and reported as an event (never thrown from here). */
export function sendFailed(host: Pick<OutboundHost, 'counters' | 'emit'>, to: PeerEndpoint, err: unknown): void {
  host.counters.sendErrors++;
  host.emit({ kind: 'send-error', to, message: err instanceof Error ? err.message : String(err) });
}

