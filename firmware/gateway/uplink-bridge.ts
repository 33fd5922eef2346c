/**
 * The devices → the MQTT uplink (firmware/uplink/README.md).
 *
 *  1. start: `announce` every device's description (Home Assistant discovery when enabled, with
 *     command topics where the uplink's subject may act: `access`; announced again whenever
 *     its grants change), then the state of each device that has a value already (a device
 *     not yet polled is published at its first change, never as all null);
 *  2. a property change or a health change marks the device dirty; a dirty device is published
 *     on the next event-loop turn, and then at most once per COALESCE_MS on the injected clock
 *     (a fan's tachometer or a burst of writes is one message, never a flood);
 *     The gateway's own summary (GATEWAY_STATE_NAME: how many devices are ok, degraded, failed)
 *     at start and whenever a device's published health changes those counts;
 *  3. every DeviceEvent is published as it comes (the uplink batches a turn's messages);
 *  4. health has no listener in the device model: it is compared every HEALTH_CHECK_MS (status
 *     and failure count) and at every change and event;
 *  5. close (after the devices stopped): every dirty device and every device's final (safe)
 *     state is queued, then the uplink closes (its queue keeps them for the next connection).
 * Must hold — nothing blocks control: every uplink call returns at once (it only appends to
 * its queue); none is awaited on a device or CoAP path, and an uplink that throws is logged,
 * never passed into a device's listener.
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import type { Device, DeviceDescription, DeviceEvent, Health, Value } from '../../devices/model/index.js';
import { GATEWAY_STATE_NAME, type UplinkHealth } from '../uplink/index.js';

export const COALESCE_MS = 250;
export const HEALTH_CHECK_MS = 5_000;

/** What the bridge needs from firmware/uplink's MqttUplink. */
export interface UplinkPort {
  publishState(device: string, values: Readonly<Record<string, Value>>, health: Health): void;
  publishEvent(event: DeviceEvent): void;
  announce(devices: readonly DeviceDescription[], allowed?: (device: string, access: string) => boolean): void;
  health(): UplinkHealth;
  close(): Promise<void>;
}

export interface BridgedDevice {
  readonly name: string;
  readonly device: Device;
  /** The runner's view (failed while not running), not only the model's. */
  health(): Health;
}

interface Slot {
  readonly d: BridgedDevice;
  dirty: boolean;
  immediate: NodeJS.Immediate | undefined;
  timer: TimerHandle | undefined;
  lastHealth: string;
  unsubscribe: (() => void)[];
}

/** What the uplink's subject may do, and when that changes (uplink-commands.ts, subject-grants.ts). */
export interface SubjectAccess {
  allowed(device: string, access: string): boolean;
  onChange(listener: () => void): () => void;
  /** For /healthz: the subject, its grants' last fetch, the commands counted. */
  status(): Readonly<Record<string, unknown>>;
}

export class UplinkBridge {
  readonly #slots: Slot[];
  #healthTimer: TimerHandle | undefined;
  #closed = false;
  readonly #unlistenAccess: () => void;
  #summary = '';

  constructor(
    private readonly uplink: UplinkPort,
    devices: readonly BridgedDevice[],
    private readonly clock: Clock,
    private readonly warn: (message: string) => void,
    private readonly access?: SubjectAccess,
  ) {
    this.#slots = devices.map((d) => ({ d, dirty: false, immediate: undefined, timer: undefined, lastHealth: healthKey(d.health()), unsubscribe: [] }));
    const announce = (): void => this.#guard('announce', () => this.uplink.announce(devices.map((d) => d.device.describe()), access === undefined ? undefined : (d, a) => access.allowed(d, a)));
    announce();
    this.#unlistenAccess = access?.onChange(() => !this.#closed && announce()) ?? ((): void => undefined);
    for (const s of this.#slots) {
      if (Object.values(s.d.device.read()).some((v) => v !== null)) this.#publish(s);
      else s.lastHealth = healthKey(s.d.health());
      s.unsubscribe.push(s.d.device.onChange(() => this.#mark(s)));
      s.unsubscribe.push(
        s.d.device.onEvent((e) => {
          this.#guard('event', () => this.uplink.publishEvent(e));
          this.#mark(s);
        }),
      );
    }
    this.#publishSummary();
    this.#scheduleHealthCheck();
  }

  health(): UplinkHealth {
    return this.uplink.health();
  }

  /** The uplink subject's status (with mqtt.subject), for /healthz; undefined without one. */
  subject(): Readonly<Record<string, unknown>> | undefined {
    return this.access?.status();
  }

  /** Queues every device's last state (after the devices stopped: their safe state), then closes the uplink. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unlistenAccess();
    if (this.#healthTimer !== undefined) this.clock.clearTimeout(this.#healthTimer);
    for (const s of this.#slots) {
      for (const u of s.unsubscribe) u();
      if (s.immediate !== undefined) clearImmediate(s.immediate);
      if (s.timer !== undefined) this.clock.clearTimeout(s.timer);
      this.#publish(s);
    }
    await this.uplink.close();
  }

  #mark(s: Slot): void {
    if (this.#closed) return;
    s.dirty = true;
    if (s.immediate !== undefined || s.timer !== undefined) return; // already due: this change rides along
    s.immediate = setImmediate(() => {
      s.immediate = undefined;
      if (this.#closed) return;
      this.#publish(s);
      // a window during which further changes wait; at its end the latest state goes out once
      s.timer = this.clock.setTimeout(() => {
        s.timer = undefined;
        if (s.dirty && !this.#closed) this.#mark(s);
      }, COALESCE_MS);
    });
  }

  #publish(s: Slot): void {
    s.dirty = false;
    const health = s.d.health();
    s.lastHealth = healthKey(health);
    this.#guard(`state of "${s.d.name}"`, () => this.uplink.publishState(s.d.name, s.d.device.read(), health));
    this.#publishSummary();
  }

  /** The gateway's own state: its devices' health counted (step 2), when the counts change. */
  #publishSummary(): void {
    const count = (status: Health['status']): number => this.#slots.filter((s) => s.lastHealth.startsWith(`${status}/`)).length;
    const values = { devicesOk: count('ok'), devicesDegraded: count('degraded'), devicesFailed: count('failed') };
    const key = JSON.stringify(values);
    if (key === this.#summary) return;
    this.#summary = key;
    const status = values.devicesFailed > 0 || values.devicesDegraded > 0 ? 'degraded' : 'ok';
    this.#guard('the gateway summary', () => this.uplink.publishState(GATEWAY_STATE_NAME, values, { status, failures: 0 }));
  }

  #scheduleHealthCheck(): void {
    this.#healthTimer = this.clock.setTimeout(() => {
      this.#healthTimer = undefined;
      if (this.#closed) return;
      for (const s of this.#slots) if (healthKey(s.d.health()) !== s.lastHealth) this.#mark(s);
      this.#scheduleHealthCheck();
    }, HEALTH_CHECK_MS);
  }

  #guard(what: string, f: () => void): void {
    try {
      f();
    } catch (e) {
      this.warn(`uplink: cannot publish ${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

function healthKey(h: Health): string {
  return `${h.status}/${h.failures}`;
}
