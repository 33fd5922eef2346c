/**
 * A tiny Device for the CoAP tests (real device kinds live in devices/): a fan-like thing
 * with a read-only observable temperature, a writable speed (0–100) and mode, an action
 * with a parameter, and a blob (a "snapshot" of deterministic bytes). Tests drive its
 * values and faults by hand.
 */
import type { Clock } from '../../common/index.js';
import { ServedError } from '../server/index.js';
import type { Device, DeviceDescription, DeviceEvent, Health, Value } from '../../devices/model/index.js';

export interface FakeDeviceOptions {
  readonly name?: string;
  readonly blobBytes?: number;
  /** When set, fetch() takes this long on the clock (a slow capture). */
  readonly fetchMs?: number;
  readonly clock?: Clock;
}

export class FakeDevice implements Device {
  readonly values: Record<string, Value> = { temperature: 21.5, speed: 40, mode: 'auto' };
  health_: Health = { status: 'ok', failures: 0 };
  /** Makes the next set/call/fetch throw this. */
  failNext: Error | undefined;
  calls: { action: string; params: Readonly<Record<string, unknown>> }[] = [];
  sets: { property: string; value: unknown }[] = [];
  fetches = 0;
  #capture = 0;
  #busy = false;
  readonly #listeners = new Set<(p: string, v: Value) => void>();
  readonly #name: string;
  readonly #blobBytes: number;

  constructor(private readonly options: FakeDeviceOptions = {}) {
    this.#name = options.name ?? 'dev';
    this.#blobBytes = options.blobBytes ?? 100 * 1024;
  }

  describe(): DeviceDescription {
    return {
      name: this.#name,
      kind: 'fan',
      part: 'fake fan for tests',
      properties: [
        { name: 'temperature', type: 'number', unit: 'Cel', writable: false, observable: true, rt: 'pia.temperature', description: 'air temperature' },
        { name: 'speed', type: 'number', unit: '%', min: 0, max: 100, writable: true, observable: true, rt: 'pia.fan.speed', description: 'fan speed' },
        { name: 'mode', type: 'string', values: ['auto', 'manual'], writable: true, observable: false, rt: 'pia.fan.mode', description: 'control mode' },
      ],
      actions: [
        {
          name: 'boost',
          params: [{ name: 'seconds', type: 'number', min: 1, max: 30, required: true, description: 'how long' }],
          right: 'call:boost',
          rt: 'pia.fan.boost',
          description: 'full speed for a while',
        },
      ],
      blobs: [{ name: 'snap', contentFormat: 22, params: [{ name: 'size', type: 'string', values: ['small', 'large'], required: false, description: 'size' }], rt: 'pia.camera.snapshot', description: 'a snapshot' }],
    };
  }

  read(): Readonly<Record<string, Value>> {
    return { ...this.values };
  }

  health(): Health {
    return this.health_;
  }

  set(property: string, value: unknown): Promise<Value> {
    this.sets.push({ property, value });
    this.#throwIfFailing();
    if (property === 'speed') {
      if (typeof value !== 'number' || value < 0 || value > 100) return Promise.reject(new ServedError('invalid', `${this.#name} speed: ${JSON.stringify(value)} is not a number in 0–100`));
    } else if (property === 'mode') {
      if (value !== 'auto' && value !== 'manual') return Promise.reject(new ServedError('invalid', `${this.#name} mode: ${JSON.stringify(value)} is not one of auto, manual`));
    } else {
      return Promise.reject(new ServedError('not-found', `${this.#name} has no writable property ${property}`));
    }
    this.emit(property, value);
    return Promise.resolve(value);
  }

  call(action: string, params: Readonly<Record<string, unknown>>): Promise<Readonly<Record<string, Value>>> {
    this.calls.push({ action, params });
    this.#throwIfFailing();
    const s = params.seconds;
    if (typeof s !== 'number' || s < 1 || s > 30) return Promise.reject(new ServedError('invalid', `${this.#name} boost: seconds ${JSON.stringify(s)} is not a number in 1–30`));
    return Promise.resolve({ boostedFor: s });
  }

  async fetch(blob: string, params: Readonly<Record<string, unknown>>): Promise<Uint8Array> {
    this.#throwIfFailing();
    if (blob !== 'snap') throw new ServedError('not-found', `${this.#name} has no blob ${blob}`);
    if (this.#busy) throw new ServedError('busy', `${this.#name}: a capture is in progress`);
    this.#busy = true;
    try {
      if (this.options.fetchMs !== undefined) await this.options.clock?.sleep(this.options.fetchMs);
      this.fetches++;
      const capture = ++this.#capture;
      const size = params.size === 'small' ? 100 : this.#blobBytes;
      return snapshotBytes(size, capture);
    } finally {
      this.#busy = false;
    }
  }

  onChange(listener: (property: string, value: Value) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onEvent(_listener: (event: DeviceEvent) => void): () => void {
    return () => undefined;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /** A property changes (a poll saw a new value). */
  emit(property: string, value: Value): void {
    this.values[property] = value;
    for (const l of this.#listeners) l(property, value);
  }

  get listeners(): number {
    return this.#listeners.size;
  }

  #throwIfFailing(): void {
    const e = this.failNext;
    this.failNext = undefined;
    if (e !== undefined) throw e;
  }
}

/** Deterministic bytes of one capture: byte i = (i × 7 + capture × 13 + (i >> 8)) & 0xff. */
export function snapshotBytes(size: number, capture: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 7 + capture * 13 + (i >> 8)) & 0xff;
  return out;
}
