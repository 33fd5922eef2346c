/**
 * Starting and stopping the devices: their fail-safes (outputs at safe levels) gateway-wide.
 *
 * Start:
 *   1. outputs first (door, safe, fan, lighting, HVAC), all at once: each `start` drives its
 *      outputs to their safe level before anything else (devices/model/types.ts), so at boot
 *      no output waits behind a slow sensor;
 *   2. then the inputs (thermometers, camera);
 *   3. each start is bounded (`startTimeoutMs`): one that hangs is logged and left to finish
 *      on its own; one that fails is logged, shown in the device's health, and retried after
 *      5 s, 10 s, … up to 5 min until it works or the gateway stops.
 * Stop (SIGTERM, SIGINT, close()):
 *   1. retries cancelled;
 *   2. every built device stopped at once — a door relocks, a fan goes to its safe speed —
 *      each bounded by `stopTimeoutMs`, so a hung device cannot hold shutdown forever; a stop
 *      that fails or times out is logged by name (the others are not affected).
 */
import { wallTime, type Clock, type TimerHandle } from '../../common/index.js';
import type { Device, DeviceKind, Health } from '../../devices/model/index.js';
import type { DeviceConfig } from '../config/index.js';
import type { BuiltDevice } from './build-devices.js';
import { UnavailableDevice } from './unavailable-device.js';

/** Kinds with outputs that have a safe level: started first. */
export const OUTPUT_KINDS: readonly DeviceKind[] = ['door', 'safe', 'fan', 'lighting', 'hvac'];
export const RETRY_FIRST_MS = 5_000;
export const RETRY_MAX_MS = 300_000;

export interface RunnerLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface DeviceRunnerOptions {
  readonly clock: Clock;
  readonly log: RunnerLog;
  /** Default 10 000 ms. */
  readonly startTimeoutMs?: number;
  /** Default 5 000 ms. */
  readonly stopTimeoutMs?: number;
}

export interface ManagedDevice {
  readonly name: string;
  readonly config: DeviceConfig;
  /** The device model, or a placeholder that reports why it could not be built. */
  readonly device: Device;
  readonly built: boolean;
  /** True once its start resolved (and until stop). */
  readonly running: boolean;
  /** The last start or build failure, while not running. */
  readonly problem: string | undefined;
  /** The model's health, or 'failed' with the problem while the device is not running. */
  health(): Health;
}

export type StopOutcome = { readonly name: string; readonly outcome: 'stopped' | 'failed' | 'timed out'; readonly message?: string };

type Bounded<T> = { readonly kind: 'done'; readonly value: T } | { readonly kind: 'failed'; readonly error: unknown } | { readonly kind: 'timeout' };

/** Waits for `promise` at most `ms` on `clock`; never rejects. */
export async function bounded<T>(promise: Promise<T>, ms: number, clock: Clock): Promise<Bounded<T>> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<Bounded<T>>((resolve) => (timer = clock.setTimeout(() => resolve({ kind: 'timeout' }), ms)));
  const settled = promise.then(
    (value): Bounded<T> => ({ kind: 'done', value }),
    (error: unknown): Bounded<T> => ({ kind: 'failed', error }),
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
  }
}

class Managed implements ManagedDevice {
  running = false;
  problem: string | undefined;
  failures = 0;
  retry: TimerHandle | undefined;
  starting: Promise<void> | undefined;
  readonly name: string;
  readonly device: Device;
  readonly built: boolean;

  constructor(
    readonly config: DeviceConfig,
    built: BuiltDevice,
    private readonly clock: Clock,
  ) {
    this.name = config.name;
    this.built = built.device !== undefined;
    this.device = built.device ?? new UnavailableDevice(config.name, config.kind, built.error ?? 'not built', clock);
    this.problem = built.error === undefined ? undefined : `cannot be built: ${built.error}`;
  }

