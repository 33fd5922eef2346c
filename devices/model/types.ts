/**
 * The device model every device kind implements: typed state as named properties,
 * validated writes and actions, events, health, polling with backoff, fail-safe start and stop.
 * The gateway's CoAP layer maps it to resources without knowing the kind:
 *   GET  /<device>/<property>          read (Observe when `observable`)
 *   PUT  /<device>/<property>          write (when `writable`; right "control")
 *   POST /<device>/<action>            call (right: the action's `right`)
 *   GET  /<device>/<blob>?k=v          fetch (Block2; e.g. a camera snapshot)
 *   GET  /<device>                     every property and the health
 *
 * Must hold:
 * - a failing device never throws out of its poller or takes its neighbours down: faults are
 *   health (ok → degraded → failed, with the last error) and events, and polling backs off and
 *   recovers by itself;
 * - `set` and `call` validate before touching hardware; a refusal is a DeviceError naming the
 *   property/parameter, the value and what is allowed;
 * - `start` puts outputs at their safe level before anything else; `stop` returns them to it
 *   (a door relocks, a fan goes to its fail-safe speed) and awaits the writes.
 */
export type DeviceKind = 'thermometer' | 'fan' | 'door' | 'safe' | 'lighting' | 'hvac' | 'camera';

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

export interface DeviceDescription {
  readonly name: string;
  readonly kind: DeviceKind;
  /** The part behind it, e.g. "SHT31 at i2c-1 0x44". */
  readonly part: string;
  readonly properties: readonly PropertySpec[];
  readonly actions: readonly ActionSpec[];
  readonly blobs: readonly BlobSpec[];
}

export type HealthStatus = 'ok' | 'degraded' | 'failed';

export interface Health {
  readonly status: HealthStatus;
  /** Consecutive failed polls or writes. */
  readonly failures: number;
  readonly lastError?: { readonly message: string; readonly atMs: number };
  /** Clock ms of the last successful poll. */
  readonly lastOkMs?: number;
}

export type Severity = 'info' | 'warning' | 'alarm';

export interface DeviceEvent {
  readonly device: string;
  /** e.g. "stall", "held-open", "forced-door", "sensor-failed", "recovered", "fail-safe". */
  readonly kind: string;
  readonly severity: Severity;
  readonly message: string;
  readonly atMs: number;
}

export type ErrorCode = 'invalid' | 'busy' | 'failed' | 'not-found';

/** A refusal or failure a client sees (CoAP maps invalid → 4.00, not-found → 4.04, busy → 5.03, failed → 5.00/5.03). */
export class DeviceError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DeviceError';
  }
}

export interface Device {
  describe(): DeviceDescription;
  /** The last known value of every property (null where unknown, e.g. before the first poll or after a fault). */
  read(): Readonly<Record<string, Value>>;
  health(): Health;
  /** Validates, writes, resolves with the value now in effect. */
  set(property: string, value: unknown): Promise<Value>;
  call(action: string, params: Readonly<Record<string, unknown>>): Promise<Readonly<Record<string, Value>>>;
  fetch(blob: string, params: Readonly<Record<string, unknown>>): Promise<Uint8Array>;
  /** Property changes (after each poll or write that changed something). */
  onChange(listener: (property: string, value: Value) => void): () => void;
  onEvent(listener: (event: DeviceEvent) => void): () => void;
  /** Safe outputs first, then polling. */
  start(): Promise<void>;
  /** Polling stops; outputs to their safe level. */
  stop(): Promise<void>;
}
