/**
 * The vocabulary of a typed, named resource, shared by the device models (devices/) and what
 * CoAP serves (coap/): values, properties, action and blob parameters, health. Neither knows
 * the other; both speak these shapes.
 */
export type Value = number | boolean | string | null;

export interface PropertySpec {
  readonly name: string;
  readonly type: 'number' | 'boolean' | 'string';
  /** For strings: the allowed values (an enum). */
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** Unit symbol (UCUM-ish: "Cel", "%RH", "/min", "%"). */
  readonly unit?: string;
  /**
   * What the value is when it is not a measurement or a state: 'timestamp' = a wall-clock
   * instant as an ISO 8601 UTC string (type 'string', no unit): a consumer shows it as a time
   * (Home Assistant: `device_class: timestamp`), never as a number to graph.
   */
  readonly kind?: 'timestamp';
  readonly writable: boolean;
  readonly observable: boolean;
  /** CoAP resource type for the link format (RFC 6690 `rt`), e.g. "pia.temperature". */
  readonly rt: string;
  readonly description: string;
}

export interface ParamSpec {
  readonly name: string;
  readonly type: 'number' | 'boolean' | 'string';
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly required: boolean;
  readonly description: string;
}

export interface ActionSpec {
  readonly name: string;
  readonly params: readonly ParamSpec[];
  /** The grant right it needs: "control" or "call:<name>" (docs/protocol.md §9.6). */
  readonly right: string;
  readonly rt: string;
  readonly description: string;
}

export interface BlobSpec {
  readonly name: string;
  /** CoAP content format number (RFC 7252 §12.3): 22 = image/jpeg. */
  readonly contentFormat: number;
  readonly params: readonly ParamSpec[];
  readonly rt: string;
  readonly description: string;
}

export type HealthStatus = 'ok' | 'degraded' | 'failed';

/**
 * A device's health. Its times are wall-clock instants (ISO 8601 UTC, `Clock.wallNow` when it
 * happened), so whoever reads them, now or from a queue later, learns when it happened.
 */
export interface Health {
  readonly status: HealthStatus;
  /** Consecutive failed polls or writes. */
  readonly failures: number;
  /** The most recent failure or fault, kept after recovery; `at` is when it happened. */
  readonly lastError?: { readonly message: string; readonly at: string };
  /** When the last poll or write succeeded. */
  readonly lastOkAt?: string;
}

/** A named thing with typed properties, actions and blobs; `K` its kinds (listed as `rt="pia.device.<kind>"`). */
export interface ResourceDescription<K extends string = string> {
  readonly name: string;
  readonly kind: K;
  /** The part behind it, e.g. "SHT31 at i2c-1 0x44". */
  readonly part: string;
  readonly properties: readonly PropertySpec[];
  readonly actions: readonly ActionSpec[];
  readonly blobs: readonly BlobSpec[];
}
