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
import type { Health, ResourceDescription, Value } from '../../common/index.js';

export type DeviceKind = 'thermometer' | 'fan' | 'door' | 'safe' | 'lighting' | 'hvac' | 'camera';

/** The resource vocabulary the device models share with CoAP (common/resource-specs.ts). */
export type { Value, PropertySpec, ParamSpec, ActionSpec, BlobSpec, HealthStatus, Health } from '../../common/index.js';

export type DeviceDescription = ResourceDescription<DeviceKind>;

export type Severity = 'info' | 'warning' | 'alarm';

/**
 * Who caused something (devices/README.md, "Who caused an event"):
 * - a command's subject: the operator's node ID from the PIA security context (phase 3),
 *   `coap:<[address]:port>` for an unauthenticated CoAP client, `mqtt:<client id>` for a command
 *   through the MQTT uplink, `local` for a caller on the gateway itself (and a person at the
 *   device: a request-to-exit button), `schedule` for a timed command;
 * - `device` for what the device does by itself: faults, alarms, health, timers running out.
 */
export type By = string;

/** `by` of what a device does by itself (a fault, an alarm, a window running out). */
export const BY_DEVICE: By = 'device';
/** `by` of a caller on the gateway itself, the default of `set` and `call`. */
export const BY_LOCAL: By = 'local';

export interface DeviceEvent {
  readonly device: string;
  /** e.g. "stall", "held-open", "forced-door", "sensor-failed", "recovered", "fail-safe". */
  readonly kind: string;
  readonly severity: Severity;
  /** For a person; names the subject when a command caused it ("unlocked for 2 s by <node id>"). */
  readonly message: string;
  /** When it happened: wall-clock ISO 8601 UTC (`Clock.wallNow` at that moment), kept through any queue. */
  readonly at: string;
  /** Who caused it (`By`): a command's subject, or `device`. */
  readonly by: By;
}

export type ErrorCode = 'invalid' | 'busy' | 'failed' | 'not-found';

/** A refusal or failure a client sees (CoAP maps invalid → 4.00, not-found → 4.04, busy → 5.03, failed → 5.00/5.03). */
export class DeviceError extends Error {
  /** For 'busy': when the device will take the request, in seconds (CoAP carries it as Max-Age on 5.03). */
  readonly retryAfterS: number | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { readonly retryAfterS?: number } = {},
  ) {
    super(message);
    this.name = 'DeviceError';
    this.retryAfterS = options.retryAfterS;
  }
}

export interface Device {
  describe(): DeviceDescription;
  /** The last known value of every property (null where unknown, e.g. before the first poll or after a fault). */
  read(): Readonly<Record<string, Value>>;
  health(): Health;
  /** Validates, writes, resolves with the value now in effect. `by`: who asked (events it causes name them); default `local`. */
  set(property: string, value: unknown, by?: By): Promise<Value>;
  /** Validates and runs an action. `by`: who asked (events it causes name them); default `local`. */
  call(action: string, params: Readonly<Record<string, unknown>>, by?: By): Promise<Readonly<Record<string, Value>>>;
  fetch(blob: string, params: Readonly<Record<string, unknown>>): Promise<Uint8Array>;
  /** Property changes (after each poll or write that changed something). */
  onChange(listener: (property: string, value: Value) => void): () => void;
  onEvent(listener: (event: DeviceEvent) => void): () => void;
  /** Safe outputs first, then polling. */
  start(): Promise<void>;
  /** Polling stops; outputs to their safe level. */
  stop(): Promise<void>;
}
