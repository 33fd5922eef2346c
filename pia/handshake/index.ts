/**
 * Phase 2 key exchange (docs/protocol.md §5) as a library without I/O: the message codec,
 * the key schedule, stateless cookies, initiation rate limits, and the initiator and
 * responder state machines that turn datagrams and timer ticks into actions
 * (send / provisional / established / failed). The node that owns the sockets drives them.
 */
export { type PeerAddress, samePeer, peerKey, peerKeyOf } from './address.js';
export { isIpv4Mapped } from '../address.js'; // shared (../address.ts), re-exported for this surface
export {
  KX_VERSION,
  KX_HEADER_BYTES,
  KX_MAX_MESSAGE_BYTES,
  NONCE_BYTES,
  PUBLIC_KEY_BYTES,
  MAC_BYTES,
  COOKIE_BYTES,
  MAX_INIT_COOKIE_BYTES,
  MIN_SPI,
  KxType,
  RefuseReason,
  encodeKx,
  decodeKx,
  isKxDatagram,
  transcriptPart,
  type KxMessage,
  type KxInit,
  type KxResp,
  type KxConfirm,
  type KxCookie,
  type KxRefuse,
} from './messages.js';
export {
  X25519KeyPair,
  Keymat,
  SecretBytes,
  x25519,
  transcriptHash,
  hkdfSha256,
  hmacSha256,
  deriveSession,
  macEquals,
  KEYMAT_BYTES,
  type SessionSecrets,
} from './key-schedule.js';
export { CookieJar, COOKIE_ROTATE_MS } from './cookies.js';
export { InitiationRateLimiter, RATE_LIMIT_DEFAULTS, type RateLimitOptions } from './rate-limit.js';
export { type KxRandom, systemRandom, jittered, pickSpi } from './random.js';
export { type NegotiatedKeys, type KxAction, type KxFailure, negotiatedKeys } from './types.js';
export {
  Initiator,
  initWins,
  INIT_RETRANSMIT,
  MAX_COOKIE_ROUNDS,
  type InitiatorOptions,
  type InitiatorState,
  type RetransmitPolicy,
} from './initiator.js';
export { Responder, RESPONDER_DEFAULTS, type ResponderOptions, type ResponderCounters } from './responder.js';
export { chooseSuite } from './suite-choice.js';
