/**
 * Ticket renewal (docs/protocol.md §9.6): the requester (A) renews its ticket before it ends,
 * by a rekey, which runs phase 3 again on the new SA (§9.4). So an association keeps its
 * grants across a short ticket lifetime, and loses a removed grant or a revoked node within
 * one lifetime.
 *
 * Must hold: the renewal never comes later than the rekey already due (it only moves
 * `rekeyAt` earlier), and never sooner than 1 s after phase 3 completed.
 */
import type { Peer } from './peer.js';

/**
 * When the requester renews a ticket of `lifetimeS` seconds: at 80 % of it, leaving a fifth for
 * the rekey and phase 3 (at least 1 s after the last one, so a 1-second ticket cannot make a
 * node rekey without pause). A 600 s ticket is renewed by the 120 s rekey long before.
 */
export function renewAfterMs(lifetimeS: number): number {
  return Math.max(1000, Math.floor(lifetimeS * 800));
}

/** Moves the peer's rekey to the ticket's renewal time when that is sooner. */
export function scheduleRenewal(peer: Pick<Peer, 'rekeyAt'>, nowMs: number, lifetimeS: number): void {
  const renewAt = nowMs + renewAfterMs(lifetimeS);
  peer.rekeyAt = Math.min(peer.rekeyAt ?? renewAt, renewAt);
}
