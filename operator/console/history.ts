/**
 * The last hour of each numeric property, for the page's charts.
 *
 * Must hold: bounded: at most one sample per second per property (a faster source replaces the
 * second's sample with its latest value) and at most CAPACITY samples (a ring: the oldest goes);
 * `samples(now)` returns only those of the last WINDOW_MS, oldest first.
 */
export const WINDOW_MS = 3_600_000;
export const CAPACITY = 3600;

export class HistoryRing {
  readonly #times = new Float64Array(CAPACITY);
  readonly #values = new Float64Array(CAPACITY);
  #start = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  add(time: number, value: number): void {
    if (!Number.isFinite(value)) return;
    if (this.#length > 0) {
      const last = (this.#start + this.#length - 1) % CAPACITY;
      if (Math.floor(this.#times[last]! / 1000) === Math.floor(time / 1000)) {
        this.#times[last] = time;
        this.#values[last] = value;
        return;
      }
      if (time < this.#times[last]!) return; // the clock never goes back; a late sample is dropped
    }
    if (this.#length < CAPACITY) {
      const at = (this.#start + this.#length) % CAPACITY;
      this.#times[at] = time;
      this.#values[at] = value;
      this.#length++;
      return;
    }
    this.#times[this.#start] = time;
    this.#values[this.#start] = value;
    this.#start = (this.#start + 1) % CAPACITY;
  }

  samples(now: number): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.#length; i++) {
      const at = (this.#start + i) % CAPACITY;
      const t = this.#times[at]!;
      if (t >= now - WINDOW_MS) out.push([t, this.#values[at]!]);
    }
    return out;
  }
}

/** One ring per gateway/device/property. */
export class History {
  readonly #rings = new Map<string, { gateway: string; device: string; property: string; ring: HistoryRing }>();

  add(gateway: string, device: string, property: string, time: number, value: unknown): void {
    if (typeof value !== 'number') return;
    const key = `${gateway}\u0000${device}\u0000${property}`;
    let entry = this.#rings.get(key);
    if (entry === undefined) this.#rings.set(key, (entry = { gateway, device, property, ring: new HistoryRing() }));
    entry.ring.add(time, value);
  }

  /** Drops a gateway's rings (its listing changed: devices may be gone). */
  forgetDevice(gateway: string, device: string): void {
    for (const [k, e] of this.#rings) if (e.gateway === gateway && e.device === device) this.#rings.delete(k);
  }

  all(now: number): { gateway: string; device: string; property: string; samples: [number, number][] }[] {
    return [...this.#rings.values()].map((e) => ({ gateway: e.gateway, device: e.device, property: e.property, samples: e.ring.samples(now) }));
  }
}
