/**
 * How an association ends besides the timers of lifecycle.ts: the peer says goodbye (CLOSE,
 * docs/protocol.md §6), we say goodbye as we close, or the network says the peer cannot be
 * reached (§2 "Sockets").
 *
 *   1. receiveClose: a CLOSE that verified (esp-inbound.ts ran the whole §6 inbound order on
 *      it) on any of the peer's SAs → every SA with the peer dropped ('sa-closed' with reason
 *      'peer-closed'), an exchange toward it abandoned, waiting callers rejected, 'peer-closed'
 *      emitted, the peer forgotten; a CLOSE of the wrong length is a decode error, nothing more;
 *   2. sayGoodbye: one CLOSE on each peer's current pair (confirmed, within its hard limits),
 *      resolved once every datagram is handed to the transport: no answer is awaited;
 *   3. peerUnreachable: an ICMP error for a peer with no SA up ends the exchange toward it at
 *      once (callers rejected with PeerUnreachableError, discovery backs off as after any
 *      failed exchange); with an SA up it is only counted (ICMP is not authenticated, §2).
 */
import { formatEndpoint, type PeerEndpoint } from '../discovery/index.js';
import { closeReason, encodeClose, type CloseReason } from './close-message.js';
import type { InboundSa } from './esp-inbound.js';
import { teardown, type LifecycleHost } from './lifecycle.js';
import type { Peer } from './peer.js';
import type { SaPair } from './sa.js';
import type { Endpoint } from './transport.js';

export interface EndHost extends LifecycleHost {
  readonly latching: { failed(peer: PeerEndpoint, reason: string): void };
  settle(peer: Peer): void;
  sendControl(peer: Peer, pair: SaPair, payload: Uint8Array): Promise<void>;
}

const UNREACHABLE_HINTS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'nothing listens on that UDP port (the host answered ICMP port unreachable); check that the peer runs PIA there',
  EHOSTUNREACH: 'the host is unreachable (no neighbour answered, or a router said so); check the address and that the peer is up',
  ENETUNREACH: "no route to that network; check the address and this host's routes",
  EHOSTDOWN: 'the host is down; check that the peer is up',
};

/** `connect()` to a peer the network reported unreachable (docs/protocol.md §2 "Sockets"). */
export class PeerUnreachableError extends Error {
  override readonly name = 'PeerUnreachableError';
  constructor(
    readonly peer: PeerEndpoint,
    /** The errno: ECONNREFUSED (nothing listens on the port), EHOSTUNREACH, ENETUNREACH, EHOSTDOWN. */
    readonly code: string,
  ) {
    super(`PIA connect to ${formatEndpoint(peer)}: unreachable (${code}): ${UNREACHABLE_HINTS[code] ?? 'the network refused the datagrams; check the address and the network'}`);
  }
}

export function receiveClose(host: EndHost, sa: InboundSa, payload: Uint8Array): void {
  const { peer } = sa;
  const reason = closeReason(payload);
  if (reason === undefined) {
    host.counters.decodeErrors++;
    host.emit({ kind: 'decode-error', source: peer.endpoint, what: 'CLOSE', message: `${formatEndpoint(peer.endpoint)}: CLOSE of ${payload.length} bytes, not 3 (docs/protocol.md §6)` });
    return;
  }
  host.counters.peersClosed++;
  teardown(host, peer, 'peer-closed');
  peer.settleWaiters(new Error(`PIA connect to ${formatEndpoint(peer.endpoint)}: the peer closed the association (${reason}); connect again once it is back`));
  host.emit({ kind: 'peer-closed', peer: peer.endpoint, reason });
  host.settle(peer);
}

export async function sayGoodbye(host: EndHost, reason: Exclude<CloseReason, 'unspecified'>): Promise<void> {
  const now = host.clock.now();
  const payload = encodeClose(reason);
  const sends: Promise<void>[] = [];
  for (const peer of host.table.peers()) {
    const pair = peer.current;
    if (pair === undefined || !pair.confirmed || now - pair.createdAt >= host.limits.rejectAfterMs || pair.sent >= host.limits.rejectAfterPackets) continue;
    sends.push(host.sendControl(peer, pair, payload).catch(() => undefined)); // a refused send is a 'send-error' event already
  }
  await Promise.all(sends);
}

export function peerUnreachable(host: EndHost, endpoint: Endpoint, code: string): void {
  host.counters.unreachable++;
  const peer = host.table.find(endpoint);
  const ends = peer !== undefined && peer.current === undefined && (peer.initiator !== undefined || peer.waiters.length > 0);
  host.emit({ kind: 'peer-unreachable', peer: peer?.endpoint ?? { address: endpoint.address, port: endpoint.port }, code, ended: ends });
  if (!ends) return;
  const init = peer.initiator;
  if (init !== undefined) {
    init.abandon();
    host.table.dropInitiator(init);
    host.counters.exchangesFailed++;
    host.latching.failed(peer.endpoint, `unreachable, ${code}`);
  }
  peer.settleWaiters(new PeerUnreachableError(peer.endpoint, code));
  host.settle(peer);
}
