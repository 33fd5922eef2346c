/** Revocation in seconds (docs/protocol.md §9.11): the vouch tracker, the notifier and its CoAP delivery to the gateways. */
export { VouchTracker, SA_HARD_LIMIT_MS, DEFAULT_TRACKER_CAP } from './vouch-tracker.js';
export { RevocationNotifier, RETRY_FIRST_MS, RETRY_MAX_MS, MAX_PENDING, type DeliveryOutcome, type NotifierCounters, type RevocationNotifierOptions, type Withdrawal } from './notifier.js';
export { CoapDelivery, GATEWAY_REVOCATION_PORT, REVOCATIONS_PATH } from './coap-delivery.js';
export { openRevocations, type Revocations } from './revocations.js';
