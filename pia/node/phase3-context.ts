/**
 * The security context of a datagram on a phase-3 pair (docs/protocol.md §7, §9.6): the
 * peer's identity as the trusted server registered it, and the grants still valid now.
 *
 * Must hold: validity counts from receipt on the node's monotonic clock (no real-time clock
 * needed); a grant whose seconds ran out, or any grant once the ticket's lifetime is over, is
 * not reported (§9.4: the gateway stops honouring it). The node reuses a context for as long
 * as `grantsUnchanged` says the grants it reports are still the ones valid now.
 */
import type { AuthenticatedContext, Grant, PeerEndpoint, SaInfo } from '../discovery/index.js';
import { nodeIdToText } from '../phase3/index.js';
import type { Phase3Binding } from './sa.js';

export function authenticatedContext(peer: PeerEndpoint, sa: SaInfo, binding: Phase3Binding, nowMs: number): AuthenticatedContext {
  const { vouched, receivedAt } = binding;
  const elapsedS = (nowMs - receivedAt) / 1000;
  const ticketLeftS = vouched.lifetimeS - elapsedS;
  const grants: Grant[] = [];
  if (ticketLeftS > 0) {
    for (const g of vouched.grants) {
      const validS = Math.min(g.validS - elapsedS, ticketLeftS);
      if (validS > 0) grants.push({ id: g.id, devices: g.devices, rights: g.rights, validS: Math.floor(validS) });
    }
  }
  return {
    phase: 3,
    peer,
    sa,
    peerIdentity: { nodeId: nodeIdToText(vouched.peerId), kind: vouched.peerKind, label: vouched.peerLabel },
    grants,
  };
}

/**
 * True when `authenticatedContext(…, binding, nowMs)` would report exactly `grants` (made from
 * the same binding earlier): the same grants still valid, with the same whole seconds left.
 * Allocates nothing: it runs for every datagram on a phase-3 pair.
 */
export function grantsUnchanged(grants: readonly Grant[], binding: Phase3Binding, nowMs: number): boolean {
  const { vouched, receivedAt } = binding;
  const elapsedS = (nowMs - receivedAt) / 1000;
  const ticketLeftS = vouched.lifetimeS - elapsedS;
  let n = 0;
  if (ticketLeftS > 0) {
    for (let i = 0; i < vouched.grants.length; i++) {
      const validS = Math.min(vouched.grants[i]!.validS - elapsedS, ticketLeftS);
      if (validS > 0 && grants[n++]?.validS !== Math.floor(validS)) return false;
    }
  }
  return n === grants.length;
}
