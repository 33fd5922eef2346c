/**
 * What a CoAP client call gives back and how it fails. Any response code resolves (the
 * caller reads `code`); only "no usable answer" rejects, with a CoapClientError whose `kind`
 * piactl maps to an exit code.
 */
import type { DiscoveryOption, SecurityContext } from '../../pia/discovery/index.js';
import type { CoapOption } from '../message/options.js';
import type { CoapEndpoint } from '../transport/types.js';

export interface CoapResponse {
  readonly code: number;
  /** "2.05". */
  readonly codeText: string;
  /** Class 2. */
  readonly ok: boolean;
  /** The options of the (first block of the) response. */
  readonly options: readonly CoapOption[];
  /** The whole body (Block2 blocks reassembled). */
  readonly payload: Uint8Array;
  readonly contentFormat: number | undefined;
  readonly maxAge: number | undefined;
  /** RFC 7641 sequence number in a notification or registration response. */
  readonly observe: number | undefined;
  readonly etag: Uint8Array | undefined;
  /** The peer's PIA discovery option (docs/protocol.md §4) when present and well-formed. */
  readonly discovery: DiscoveryOption | undefined;
  /** The UTF-8 diagnostic payload of an error response (RFC 7252 §5.5.2). */
  readonly diagnostic: string | undefined;
  readonly from: CoapEndpoint;
  /** How the response arrived: phase 1 (plain), 2 or 3 (PIA). */
  readonly ctx: SecurityContext;
  readonly local: string;
  /** The payload as UTF-8 text. */
  text(): string;
  /** The payload parsed as JSON; throws CoapClientError 'format' when it is not JSON. */
  json(): unknown;
}

export type CoapClientErrorKind =
  /** No ACK or response after the retransmissions (RFC 7252 §4.2), or no separate response in time. */
  | 'timeout'
  /** The peer answered with Reset: it could not process the message. */
  | 'reset'
  /** The transport refused to send (no route, no PIA SA, closed socket). */
  | 'send'
  /** The client was closed, or the call was cancelled. */
  | 'closed'
  /** A Block2 transfer went wrong (representation changed repeatedly, bad block, too large). */
  | 'blockwise'
  /** A payload that is not what its content format says. */
  | 'format';

export class CoapClientError extends Error {
  override readonly name = 'CoapClientError';
  constructor(
    readonly kind: CoapClientErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  /** Raw payload (a string is sent as UTF-8). */
  readonly payload?: Uint8Array | string;
  readonly contentFormat?: number;
  readonly accept?: number;
  /** Default true (CON, retransmitted); false sends NON (RFC 7252 §4.3). */
  readonly confirmable?: boolean;
  /** More options (sent as given). */
  readonly options?: readonly CoapOption[];
  /** Attach the PIA discovery option (docs/protocol.md §4): on plain requests to a peer without an SA. */
  readonly discovery?: DiscoveryOption;
  /** Over PIA: the PIA endpoint whose SA carries the request (else the transport's route). */
  readonly via?: CoapEndpoint;
  /** Ask for this Block2 size from the first block on (16–1024; RFC 7959 §2.4 early negotiation). */
  readonly blockSize?: number;
  /** How long to wait for a separate or NON response; default the client's. */
  readonly responseTimeoutMs?: number;
}
