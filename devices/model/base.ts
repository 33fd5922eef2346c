/**
 * DeviceBase: the machinery every device kind shares, so a kind's file holds only its own
 * logic (what to poll, how to write, what is safe). A kind extends it and implements
 * `start`/`stop` plus whichever of `write`/`invoke`/`produce` its description needs.
 *
 * Flow of a write (`set`):
 *  1. look the property up (unknown → DeviceError 'not-found'; read-only → 'invalid');
 *  2. validate the value against its spec (validate.ts) before any hardware is touched;
 *  3. call the kind's `write(name, value)`, which drives the hardware, calls `update()` with
 *     the new state (listeners hear of changes) and resolves with the value in effect.
 * `call` and `fetch` follow the same steps with `validateParams` and `invoke`/`produce`.
 *
 * Must hold:
 * - `read()` has every described property, null until known;
 * - an event carries the wall-clock time it happened and who caused it (types.ts `By`): the
 *   `by` of the `set`/`call` that caused it, else `device`;
 * - `update()` notifies onChange listeners only of values that changed (Object.is);
 * - a listener that throws never breaks the device or the other listeners;
 * - `createPoller` wires poll outcomes into health (success → ok, failure → fail), so a kind
 *   never catches its own poll errors just to record them.
 */
import { wallTime, type Clock } from '../../common/index.js';
import { HealthTracker } from './health.js';
import { Poller, quietly } from './poller.js';
import {
  BY_DEVICE,
  BY_LOCAL,
  DeviceError,
  type By,
  type Device,
  type DeviceDescription,
  type DeviceEvent,
  type Health,
  type HealthStatus,
  type Severity,
  type Value,
} from './types.js';
import { validateParams, validateValue } from './validate.js';

export interface DeviceBaseOptions {
  readonly description: DeviceDescription;
  readonly clock: Clock;
  /** Consecutive failures that make the device 'failed'; default 3. */
  readonly failAfter?: number;
  /** Event kind on entering 'failed'; default 'failed'. */
  readonly failedEventKind?: string;
}

/** Poller settings a kind chooses; the poll function and health wiring come from `createPoller`. */
export interface PollSettings {
  readonly intervalMs: number;
  readonly maxIntervalMs?: number;
  readonly jitter?: number;
  readonly random?: () => number;
}

export abstract class DeviceBase implements Device {
  protected readonly clock: Clock;
  protected readonly healthTracker: HealthTracker;
  private readonly description: DeviceDescription;
  private readonly state = new Map<string, Value>();
  private readonly changeListeners = new Set<(property: string, value: Value) => void>();
  private readonly eventListeners = new Set<(event: DeviceEvent) => void>();

  constructor(options: DeviceBaseOptions) {
    this.description = options.description;
    this.clock = options.clock;
    for (const p of options.description.properties) this.state.set(p.name, null);
    this.healthTracker = new HealthTracker({
      device: options.description.name,
      clock: options.clock,
      ...(options.failAfter === undefined ? {} : { failAfter: options.failAfter }),
      ...(options.failedEventKind === undefined ? {} : { failedEventKind: options.failedEventKind }),
      emit: (event) => this.dispatch(event),
      onStatusChange: (from, to) => this.healthChanged(from, to),
    });
  }

  /** The device name (its description's). */
  get name(): string {
    return this.description.name;
  }

  describe(): DeviceDescription {
    return this.description;
  }

  read(): Readonly<Record<string, Value>> {
    return Object.freeze(Object.fromEntries(this.state));
  }

  health(): Health {
    return this.healthTracker.health();
  }

  async set(property: string, value: unknown, by: By = BY_LOCAL): Promise<Value> {
    const spec = this.description.properties.find((p) => p.name === property);
    if (spec === undefined) throw this.notFound('property', property, this.description.properties);
    if (!spec.writable) throw new DeviceError('invalid', `${this.name}: property "${property}" is read-only`);
    return this.write(spec.name, validateValue(spec, value, this.name), by);
  }

