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
