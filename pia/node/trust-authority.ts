/**
 * The trusted server's side of phase 3 as a node hands it messages (docs/protocol.md §9.5):
 * implemented by trust-server/ with ../phase3's `authorize`; the node (phase3-driver.ts) gives
 * it every P3_VOUCH, ENROLL and P3_REQ addressed to the server, with the pair they came on.
 */
import type { PeerEndpoint } from '../discovery/index.js';
import type { Phase3Keys } from '../phase3/index.js';

/** The trusted server's side (S), implemented by trust-server/ with ../phase3's `authorize`. */
export interface TrustAuthority {
  handle(message: Uint8Array, source: AuthoritySource): Promise<AuthorityAnswer>;
}

export interface AuthoritySource {
  readonly peer: PeerEndpoint;
  /** §5 T and Z of the pair the message came on (a P3_REQ sent to the server directly needs them). */
  readonly transcript: Uint8Array | undefined;
  readonly dhSecret: Uint8Array | undefined;
  /** Reserves an inbound SPI for the phase-3 pair the answer installs (SPI_B'). */
  reserveSpi(): number;
}

export interface AuthorityAnswer {
  readonly reply?: Uint8Array;
  /** A direct P3_REQ granted: S installs this pair as B (confirmed by A's first ESP packet on it). */
  readonly install?: Phase3Keys;
}
