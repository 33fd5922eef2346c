/** What the trusted server's phase-3 authority (authority.ts) needs from the server around it. */
import type { Clock } from '../../common/index.js';
import type { KxRandom } from '../handshake/random.js';
import type { VouchRateLimiter } from './rate-limit.js';
import type { NodeId, NodeKey, NodeKind, P3Reason, Phase3Keys } from './types.js';

export type MaybePromise<T> = T | Promise<T>;

/** A node as the registry knows it. */
export interface RegisteredNode {
  readonly kind: NodeKind;
  readonly status: 'active' | 'revoked';
  readonly label: string;
  readonly key: NodeKey;
}

/**
 * A grant that applies now (the store filtered subject, gateway and validity window):
 * `validS` = seconds until its notAfter, absent when it has none. The authority caps it (§9.6).
 */
export interface GrantOffer {
  readonly id: string;
  readonly devices: string;
  readonly rights: readonly string[];
  readonly validS?: number;
}

/** One audit record per decision (§9.7 events phase3-granted / phase3-denied). Never a key. */
export interface Phase3AuditRecord {
  readonly event: 'phase3-granted' | 'phase3-denied';
  /** ID_A and ID_B as UUID text (ID_B = the server's own ID for a request sent to it). */
  readonly requester: string;
  readonly responder: string;
  /** True for a P3_REQ sent to the server itself (S in B's place). */
  readonly direct: boolean;
  /** The source SA, as the caller named it. */
  readonly source: string;
  /** T (hex): names the phase-2 exchange (public). */
  readonly transcript: string;
  readonly reason?: P3Reason;
  /** Denied: why, as told to the nodes. */
  readonly why?: string;
  /** Granted: the grant IDs in the tickets, and the tickets' lifetime. */
  readonly grants?: readonly string[];
  readonly lifetimeS?: number;
}

export interface AuthorityDeps {
  readonly lookupNode: (id: NodeId) => MaybePromise<RegisteredNode | undefined>;
  /** Active grants whose subject is the node (or a group it is in) and whose object is the gateway. */
  readonly grantsFor: (subjectId: NodeId, gatewayId: NodeId) => MaybePromise<readonly GrantOffer[]>;
  /** Appends the decision to the audit log; awaited before any answer is returned (§9.5 step 6). */
  readonly audit: (record: Phase3AuditRecord) => MaybePromise<void>;
  /** K_AB and seal nonces: the OS CSPRNG in production. */
  readonly random: KxRandom;
  readonly rateLimiter?: VouchRateLimiter;
  /** Updates a node's "last seen" (called once its MAC verified). */
  readonly touch?: (id: NodeId) => MaybePromise<void>;
  /** The server's own ID and label: needed to answer a P3_REQ sent to the server itself. */
  readonly server?: { readonly id: NodeId; readonly label: string };
  /** For `Phase3Keys.receivedAt` of a pair the server installs as B. */
  readonly clock?: Clock;
  /**
   * The longest ticket this server grants, 1–600 s (default 600, §9.6): how long an existing
   * association keeps a removed grant or a revoked node's access.
   */
  readonly ticketLifetimeS?: number;
  /** Told of what is counted rather than logged (§9.5: a flood must not grow the audit log). */
  readonly count?: (what: 'rate-limited' | 'undecodable' | 'unexpected') => void;
}

/** Where a message reached the server. */
export interface AuthoritySource {
  /** Names the SA it came on, for the per-source rate limit (e.g. "[2001:db8::1]:4500 spi 0x1234abcd"). */
  readonly key: string;
  /** T, Z of that SA and an SPI reservation: needed for a P3_REQ sent to the server itself. */
  readonly transcript?: Uint8Array;
  readonly dhSecret?: Uint8Array;
  readonly reserveSpi?: () => number;
}

export interface AuthorityAnswer {
  /** The payload to send back on the same SA (P3_VERDICT, or P3_RESP for a direct P3_REQ). */
  readonly reply?: Uint8Array;
  /** A direct P3_REQ granted: the phase-3 pair the server installs as B (provisional). */
  readonly keys?: Phase3Keys;
}
