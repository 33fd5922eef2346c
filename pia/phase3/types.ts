/**
 * Phase 3 (docs/protocol.md §9): the shapes shared by the requester (A), the voucher (B), the
 * trusted server's authority (S) and the node that carries their messages.
 *
 * Must hold: no type here holds a long-term key as bytes a caller can read: a node's key is a
 * `NodeKey`, an HMAC oracle (a secure element can be one); per-exchange secrets (W, K_AB, KM3)
 * never leave the modules that derive them except as the SA keys they become.
 */
import type { Keymat } from '../handshake/key-schedule.js';

/** 16 bytes (RFC 9562 v4 layout); text form is a UUID. All-zero = "any" where allowed. */
export type NodeId = Uint8Array;

export type NodeKind = 'gateway' | 'operator' | 'station' | 'server';

/** §9.3: the peer-kind byte of a granted ticket. */
export const NODE_KIND_CODES: Readonly<Record<NodeKind, number>> = { gateway: 1, operator: 2, station: 3, server: 4 };

/**
 * A node's long-term key K_X as §9.1 allows it to be used: HMAC-SHA256 over a message, and
 * nothing else. A file-backed key and an ATECC608 slot key both implement it.
 */
export interface NodeKey {
  /** HMAC-SHA256(K_X, message): 32 bytes. */
  hmac(message: Uint8Array): Promise<Uint8Array>;
}

/** A node's identity: who it is, and the key it shares with the trusted server. */
export interface NodeIdentity {
  readonly id: NodeId;
  readonly key: NodeKey;
}

/** §9.2 status byte. */
export const P3Status = { Granted: 0, Denied: 1, Pending: 2 } as const;
export type P3Status = (typeof P3Status)[keyof typeof P3Status];

/** §9.2 reason byte (with status Denied). */
export const P3Reason = {
  None: 0,
  UnknownNode: 1,
  Revoked: 2,
  BadMac: 3,
  TranscriptMismatch: 4,
  NotGranted: 5,
  WrongPartner: 6,
  RateLimited: 7,
  ServerUnreachable: 8,
  Malformed: 9,
  NotAuthorized: 10,
} as const;
export type P3Reason = (typeof P3Reason)[keyof typeof P3Reason];

/** A grant as it reaches a gateway in a ticket (§9.6). */
export interface TicketGrant {
  readonly id: string;
  /** Device selector: a name, a glob with `*`, or `*`. */
  readonly devices: string;
  /** "read" | "control" | "call:<name>" … */
  readonly rights: readonly string[];
  /** Seconds the grant remains valid, counted from receipt. */
  readonly validS: number;
}

/** What a granted ticket tells its holder about the partner. */
export interface PeerVouched {
  readonly peerId: NodeId;
  readonly peerKind: NodeKind;
  readonly peerLabel: string;
  /** Seconds from receipt. */
  readonly lifetimeS: number;
  readonly grants: readonly TicketGrant[];
}

/**
 * The phase-3 SA pair one side installs (§9.3 KM3 split as §5's KM): A is the i side (sends
 * with KEYMAT_i2r to SPI_B', receives on SPI_A'); B the r side. The pair uses the suite of the
 * phase-2 pair phase 3 ran over.
 */
export interface Phase3Keys {
  readonly role: 'initiator' | 'responder';
  /** The SPI we receive on (A: SPI_A', B: SPI_B') and the one we send to. */
  readonly spiIn: number;
  readonly spiOut: number;
  readonly inbound: Keymat;
  readonly outbound: Keymat;
  /** Who the trusted server vouched for, and what it granted. */
  readonly vouched: PeerVouched;
  /** Clock ms when the ticket was opened: `lifetimeS` and each grant's `validS` count from here. */
  readonly receivedAt: number;
}

/**
 * What the phase-3 machines ask the node to do (docs/protocol.md §9.4). Payloads are §9.2
 * messages for ESP next header 253 on the named SA.
 */
export type P3Action =
  /** Send on the SA pair phase 3 runs over (A ↔ B). */
  | { readonly kind: 'send-peer'; readonly payload: Uint8Array }
  /** B: send on B's SA with the trusted server (connecting first if needed). */
  | { readonly kind: 'send-server'; readonly payload: Uint8Array }
  /** B: install the phase-3 pair; accept inbound on it only after `established`. */
  | { readonly kind: 'provisional'; readonly keys: Phase3Keys }
  /**
   * A (with `keys`): install the pair and make it current. B (without `keys`): the provisional
   * pair is confirmed (P3_FIN verified, or the node reported a verified ESP packet on it).
   */
  | { readonly kind: 'established'; readonly keys?: Phase3Keys }
  /**
   * Phase 3 ended without keys. `authentic`: sealed by the trusted server for us (act on it);
   * otherwise unverified (log it as such; believe nothing from it). The SA stays at phase 2.
   */
  | { readonly kind: 'denied'; readonly reason: P3Reason; readonly text: string; readonly authentic: boolean }
  /** Phase 3 gave up (no answer after the last wait, no confirmation, no SPI). */
  | { readonly kind: 'failed'; readonly reason: P3Reason; readonly text: string };

/** Names of the §9.2 reasons, for logs and error messages. */
export const P3_REASON_TEXT: Readonly<Record<P3Reason, string>> = {
  0: 'none',
  1: 'unknown node',
  2: 'node revoked',
  3: 'bad MAC',
  4: 'transcript mismatch or bad MAC',
  5: 'no grant for this pair',
  6: 'partner is not the one expected',
  7: 'rate limited',
  8: 'trusted server unreachable',
  9: 'malformed request',
  10: 'not authorized',
};

export function isP3Reason(n: number): n is P3Reason {
  return Number.isInteger(n) && n >= 0 && n <= 10;
}
