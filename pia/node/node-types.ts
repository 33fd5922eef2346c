/**
 * Options, limits, events and counters of a PIA node (docs/protocol.md §3, §6, §7).
 * Events name SAs by SPI and suite only and endpoints by address and port: never key bytes,
 * so any log line built from an event is safe to write.
 */
import type { Clock } from '../../common/index.js';
import type { PeerDiscovery, LatchStore, PeerEndpoint, SaInfo } from '../discovery/index.js';
import type { AeadLibrary } from '../esp/index.js';
import type { KxFailure, KxRandom, ResponderOptions, RetransmitPolicy } from '../handshake/index.js';
import type { SuiteId } from '../suites-ids.js';
import type { P3Reason } from '../phase3/types.js';
import type { CloseReason } from './close-message.js';
import type { Phase3Options } from './phase3-driver.js';
import type { DatagramTransport } from './transport.js';

/** docs/protocol.md §3 "Limits and timers". Tests lower them (packet counts especially). */
export interface SaLimits {
  /** Rekey when the SA is this old … */
  readonly rekeyAfterMs: number;
  /** … ± up to this much (uniform), so two peers rarely start at once. */
  readonly rekeyJitterMs: number;
  /** … or after this many packets in either direction. */
  readonly rekeyAfterPackets: number;
  /** Hard limits: refuse to send on or accept from an SA this old or with this many packets. */
  readonly rejectAfterMs: number;
  readonly rejectAfterPackets: number;
  /** The old inbound SA stays this long after a rekey. */
  readonly graceMs: number;
  /** A dummy ESP packet after this long without outbound traffic while inbound data flows. */
  readonly keepaliveMs: number;
  /** No authenticated inbound this long after we sent data → SA torn down, peer "dead". */
  readonly deadPeerMs: number;
  /** After a failed rekey, the next try waits this long (the SA stays until its hard limit). */
  readonly rekeyRetryMs: number;
  /** §9.4: how long a rekeyed pair waits for phase 3 before it becomes current at phase 2. */
  readonly phase3HoldMs: number;
}

export const SA_LIMITS: SaLimits = {
  rekeyAfterMs: 120_000,
  rekeyJitterMs: 10_000,
  rekeyAfterPackets: 2 ** 32,
  rejectAfterMs: 180_000,
  // §3 says 2^60; sequence numbers are JS numbers here, exact to 2^53 − 1 (§6).
  rejectAfterPackets: Number.MAX_SAFE_INTEGER,
  graceMs: 30_000,
  keepaliveMs: 10_000,
  deadPeerMs: 35_000,
  rekeyRetryMs: 5_000,
  phase3HoldMs: 20_000,
};

export interface PiaLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface PiaNodeOptions {
  readonly transport: DatagramTransport;
  readonly clock: Clock;
  /** The OS CSPRNG by default; seeded in tests. */
  readonly random?: KxRandom;
  /** Where completed exchanges are latched (§4). */
  readonly latches: LatchStore;
  /** When given, told of exchanges and SAs; its record-latch and log actions are carried out. */
  readonly discovery?: PeerDiscovery;
  readonly logger?: PiaLogger;
  /** §8 key log (the program passes PIA_KEYLOG); off when undefined. */
  readonly keyLogPath?: string;
  /** Suites offered and accepted, preference first; default by the CPU (suite-order.ts): AES-256-GCM first with AES instructions, ChaCha20-Poly1305 first without. */
  readonly suites?: readonly SuiteId[];
  /** AEAD library on the hot path; default per suite: libsodium when it loaded and offers the suite, else node:crypto (esp/aead-select.ts). */
  readonly aeadLibrary?: AeadLibrary;
  /** Our address as peers see it: the default inner source address and the key log's. */
  readonly localAddress?: string;
  readonly limits?: Partial<SaLimits>;
  readonly retransmit?: Partial<RetransmitPolicy>;
  readonly responder?: Pick<ResponderOptions, 'cookieThreshold' | 'maxExchanges' | 'halfOpenMs' | 'rateLimit'>;
  /** Phase 3 (§9): this node's identity and trusted server, or the server's authority. Off when undefined. */
  readonly phase3?: Phase3Options;
}

export interface ConnectOptions {
  /** The partner phase 3 must find at the endpoint (§9.2 `ID_B*`), a node ID; any when undefined. */
  readonly expectPeer?: string;
  /** One INIT, never retransmitted: the peer has not shown it receives at that address (§4). */
  readonly initOnce?: boolean;
}

export interface OutboundDatagram {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
  /** Inner source address; default the node's localAddress (or its bind address). */
  readonly innerSrc?: string;
  /** Inner destination address; default the peer's address. */
  readonly innerDst?: string;
}

export interface InnerInfo {
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
}

/** 'peer-closed': the peer sent CLOSE (§6); 'closed': this node closed. */
export type SaCloseReason = 'grace-over' | 'hard-limit' | 'dead-peer' | 'closed' | 'peer-closed';

