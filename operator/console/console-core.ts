/**
 * The console's state, without a browser: every gateway link (gateway-link.ts), the devices
 * they read, the last hour of each numeric property (history.ts), the alarms (alarms.ts), and
 * the pages listening. The server (server.ts) only moves messages between this and sockets.
 *
 * Must hold: every change reaches the listeners as one message in the order it happened; a
 * page's `set`/`call` goes to the gateway it names and is answered with one `result`; the
 * state a new page receives is the same picture the messages so far have drawn.
 */
import type { Clock } from '../../common/index.js';
import type { PiactlIo, SessionOptions } from '../cli/index.js';
import { AlarmBook } from './alarms.js';
import { GatewayLink, type SnapshotResult } from './gateway-link.js';
import { History } from './history.js';
import type { Health } from './model.js';
import { devicesMessages, type DeviceView, type GatewayView, type PageMessage, type Picture, type PropertyView, type ServerMessage } from './protocol.js';

export interface ConsoleGateway {
  readonly session: SessionOptions;
  readonly expectedId?: string;
}

export interface ConsoleCoreOptions {
  readonly gateways: readonly ConsoleGateway[];
  readonly io: PiactlIo;
  readonly clock: Clock;
  readonly wallNow?: () => number;
}

type Listener = (m: ServerMessage) => void;

export class ConsoleCore {
  readonly #links = new Map<string, GatewayLink>();
  readonly #devices = new Map<string, DeviceView[]>();
  readonly #history = new History();
  readonly #alarms = new AlarmBook();
  readonly #listeners = new Set<Listener>();
  readonly #now: () => number;

  constructor(o: ConsoleCoreOptions) {
    this.#now = o.wallNow ?? Date.now;
    const events = {
      gateway: (view: GatewayView) => this.#emit({ type: 'gateway', view }),
      devices: (gateway: string, devices: DeviceView[]) => this.#setDevices(gateway, devices),
      value: (gateway: string, device: string, property: string, value: unknown, time: number) => this.#value(gateway, device, property, value, time),
      health: (gateway: string, device: string, health: Health) => this.#health(gateway, device, health),
    };
    for (const g of o.gateways) {
      const link = new GatewayLink({ session: g.session, io: o.io, clock: o.clock, wallNow: this.#now, events, ...(g.expectedId === undefined ? {} : { expectedId: g.expectedId }) });
      if (!this.#links.has(link.name)) this.#links.set(link.name, link);
    }
  }

  get gatewayNames(): string[] {
    return [...this.#links.keys()];
  }

  start(): void {
    for (const l of this.#links.values()) l.start();
  }

  /** Deregisters every observation and closes every gateway. */
  async stop(): Promise<void> {
    await Promise.all([...this.#links.values()].map((l) => l.stop()));
    this.#listeners.clear();
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Everything, for a new page (pictureMessages splits it) and for tests. */
  state(): Picture {
    const now = this.#now();
    return {
      now,
      gateways: [...this.#links.values()].map((l) => l.view),
      devices: [...this.#devices.values()].flat(),
      history: this.#history.all(now),
      alarms: this.#alarms.all(),
    };
  }

  /** A page's `set` or `call` → its `result`. */
  async handle(m: Exclude<PageMessage, { type: 'hello' }>): Promise<Extract<ServerMessage, { type: 'result' }>> {
    const link = this.#links.get(m.gateway);
    if (link === undefined) return { type: 'result', id: m.id, ok: false, message: `no gateway "${m.gateway}" in this console; it shows ${this.gatewayNames.join(', ')}` };
    const r = m.type === 'set' ? await link.set(m.device, m.property, m.value) : await link.call(m.device, m.action, m.params);
    return { type: 'result', id: m.id, ...r };
  }

  snapshot(gateway: string, device: string, timeoutMs: number): Promise<SnapshotResult> {
    const link = this.#links.get(gateway);
    if (link === undefined) return Promise.resolve({ ok: false, status: 502, message: `no gateway "${gateway}" in this console; it shows ${this.gatewayNames.join(', ')}` });
    return link.snapshot(device, timeoutMs);
  }

  #emit(m: ServerMessage): void {
    for (const l of this.#listeners) l(m);
  }

  #setDevices(gateway: string, devices: DeviceView[]): void {
    const before = this.#devices.get(gateway) ?? [];
    for (const d of before) if (!devices.some((n) => n.name === d.name)) this.#history.forgetDevice(gateway, d.name);
    this.#devices.set(gateway, devices);
    for (const d of devices) {
      for (const p of d.properties) this.#history.add(gateway, d.name, p.name, p.time, p.value);
      this.#alarmsOf(d);
    }
    for (const m of devicesMessages(gateway, devices)) this.#emit(m);
  }

  #find(gateway: string, device: string): DeviceView | undefined {
    return this.#devices.get(gateway)?.find((d) => d.name === device);
  }

  #value(gateway: string, device: string, property: string, value: unknown, time: number): void {
    const d = this.#find(gateway, device);
    if (d === undefined) return;
    const i = d.properties.findIndex((p) => p.name === property);
    if (i >= 0) d.properties[i] = { ...(d.properties[i] as PropertyView), value, time };
    this.#history.add(gateway, device, property, time, value);
    this.#emit({ type: 'value', gateway, device, property, value, time });
    this.#alarmsOf(d);
  }

  #health(gateway: string, device: string, health: Health): void {
    const list = this.#devices.get(gateway);
    const i = list?.findIndex((d) => d.name === device) ?? -1;
    if (list === undefined || i < 0) return;
    const d = { ...(list[i] as DeviceView), health };
    list[i] = d;
    this.#emit({ type: 'health', gateway, device, health });
    this.#alarmsOf(d);
  }

  #alarmsOf(d: DeviceView): void {
    const values = Object.fromEntries(d.properties.map((p) => [p.name, p.value]));
    for (const alarm of this.#alarms.update({ gateway: d.gateway, device: d.name, kind: d.kind, values, health: d.health }, this.#now())) this.#emit({ type: 'alarm', alarm });
  }
}
