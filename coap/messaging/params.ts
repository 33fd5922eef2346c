/**
 * Transmission parameters and the times derived from them (RFC 7252 §4.8, §4.8.2).
 * Defaults are the RFC's: ACK_TIMEOUT 2 s, ACK_RANDOM_FACTOR 1.5, MAX_RETRANSMIT 4,
 * MAX_LATENCY 100 s, PROCESSING_DELAY = ACK_TIMEOUT. Tests may lower them; both ends of an
 * exchange must agree for the derived lifetimes to hold.
 */
export interface TransmissionParams {
  readonly ackTimeoutMs: number;
  readonly ackRandomFactor: number;
  readonly maxRetransmit: number;
  readonly maxLatencyMs: number;
}

export const RFC7252_PARAMS: TransmissionParams = {
  ackTimeoutMs: 2_000,
  ackRandomFactor: 1.5,
  maxRetransmit: 4,
  maxLatencyMs: 100_000,
};

export function transmissionParams(overrides: Partial<TransmissionParams> = {}): TransmissionParams {
  const p = { ...RFC7252_PARAMS, ...overrides };
  if (!(p.ackTimeoutMs > 0) || !(p.ackRandomFactor >= 1) || !Number.isInteger(p.maxRetransmit) || p.maxRetransmit < 0 || !(p.maxLatencyMs >= 0)) {
    throw new RangeError(`CoAP transmission parameters out of range: ${JSON.stringify(p)} (RFC 7252 §4.8: ACK_RANDOM_FACTOR ≥ 1, ACK_TIMEOUT > 0)`);
  }
  return p;
}

/** The first retransmission timeout: uniform in [ACK_TIMEOUT, ACK_TIMEOUT × ACK_RANDOM_FACTOR) (§4.2). */
export function initialTimeoutMs(p: TransmissionParams, random: number): number {
  return p.ackTimeoutMs * (1 + random * (p.ackRandomFactor - 1));
}

/** MAX_TRANSMIT_SPAN = ACK_TIMEOUT × (2^MAX_RETRANSMIT − 1) × ACK_RANDOM_FACTOR (45 s). */
export function maxTransmitSpanMs(p: TransmissionParams): number {
  return p.ackTimeoutMs * (2 ** p.maxRetransmit - 1) * p.ackRandomFactor;
}

/** MAX_TRANSMIT_WAIT = ACK_TIMEOUT × (2^(MAX_RETRANSMIT + 1) − 1) × ACK_RANDOM_FACTOR (93 s). */
export function maxTransmitWaitMs(p: TransmissionParams): number {
  return p.ackTimeoutMs * (2 ** (p.maxRetransmit + 1) - 1) * p.ackRandomFactor;
}

/** EXCHANGE_LIFETIME = MAX_TRANSMIT_SPAN + 2 × MAX_LATENCY + PROCESSING_DELAY (247 s): how long a CON's ID is remembered. */
export function exchangeLifetimeMs(p: TransmissionParams): number {
  return maxTransmitSpanMs(p) + 2 * p.maxLatencyMs + p.ackTimeoutMs;
}

/** NON_LIFETIME = MAX_TRANSMIT_SPAN + MAX_LATENCY (145 s): how long a NON's ID is remembered. */
export function nonLifetimeMs(p: TransmissionParams): number {
  return maxTransmitSpanMs(p) + p.maxLatencyMs;
}
