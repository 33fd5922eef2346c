/**
 * What the CoAP server hands to the gateway's policy and audit: the parsed request with the
 * resource it targets and the grant right it needs (docs/protocol.md §9.6), the decision the
 * policy returns (with its verdict), and the record of each answered exchange.
 */
import type { ServedAction, ServedBlob, ServedProperty } from './served.js';
import type { DiscoveryOption, SecurityContext } from '../../pia/discovery/index.js';
import type { BlockOption } from '../message/block.js';
import type { CoapMethod } from '../message/codes.js';
import type { CoapOption } from '../message/options.js';
import type { CoapEndpoint } from '../transport/types.js';

/** The resource a request resolved to (devices/model/types.ts header: the mapping). */
export type Target =
  | { readonly kind: 'well-known-core' }
  /** GET /<device>: every property and the health. */
  | { readonly kind: 'device'; readonly device: string }
  | { readonly kind: 'property'; readonly device: string; readonly name: string; readonly spec: ServedProperty }
  | { readonly kind: 'action'; readonly device: string; readonly name: string; readonly spec: ServedAction }
  | { readonly kind: 'blob'; readonly device: string; readonly name: string; readonly spec: ServedBlob };

export interface CoapRequest {
  /** undefined for a request code this server does not name (it answers 4.05). */
  readonly method: CoapMethod | undefined;
  readonly code: number;
  readonly type: 'CON' | 'NON';
  readonly messageId: number;
  readonly token: Uint8Array;
  /** The client's CoAP endpoint (over PIA: the inner source address and port). */
  readonly from: CoapEndpoint;
  /** The address the request was sent to (canonical): the device's. */
  readonly local: string;
  readonly path: readonly string[];
  readonly query: readonly string[];
  readonly options: readonly CoapOption[];
  readonly payload: Uint8Array;
  readonly contentFormat: number | undefined;
  readonly accept: number | undefined;
  /** RFC 7641: 0 register, 1 deregister. */
  readonly observe: number | undefined;
  readonly block2: BlockOption | undefined;
  /** The PIA discovery option (docs/protocol.md §4) when present and well-formed. */
  readonly discovery: DiscoveryOption | undefined;
  /** The request datagram's length in bytes: what the request may trigger is bounded by it (§4). */
  readonly size: number;
  /** undefined: no such resource at this address (answered 4.04 unless the policy refuses first). */
  readonly target: Target | undefined;
  /**
   * The grant right the request needs on `target.device` (§9.6): "read" for GET, "control"
   * for PUT of a property, the action's right for POST; undefined for /.well-known/core, an
   * unknown resource or a method the resource does not allow.
   */
  readonly right: string | undefined;
}

/**
 * What the authorize hook worked out about a request besides its answer: the device(s) it
 * concerns, the access it needs and the policy's verdict. The server copies it into the
 * exchange record unchanged, so what audits the exchange uses the hook's own answer.
 */
export interface AccessVerdict {
  /** The devices the request concerns: its target's, else every device at the address (/.well-known/core, an unknown resource); none when nothing is served there. */
  readonly devices: readonly string[];
  /** The access it needs: "read", "control" or "call:<action>" (§9.6). */
  readonly access: string;
  /** The policy allowed it (true) or refused it (false); undefined when the hook answered before asking the policy, or no device is served there. */
  readonly allowed: boolean | undefined;
}

/** A refusal: answered with `code` (4.01 or 4.03 usually) and `reason` as diagnostic payload (RFC 7252 §5.5.2). */
export interface Refusal {
  readonly code: number;
  readonly reason: string;
  /** Added to the response, e.g. the discovery option with the "latched" flag (§4). */
  readonly options?: readonly CoapOption[];
  readonly verdict?: AccessVerdict;
}

export interface Allowance {
  readonly allow: true;
  /** Added to the response, e.g. the discovery option echo (§4). */
  readonly options?: readonly CoapOption[];
  readonly verdict?: AccessVerdict;
}

export type AuthDecision = 'allow' | Allowance | Refusal;

/** Evaluated for every request before any handler runs (and before 4.04/4.05 are decided). */
export type Authorize = (request: CoapRequest, ctx: SecurityContext) => AuthDecision | Promise<AuthDecision>;

/** One answered request, for the audit log and metrics. */
export interface ExchangeRecord {
  readonly request: CoapRequest;
  readonly ctx: SecurityContext;
  readonly code: number;
  /** The diagnostic payload of an error response. */
  readonly diagnostic: string | undefined;
  /** True when the authorize hook refused it. */
  readonly refused: boolean;
  /** Registered (true) or deregistered (false) an observation. */
  readonly observing: boolean | undefined;
  /** From the request's arrival to its answer (device work included), clock ms. */
  readonly durationMs: number;
  /** The authorize hook's verdict; absent when the hook gave none or did not run (4.02, 5.05: answered before it; a hook that threw). */
  readonly verdict?: AccessVerdict;
}

export interface ServerLogger {
  info(message: string): void;
  warn(message: string): void;
}
