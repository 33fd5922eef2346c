/**
 * Time, injected. Every module that waits, times out or timestamps takes a `Clock`, so tests
 * can drive time by hand (`ManualClock`) and the simulator can run faster than real time.
 *
 * Must hold: `now()` is monotonic (never goes backwards) and counts milliseconds; it is not
 * wall-clock time (gateways boot without a real-time clock: protocols.md, "Clocks").
 */
export interface Clock {
  /** Monotonic milliseconds since an arbitrary origin. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

export interface TimerHandle {
  readonly id: number;
}

/**
 * The process clock: `performance.now()` and Node timers.
 *
 * Must hold: a timer never fires early. Node truncates fractional delays (a 1.75 ms Modbus
 * t3.5 would become 1 ms), so delays are rounded up; and a short delay (< 10 ms, where
 * serial-line timing lives) is finished by polling `performance.now()` from `setImmediate`
 * after a timer that ends ~1 ms before it is due, so it fires within tens of µs of the due
 * time instead of up to a millisecond late. The poll yields to I/O on every turn.
 */
export function systemClock(): Clock {
  const timers = new Map<number, NodeJS.Timeout | NodeJS.Immediate>();
  let nextId = 1;
  const schedule = (id: number, due: number, fn: () => void, first = false): void => {
    const left = due - performance.now();
    if (left <= 0 && !first) {
      timers.delete(id);
      fn();
    } else if (left <= 0) {
      timers.set(id, setImmediate(() => schedule(id, due, fn, false))); // callbacks never run synchronously
    } else if (left > PRECISE_BELOW_MS) {
      timers.set(id, setTimeout(() => schedule(id, due, fn), Math.ceil(left)));
    } else if (left > 1.5) {
      timers.set(id, setTimeout(() => schedule(id, due, fn), Math.floor(left - 1)));
    } else {
      timers.set(id, setImmediate(() => schedule(id, due, fn)));
    }
  };
  const clock: Clock = {
    now: () => performance.now(),
    setTimeout(fn, ms) {
      const id = nextId++;
      schedule(id, performance.now() + Math.max(0, ms), fn, true);
      return { id };
    },
    clearTimeout(handle) {
      const t = timers.get(handle.id);
      if (t !== undefined) {
        clearTimeout(t as NodeJS.Timeout);
        clearImmediate(t as NodeJS.Immediate);
      }
      timers.delete(handle.id);
    },
    sleep: (ms) => new Promise((resolve) => clock.setTimeout(resolve, ms)),
  };
  return clock;
}

/** Delays shorter than this are finished by polling (see `systemClock`). */
const PRECISE_BELOW_MS = 10;

/**
 * A clock that moves only when told. `advance(ms)` fires due timers in time order, letting
 * promise callbacks run between them (so a `sleep` chain advances as it would in real time).
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { at: this.current + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle.id);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await flushMicrotasks();
      const due = this.nextDue(target);
      if (due === undefined) break;
      this.pending.delete(due.id);
      this.current = due.at;
      due.fn();
    }
    this.current = target;
    await flushMicrotasks();
  }

  /** Number of timers not yet fired. */
  get pendingTimers(): number {
    return this.pending.size;
  }

  private nextDue(limit: number): { id: number; at: number; fn: () => void } | undefined {
    let best: { id: number; at: number; fn: () => void } | undefined;
    for (const [id, t] of this.pending) {
      if (t.at <= limit && (best === undefined || t.at < best.at || (t.at === best.at && id < best.id))) {
        best = { id, ...t };
      }
    }
    return best;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}
