/**
 * Access the trusted server withdrew, applied to the SA table at once (docs/protocol.md §9.11)
 * rather than at the next rekey (§9.4 "Rekey", the fallback):
 *
 *   1. `associationsWith(nodeId)`: the peers one of whose pairs (current, pending or kept for
 *      the grace period) phase 3 bound to `nodeId` (§9.4: the identity in the ticket);
 *   2. `closeAssociation(peer, reason)`: one CLOSE with `reason` on the peer's current pair
 *      when it is confirmed and within its hard limits (as a closing node's goodbye, §6),
 *      handed to the transport before anything is dropped; then every SA with the peer
 *      dropped ('sa-closed' reason 'closed'), an exchange toward it abandoned, waiting callers
 *      rejected, the peer forgotten (the latch stays, §4);
 *   3. `withdrawGrants(ids)`: every phase-3 pair loses the named grants from what its ticket
 *      vouched (§9.6), and its cached security context (§7) is dropped, so the very next
 *      datagram is decided without them; the other grants stay, with their own seconds.
 * Must hold: nothing here is reached by unauthenticated input (the caller decided the notice
 * came from the trusted server); a CLOSE that cannot be sent still closes the association here.
 */
import { formatEndpoint, type PeerEndpoint } from '../discovery/index.js';
import { nodeIdToText } from '../phase3/index.js';
import { encodeClose, type CloseReason } from './close-message.js';
import { teardown, type LifecycleHost } from './lifecycle.js';
import type { Peer } from './peer.js';
import type { SaPair } from './sa.js';

export interface WithdrawHost extends LifecycleHost {
  settle(peer: Peer): void;
  sendControl(peer: Peer, pair: SaPair, payload: Uint8Array): Promise<void>;
}

function boundTo(pair: SaPair, nodeId: string): boolean {
  return pair.phase3 !== undefined && nodeIdToText(pair.phase3.vouched.peerId) === nodeId;
}

/** Step 1: the peers phase 3 bound to `nodeId` (UUID text, lower case). */
export function associationsWith(host: WithdrawHost, nodeId: string): PeerEndpoint[] {
  const id = nodeId.toLowerCase();
  const out: PeerEndpoint[] = [];
  for (const peer of host.table.peers()) if (peer.pairs().some((p) => boundTo(p, id))) out.push(peer.endpoint);
  return out;
}

/** Step 2: true when there was an association with `peer` to close. */
export async function closeAssociation(host: WithdrawHost, peer: Peer, reason: Exclude<CloseReason, 'unspecified'>): Promise<boolean> {
  if (peer.pairs().length === 0 && peer.initiator === undefined) return false;
  const pair = peer.current;
  const now = host.clock.now();
  if (pair !== undefined && pair.confirmed && now - pair.createdAt < host.limits.rejectAfterMs && pair.sent < host.limits.rejectAfterPackets) {
    await host.sendControl(peer, pair, encodeClose(reason)).catch(() => undefined); // a refused send is a 'send-error' event already
  }
  teardown(host, peer, 'closed');
  peer.settleWaiters(new Error(`PIA connect to ${formatEndpoint(peer.endpoint)}: the association was closed (${reason}); connect again to start a new one`));
  host.settle(peer);
  return true;
}

/** Step 3: how many pairs lost at least one grant. */
export function withdrawGrants(host: WithdrawHost, grantIds: readonly string[]): number {
  if (grantIds.length === 0) return 0;
  const ids = new Set(grantIds);
  let changed = 0;
  for (const peer of host.table.peers()) {
    for (const pair of peer.pairs()) {
      const binding = pair.phase3;
      if (binding === undefined || !binding.vouched.grants.some((g) => ids.has(g.id))) continue;
      pair.phase3 = { ...binding, vouched: { ...binding.vouched, grants: binding.vouched.grants.filter((g) => !ids.has(g.id)) } };
      pair.context = undefined;
      changed++;
    }
  }
  return changed;
}
