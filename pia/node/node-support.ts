/** Small helpers of the node: error texts, the key log's local address, event log lines. */
import { formatEndpoint, type PeerEndpoint } from '../discovery/index.js';
import type { KxFailure } from '../handshake/index.js';
import { SUITE_NAMES } from '../suites-ids.js';
import type { PiaNodeEvent } from './node-types.js';
import type { Peer } from './peer.js';
import { hex8 } from './sa.js';
import type { SaTable } from './sa-table.js';

/** The latch store's lastSeen is refreshed at most this often per peer (it is written to disk). */
export const LATCH_TOUCH_MS = 60_000;

const FAILURE_HINTS: Readonly<Record<KxFailure, string>> = {
  'no answer': 'no valid RESP after 5 INITs (about 31 s, docs/protocol.md §3); check that the peer runs PIA on that port and that UDP to it is not filtered',
  'no common suite': 'the peer refused every offered suite; offer both aes-gcm and chacha20',
  'version refused': 'the peer does not speak PIA version 1; upgrade one of the two nodes',
  'no free SPI': 'no free inbound SPI was found; this is a bug or an exhausted SA table, restart the node',
  unconfirmed: 'the peer started an exchange but never confirmed it within 10 s; it may have lost our RESP, try again',
  superseded: 'the peer restarted the exchange',
};

export function failureMessage(peer: PeerEndpoint, reason: KxFailure): string {
  return `PIA connect to ${formatEndpoint(peer)}: key exchange failed (${reason}): ${FAILURE_HINTS[reason]}`;
}

/**
 * The local outer address for a key log line (§8). It must be of the peer's IP version for
 * Wireshark (and formatEspSaLine); a wildcard bind (::) seen by an IPv4 peer becomes 0.0.0.0.
 * Set `localAddress` for lines Wireshark matches exactly.
 */
export function keyLogLocal(local: string, peer: string): string {
  const peerV4 = peer.startsWith('::ffff:') && peer.includes('.');
  const localV4 = !local.includes(':') || (local.startsWith('::ffff:') && local.includes('.'));
  if (peerV4 === localV4) return local;
  return peerV4 ? '0.0.0.0' : '::';
}

const spi = (n: number): string => `0x${hex8(n)}`;

/** One log line per event; SPIs, endpoints and sequence numbers only, never key material. */
export function describeNodeEvent(e: PiaNodeEvent): string {
  switch (e.kind) {
    case 'sa-up':
      return `SA ${e.rekey ? 'rekeyed' : 'up'} with ${formatEndpoint(e.peer)} as ${e.role}: in ${spi(e.sa.spiIn)} out ${spi(e.sa.spiOut)} ${SUITE_NAMES[e.sa.suite]}`;
    case 'sa-closed':
      return `SA in ${spi(e.sa.spiIn)} with ${formatEndpoint(e.peer)} closed (${e.reason})`;
    case 'exchange-started':
      return `key exchange with ${formatEndpoint(e.peer)} started (${e.reason})`;
    case 'exchange-failed':
      return failureMessage(e.peer, e.reason);
    case 'peer-dead':
      return `peer ${formatEndpoint(e.peer)} dead: no authenticated packet for ${Math.round(e.silentMs / 1000)} s after we sent; SA torn down`;
    case 'peer-forgotten':
      return `peer ${formatEndpoint(e.peer)} forgotten: its SA ${e.why === 'silent' ? 'went silent' : 'reached its hard limit'} and it only ever initiated to us (docs/protocol.md §3)`;
    case 'peer-closed':
      return `peer ${formatEndpoint(e.peer)} closed the association (${e.reason}); its SAs are dropped`;
    case 'peer-unreachable':
      return `peer ${formatEndpoint(e.peer)} unreachable (${e.code})${e.ended ? ': the key exchange toward it ended' : ''}`;
    case 'peer-moved':
      return `peer ${formatEndpoint(e.from)} moved to ${formatEndpoint(e.to)} (NAT rebinding); sending there now`;
    case 'icv-failure':
      return `ESP ICV failure: SPI ${spi(e.spi)} from ${formatEndpoint(e.source)} seq ${e.seq}; dropped`;
    case 'replay':
      return `ESP ${e.verdict}: SPI ${spi(e.spi)} from ${formatEndpoint(e.source)} seq ${e.seq}; dropped`;
    case 'unknown-spi':
      return `ESP for unknown SPI ${spi(e.spi)} from ${formatEndpoint(e.source)}; dropped`;
    case 'expired-sa':
      return `ESP on SPI ${spi(e.spi)} from ${formatEndpoint(e.source)} past the SA's hard limit; dropped`;
    case 'decode-error':
      return `undecodable ${e.what}: ${e.message}; dropped`;
    case 'send-error':
      return `send to ${formatEndpoint(e.to)} failed: ${e.message}`;
    case 'phase3-up':
      return `phase 3 with ${formatEndpoint(e.peer)}: peer is ${e.peerKind} ${e.peerId} (${JSON.stringify(e.peerLabel)}), ${e.grants} grant(s); SA in ${spi(e.sa.spiIn)} out ${spi(e.sa.spiOut)}`;
    case 'phase3-denied':
      return `phase 3 with ${formatEndpoint(e.peer)} denied (${e.authentic ? '' : 'unverified, '}reason ${e.reason}: ${JSON.stringify(e.text)}); the SA stays at phase 2`;
    case 'phase3-failed':
      return `phase 3 with ${formatEndpoint(e.peer)} failed (reason ${e.reason}: ${e.text}); the SA stays at phase 2, retried at the next rekey`;
  }
}

/** NAT rebinding: the peer is answered where its freshest authenticated packet came from (an alias keeps the old key). */
export function followRebinding(core: { readonly table: SaTable; readonly counters: { rebinds: number }; emit(e: PiaNodeEvent): void }, peer: Peer, from: PeerEndpoint): void {
  const was = peer.endpoint;
  peer.endpoint = from;
  core.table.alias(peer, from);
  core.counters.rebinds++;
  core.emit({ kind: 'peer-moved', from: was, to: from });
}
