/** The CoAP message layer (RFC 7252 §4): retransmission, deduplication, ping, Reset. */
export {
  RFC7252_PARAMS,
  exchangeLifetimeMs,
  initialTimeoutMs,
  maxTransmitSpanMs,
  maxTransmitWaitMs,
  nonLifetimeMs,
  transmissionParams,
  type TransmissionParams,
} from './params.js';
export { DedupCache, type DedupEntry } from './dedup.js';
export {
  Messenger,
  dedupKey,
  replyMeta,
  type ConfirmableOutcome,
  type ConfirmableSend,
  type Inbound,
  type MessengerCounters,
  type MessengerEvent,
  type MessengerOptions,
} from './messenger.js';
