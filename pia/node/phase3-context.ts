/**
 * The security context of a datagram on a phase-3 pair (docs/protocol.md §7, §9.6): the
 * peer's identity as the trusted server registered it, and the grants still valid now.
 *
 * Must hold: validity counts from receipt on the node's monotonic clock (no real-time clock
 * needed); a grant whose seconds ran out, or any grant once the ticket's lifetime is over, is
 * not reported (§9.4: the gateway stops honouring it).
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
