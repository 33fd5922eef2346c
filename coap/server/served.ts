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
 */
export type ServedValue = number | boolean | string | null;

export interface ServedProperty {
  readonly name: string;
  readonly type: 'number' | 'boolean' | 'string';
  /** For strings: the allowed values (an enum). */
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** Unit symbol (UCUM-ish: "Cel", "%RH", "/min", "%"). */
  readonly unit?: string;
  readonly writable: boolean;
  readonly observable: boolean;
  /** Resource type for the link format (RFC 6690 `rt`). */
  readonly rt: string;
  readonly description: string;
}

export interface ServedParam {
  readonly name: string;
  readonly type: 'number' | 'boolean' | 'string';
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly required: boolean;
  readonly description: string;
}

export interface ServedAction {
  readonly name: string;
  readonly params: readonly ServedParam[];
  /** The grant right it needs: "control" or "call:<name>" (docs/protocol.md §9.6). */
  readonly right: string;
  readonly rt: string;
  readonly description: string;
}

export interface ServedBlob {
  readonly name: string;
  /** CoAP content format number (RFC 7252 §12.3): 22 = image/jpeg. */
  readonly contentFormat: number;
  readonly params: readonly ServedParam[];
  readonly rt: string;
  readonly description: string;
}

export interface ServedDescription {
  readonly name: string;
  /** Listed as `rt="pia.device.<kind>"`. */
  readonly kind: string;
  readonly part: string;
  readonly properties: readonly ServedProperty[];
  readonly actions: readonly ServedAction[];
  readonly blobs: readonly ServedBlob[];
}

export interface ServedHealth {
  readonly status: 'ok' | 'degraded' | 'failed';
  readonly failures: number;
  readonly lastError?: { readonly message: string; readonly atMs: number };
  readonly lastOkMs?: number;
}

export interface Served {
  describe(): ServedDescription;
  read(): Readonly<Record<string, ServedValue>>;
  health(): ServedHealth;
  set(property: string, value: unknown): Promise<ServedValue>;
  call(action: string, params: Readonly<Record<string, unknown>>): Promise<Readonly<Record<string, ServedValue>>>;
  fetch(blob: string, params: Readonly<Record<string, unknown>>): Promise<Uint8Array>;
  /** Property changes: what Observe notifies. */
  onChange(listener: (property: string, value: ServedValue) => void): () => void;
}

export type ServedErrorCode = 'invalid' | 'busy' | 'failed' | 'not-found';

/** A refusal a client sees: invalid → 4.00, not-found → 4.04, busy → 5.03 with Max-Age, failed → 5.00. */
export class ServedError extends Error {
  constructor(
    readonly code: ServedErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServedError';
  }
}
