/**
 * What a CoAP server serves: the contract an object meets to be mounted (`CoapServer.mount`).
 * CoAP knows nothing of devices; the gateway adapts its device model to this (a device already
 * has this shape; the adapter turns its errors into `ServedError`). The mapping:
 *   GET  /<name>/<property>          read (Observe when `observable`)
 *   PUT  /<name>/<property>          write (when `writable`; right "control")
 *   POST /<name>/<action>            call (right: the action's `right`)
 *   GET  /<name>/<blob>?k=v          fetch (Block2; e.g. a camera snapshot)
 *   GET  /<name>                     every property and the health
 *
 * Must hold: `set`, `call` and `fetch` reject with a `ServedError` for anything a client should
 * see (its message becomes the diagnostic); any other error is answered 5.00 without its text.
 * `set` and `call` learn who asks (the request's security context: docs/protocol.md §4, §9), so
 * what they cause can name its subject.
 */
import type { ActionSpec, BlobSpec, Health, ParamSpec, PropertySpec, ResourceDescription, Value } from '../../common/index.js';
import type { SecurityContext } from '../../pia/discovery/index.js';

/** The shared vocabulary (common/resource-specs.ts) under the names CoAP uses. */
export type ServedValue = Value;
export type ServedProperty = PropertySpec;
export type ServedParam = ParamSpec;
export type ServedAction = ActionSpec;
export type ServedBlob = BlobSpec;
export type ServedHealth = Health;

export type ServedDescription = ResourceDescription;

export interface Served {
  describe(): ServedDescription;
  read(): Readonly<Record<string, ServedValue>>;
  health(): ServedHealth;
  /** A PUT; `ctx` is the security context the request came in (the authorize hook already allowed it). */
  set(property: string, value: unknown, ctx: SecurityContext): Promise<ServedValue>;
  /** A POST; `ctx` as for `set`. */
  call(action: string, params: Readonly<Record<string, unknown>>, ctx: SecurityContext): Promise<Readonly<Record<string, ServedValue>>>;
  fetch(blob: string, params: Readonly<Record<string, unknown>>): Promise<Uint8Array>;
  /** Property changes: what Observe notifies. */
  onChange(listener: (property: string, value: ServedValue) => void): () => void;
}

export type ServedErrorCode = 'invalid' | 'busy' | 'failed' | 'not-found';

/** A refusal a client sees: invalid → 4.00, not-found → 4.04, busy → 5.03 with Max-Age, failed → 5.00. */
export class ServedError extends Error {
  /** For 'busy': seconds until a retry can work, sent as Max-Age (RFC 7252 §5.9.3.4); default the server's busyRetryS. */
  readonly retryAfterS: number | undefined;
  constructor(
    readonly code: ServedErrorCode,
    message: string,
    options: { readonly retryAfterS?: number } = {},
  ) {
    super(message);
    this.name = 'ServedError';
    this.retryAfterS = options.retryAfterS;
  }
}