  health(): Health {
    const h = this.device.health();
    if (this.running || this.problem === undefined) return h;
    return { ...h, status: 'failed', lastError: { message: this.problem, at: h.lastError?.at ?? wallTime(this.clock) } };
  }
}

export class DeviceRunner {
  readonly devices: readonly ManagedDevice[];
  readonly #managed: Managed[];
  readonly #o: DeviceRunnerOptions;
  #stopping = false;

  constructor(built: readonly BuiltDevice[], options: DeviceRunnerOptions) {
    this.#o = options;
    this.#managed = built.map((b) => new Managed(b.config, b, options.clock));
    this.devices = this.#managed;
    for (const m of this.#managed) if (!m.built) options.log.error(`device "${m.name}" ${m.problem ?? ''}; the other devices are served`);
  }

  /** Outputs first, then inputs (module comment); resolves when each has started, failed or timed out. */
  async startAll(): Promise<void> {
    const ready = this.#managed.filter((m) => m.built);
    await Promise.all(ready.filter((m) => OUTPUT_KINDS.includes(m.config.kind)).map((m) => this.#start(m)));
    await Promise.all(ready.filter((m) => !OUTPUT_KINDS.includes(m.config.kind)).map((m) => this.#start(m)));
  }

  /** Stops every built device at once, each bounded; never rejects. */
  async stopAll(): Promise<StopOutcome[]> {
    this.#stopping = true;
    const clock = this.#o.clock;
    for (const m of this.#managed) if (m.retry !== undefined) clock.clearTimeout(m.retry);
    const ms = this.#o.stopTimeoutMs ?? 5_000;
    return Promise.all(
      this.#managed
        .filter((m) => m.built)
        .map(async (m): Promise<StopOutcome> => {
          // A start still in flight is waited for (bounded) so its outputs are not left behind the stop.
          if (m.starting !== undefined) await bounded(m.starting, ms, clock);
          const r = await bounded(m.device.stop(), ms, clock);
          m.running = false;
          if (r.kind === 'done') return { name: m.name, outcome: 'stopped' };
          if (r.kind === 'timeout') {
            this.#o.log.error(`device "${m.name}": stop did not finish within ${ms} ms; its outputs may not be at their safe level; check the wiring and the part`);
            return { name: m.name, outcome: 'timed out' };
          }
          const message = errorText(r.error);
          this.#o.log.error(`device "${m.name}": stop failed: ${message}`);
          return { name: m.name, outcome: 'failed', message };
        }),
    );
  }

  async #start(m: Managed): Promise<void> {
    if (this.#stopping) return;
    const ms = this.#o.startTimeoutMs ?? 10_000;
    const starting = m.device.start();
    m.starting = starting.then(
      () => undefined,
      () => undefined,
    );
    const r = await bounded(starting, ms, this.#o.clock);
    switch (r.kind) {
      case 'done':
        this.#started(m);
        return;
      case 'timeout':
        this.#o.log.warn(`device "${m.name}": start has not finished after ${ms} ms; serving the others, it joins when its start completes`);
        starting.then(
          () => this.#started(m),
          (e: unknown) => this.#failed(m, e),
        );
        return;
      case 'failed':
        this.#failed(m, r.error);
        return;
    }
  }

  #started(m: Managed): void {
    m.starting = undefined;
    if (this.#stopping) return;
    if (m.failures > 0) this.#o.log.info(`device "${m.name}": started after ${m.failures} failed attempt(s)`);
    m.running = true;
    m.problem = undefined;
    m.failures = 0;
  }

  #failed(m: Managed, error: unknown): void {
    m.starting = undefined;
    m.running = false;
    m.failures++;
    m.problem = `start failed: ${errorText(error)}`;
    if (this.#stopping) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(m.failures - 1, 16));
    this.#o.log.error(`device "${m.name}": ${m.problem}; retrying in ${delay / 1000} s; the other devices are served`);
    m.retry = this.#o.clock.setTimeout(() => {
      m.retry = undefined;
      void this.#start(m);
    }, delay);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