  async call(action: string, params: Readonly<Record<string, unknown>>, by: By = BY_LOCAL): Promise<Readonly<Record<string, Value>>> {
    const spec = this.description.actions.find((a) => a.name === action);
    if (spec === undefined) throw this.notFound('action', action, this.description.actions);
    return this.invoke(spec.name, validateParams(spec.params, params, `${this.name} ${action}`), by);
  }

  async fetch(blob: string, params: Readonly<Record<string, unknown>>): Promise<Uint8Array> {
    const spec = this.description.blobs.find((b) => b.name === blob);
    if (spec === undefined) throw this.notFound('blob', blob, this.description.blobs);
    return this.produce(spec.name, validateParams(spec.params, params, `${this.name} ${blob}`));
  }

  onChange(listener: (property: string, value: Value) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onEvent(listener: (event: DeviceEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  /** Drives a validated value to the hardware; resolves with the value in effect. `by` names who asked, for the events it causes. Kinds with writable properties override it. */
  protected write(property: string, _value: Value, _by: By): Promise<Value> {
    return Promise.reject(new DeviceError('failed', `${this.name}: no writer for "${property}" (a bug in the device kind)`));
  }

  /** Runs a validated action; `by` names who asked, for the events it causes. Kinds with actions override it. */
  protected invoke(action: string, _params: Readonly<Record<string, Value>>, _by: By): Promise<Readonly<Record<string, Value>>> {
    return Promise.reject(new DeviceError('failed', `${this.name}: no handler for action "${action}" (a bug in the device kind)`));
  }

  /** Produces a validated blob. Kinds with blobs override it. */
  protected produce(blob: string, _params: Readonly<Record<string, Value>>): Promise<Uint8Array> {
    return Promise.reject(new DeviceError('failed', `${this.name}: no producer for blob "${blob}" (a bug in the device kind)`));
  }

  /** Called on every health status change (e.g. to null readings on 'failed'). Default: nothing. */
  protected healthChanged(_from: HealthStatus, _to: HealthStatus): void {}

  /** Stores new property values and tells onChange listeners about those that changed. */
  protected update(values: Readonly<Record<string, Value>>): void {
    for (const [name, value] of Object.entries(values)) {
      if (!this.state.has(name)) throw new Error(`${this.name}: update of undescribed property "${name}" (a bug in the device kind)`);
      if (Object.is(this.state.get(name), value)) continue;
      this.state.set(name, value);
      for (const listener of [...this.changeListeners]) quietly(() => listener(name, value));
    }
  }

  /** The current value of one described property. */
  protected value(name: string): Value {
    return this.state.get(name) ?? null;
  }

  /**
   * Emits a device event, stamped with the device name and the wall-clock time now. `by`: the
   * subject of the command that caused it, `device` (the default) for what the device does by itself.
   */
  protected emit(kind: string, severity: Severity, message: string, by: By = BY_DEVICE): void {
    this.dispatch({ device: this.name, kind, severity, message, at: wallTime(this.clock), by });
  }

  /** A Poller whose outcomes feed this device's health. Start it from `start`, stop it in `stop`. */
  protected createPoller(poll: () => Promise<void>, settings: PollSettings): Poller {
    return new Poller({
      clock: this.clock,
      ...settings,
      poll,
      onSuccess: () => this.healthTracker.ok(),
      onFailure: (error) => this.healthTracker.fail(error),
    });
  }

  private dispatch(event: DeviceEvent): void {
    for (const listener of [...this.eventListeners]) quietly(() => listener(event));
  }

  private notFound(what: string, name: string, known: readonly { readonly name: string }[]): DeviceError {
    const list = known.length === 0 ? `it has no ${what}s` : `it has: ${known.map((k) => k.name).join(', ')}`;
    return new DeviceError('not-found', `${this.name}: no ${what} "${name}"; ${list}`);
  }
}

// One import for a device kind: `import { DeviceBase, Poller, validateValue, … } from '../model/base.js'`
// works as well as '../model/index.js'.
export { Poller, quietly, type PollerOptions } from './poller.js';
export { HealthTracker, errorMessage, type HealthTrackerOptions } from './health.js';
export { validateValue, validateParams, allowed } from './validate.js';
