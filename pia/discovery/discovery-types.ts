/**
 * The decisions and actions of per-peer discovery (discovery.ts, docs/protocol.md §4): what the
 * node is told to do, never how (no I/O here either).
 */
import type { Clock } from '../../common/index.js';
import type { LatchInfo, LatchView } from './latch-store.js';
import type { DiscoveryOption } from './option.js';
import type { PeerEndpoint } from './security-context.js';

export type Stage = 'unknown' | 'pia-capable' | 'exchanging' | 'secured';
export type PlaintextPolicy = 'allow' | 'refuse-latched';
/** The CoAP 4.01 diagnostic payload for refused plaintext (docs/protocol.md §4). */
export const PIA_REQUIRED_DIAGNOSTIC = 'PIA required: peer is latched';

export type DiscoveryAction =
  | {
      readonly kind: 'start-exchange';
      readonly pia: PeerEndpoint;
      /**
       * Set when a plain request triggered the start: its source has not shown it receives
       * there, so one INIT goes, never retransmitted (docs/protocol.md §4).
       */
      readonly initOnce?: true;
    }
  | { readonly kind: 'record-latch'; readonly peers: readonly string[]; readonly latch: LatchInfo }
  | { readonly kind: 'log'; readonly level: 'info' | 'warn'; readonly message: string };

export type OutgoingDecision =
  | { readonly route: 'plain'; readonly option: DiscoveryOption; readonly actions: DiscoveryAction[] }
  | { readonly route: 'sa'; readonly pia: PeerEndpoint; readonly actions: DiscoveryAction[] }
  | {
      readonly route: 'wait-for-sa';
      readonly pia: PeerEndpoint | undefined;
      /** Set while failed exchanges back off: no start before then. */
      readonly retryAt: number | undefined;
      readonly actions: DiscoveryAction[];
    };

export interface InboundDecision {
  readonly policy: PlaintextPolicy;
  /** Our option, to put in the response (undefined: attach none). */
  readonly echo: DiscoveryOption | undefined;
  readonly actions: DiscoveryAction[];
}

export interface PeerView {
  readonly address: string;
  readonly stage: Stage;
  readonly latched: boolean;
  readonly pia: PeerEndpoint | undefined;
  readonly failures: number;
  readonly retryAt: number | undefined;
  /** Plain responses without the option since the last one with it (a legacy peer counts up). */
  readonly responsesWithoutOption: number;
}

export interface DiscoveryOptions {
  readonly clock: Clock;
  readonly self: {
    /** Our PIA UDP port. */
    readonly port: number;
    /** Our PIA address when it differs from the source of our plain traffic (a gateway). */
    readonly address?: string;
    /** False for a node that only answers key exchanges. */
    readonly canInitiate: boolean;
  };
  readonly latches: LatchView;
  /** Bound of each table; default 4096. */
  readonly maxPeers?: number;
  /** How long a requester waits for the responder's INIT before starting itself; default 2 s. */
  readonly peerInitGraceMs?: number;
  /** An exchange not reported done after this long is treated as lost; default 60 s. */
  readonly exchangeTimeoutMs?: number;
  /**
   * The length of the INIT this node sends (default two suites: 84 bytes). A plain request
   * shorter than this never makes the node initiate (§4: no amplification).
   */
  readonly initBytes?: number;
}
