/**
 * A CoAP message as this layer holds it (RFC 7252 §3): type, code, message ID, token,
 * options (in number order, repeated options in their order) and payload.
 */
import type { CoapOption } from './options.js';

/** RFC 7252 §4: Confirmable, Non-confirmable, Acknowledgement, Reset. */
export type CoapType = 'CON' | 'NON' | 'ACK' | 'RST';

export interface CoapMessage {
  readonly type: CoapType;
  /** class << 5 | detail (codes.ts). */
  readonly code: number;
  /** 0–65535. */
  readonly messageId: number;
  /** 0–8 bytes (RFC 7252 §3; extended tokens of RFC 8974 are not used). */
  readonly token: Uint8Array;
  readonly options: readonly CoapOption[];
  readonly payload: Uint8Array;
}

export const EMPTY = new Uint8Array(0);

/** RFC 7252 §4.1: an Empty message (code 0.00) is the 4-byte header only. */
export function emptyMessage(type: CoapType, messageId: number): CoapMessage {
  return { type, code: 0, messageId, token: EMPTY, options: [], payload: EMPTY };
}

export const MAX_TOKEN_LENGTH = 8;