export type PiaNodeEvent =
  | { readonly kind: 'sa-up'; readonly peer: PeerEndpoint; readonly sa: SaInfo; readonly role: 'initiator' | 'responder'; readonly rekey: boolean }
  | { readonly kind: 'sa-closed'; readonly peer: PeerEndpoint; readonly sa: SaInfo; readonly reason: SaCloseReason }
  | { readonly kind: 'exchange-started'; readonly peer: PeerEndpoint; readonly reason: 'connect' | 'rekey-time' | 'rekey-packets' }
  | { readonly kind: 'exchange-failed'; readonly peer: PeerEndpoint; readonly reason: KxFailure }
  /** A peer that matters (§3: we initiated to it, or the application holds an interest in it) went silent. */
  | { readonly kind: 'peer-dead'; readonly peer: PeerEndpoint; readonly silentMs: number }
  /** Any other peer whose pair died or reached its hard limit: forgotten without a fuss (§3). */
  | { readonly kind: 'peer-forgotten'; readonly peer: PeerEndpoint; readonly why: 'silent' | 'expired' }
  /** The peer sent CLOSE (§6): every SA with it dropped, the peer forgotten. */
  | { readonly kind: 'peer-closed'; readonly peer: PeerEndpoint; readonly reason: CloseReason }
  /** The network said the peer cannot be reached (§2 "Sockets"); `ended`: an exchange toward it ended for it. */
  | { readonly kind: 'peer-unreachable'; readonly peer: PeerEndpoint; readonly code: string; readonly ended: boolean }
  | { readonly kind: 'peer-moved'; readonly from: PeerEndpoint; readonly to: PeerEndpoint }
  | { readonly kind: 'icv-failure'; readonly spi: number; readonly source: PeerEndpoint; readonly seq: number }
  | { readonly kind: 'replay'; readonly spi: number; readonly source: PeerEndpoint; readonly seq: number; readonly verdict: 'replay' | 'too-old' | 'out-of-range' }
  | { readonly kind: 'unknown-spi'; readonly spi: number; readonly source: PeerEndpoint }
  | { readonly kind: 'expired-sa'; readonly spi: number; readonly source: PeerEndpoint }
  | { readonly kind: 'decode-error'; readonly source: PeerEndpoint; readonly what: string; readonly message: string }
  | { readonly kind: 'send-error'; readonly to: PeerEndpoint; readonly message: string }
  | {
      readonly kind: 'phase3-up';
      readonly peer: PeerEndpoint;
      readonly sa: SaInfo;
      readonly role: 'initiator' | 'responder';
      readonly peerId: string;
      readonly peerKind: string;
      readonly peerLabel: string;
      readonly grants: number;
    }
  /** The trusted server said no (§9.2 reason); `authentic`: sealed under our per-exchange key, else only a hint. */
  | { readonly kind: 'phase3-denied'; readonly peer: PeerEndpoint; readonly reason: P3Reason; readonly text: string; readonly authentic: boolean }
  /** No answer after the retransmissions (§9.4): the SA stays at phase 2. */
  | { readonly kind: 'phase3-failed'; readonly peer: PeerEndpoint; readonly reason: P3Reason; readonly text: string };

export interface PiaNodeCounters {
  datagramsIn: number;
  /** 1-byte 0xFF NAT keepalives (RFC 3948 §2.3), dropped. */
  natKeepalives: number;
  /** Datagrams shorter than 8 bytes (§2), dropped. */
  short: number;
  kxIn: number;
  kxOut: number;
  espIn: number;
  espOut: number;
  delivered: number;
  dummiesIn: number;
  /** PIA control messages (phase 3, next header 253) received through an SA. */
  controlIn: number;
  keepalivesSent: number;
  unknownSpi: number;
  replays: number;
  tooOld: number;
  icvFailures: number;
  expiredSa: number;
  /** Undecodable key-exchange messages, malformed ESP headers, bad trailers and inner packets. */
  decodeErrors: number;
  sendErrors: number;
  exchangesCompleted: number;
  exchangesFailed: number;
  rekeys: number;
  /** Peers that matter (§3) declared dead. */
  deadPeers: number;
  /** Other peers forgotten when their pair died or expired (§3). */
  peersForgotten: number;
  /** CLOSE messages acted on (§6). */
  peersClosed: number;
  /** Peers the network reported unreachable (§2 "Sockets"). */
  unreachable: number;
  rebinds: number;
}

export function zeroCounters(): PiaNodeCounters {
  return {
    datagramsIn: 0, natKeepalives: 0, short: 0, kxIn: 0, kxOut: 0, espIn: 0, espOut: 0, delivered: 0, dummiesIn: 0, controlIn: 0,
    keepalivesSent: 0, unknownSpi: 0, replays: 0, tooOld: 0, icvFailures: 0, expiredSa: 0, decodeErrors: 0,
    sendErrors: 0, exchangesCompleted: 0, exchangesFailed: 0, rekeys: 0, deadPeers: 0, peersForgotten: 0, peersClosed: 0, unreachable: 0, rebinds: 0,
  };
}
