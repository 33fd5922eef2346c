/**
 * Time, injected. Every module that waits, times out or timestamps takes a `Clock`, so tests
 * can drive time by hand (`ManualClock`) and the simulator can run faster than real time.
 *
 * Must hold:
 * - `now()` is monotonic (never goes backwards) and counts milliseconds; it is not wall-clock
 *   time (gateways boot without a real-time clock: docs/protocol.md §9.6). Timeouts, rates,
 *   durations and ages use it, and only it;
 * - `wallNow()` is wall-clock time (Unix ms, UTC): what a published value or event says about
 *   *when* (devices/README.md, "Times"). It may jump (NTP setting the clock after boot), so
 *   nothing measures an interval with it; it is read once, at the moment the time is taken,
 *   and the stamp travels with the value (`wallTime`).
 */
export interface Clock {
  /** Monotonic milliseconds since an arbitrary origin. */
  now(): number;
  /** Wall-clock time: milliseconds since the Unix epoch (UTC). May jump; never used for intervals. */
  wallNow(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

export interface TimerHandle {
  readonly id: number;
}

/** The clock's wall time now as an ISO 8601 UTC string (`2026-12-07T10:40:00.000Z`): how values and events carry a time. */
export function wallTime(clock: Pick<Clock, 'wallNow'>): string {
  return new Date(clock.wallNow()).toISOString();
}

/**
 * The process clock: `performance.now()` and one Node timer driving a queue of due times.
 *
 * Must hold:
 * - a timer never fires early. Node truncates fractional delays (a 1.75 ms Modbus t3.5 would
 *   become 1 ms), so the queue keeps exact due times; a short wait (< 10 ms, where
 *   serial-line timing lives) is finished by polling `performance.now()` from `setImmediate`
 *   after a Node timer that ends ~1 ms early, so it fires within tens of µs of its due time;
 * - timers fire in order of due time, and timers due at the same time in the order they were
 *   set (as Node's own timers do; parts rely on it to send a reply's pieces in order);
 * - a callback never runs synchronously inside `setTimeout`, and at most one callback runs
 *   per event-loop turn, so promise reactions run between callbacks as with Node timers.
 */
export function systemClock(): Clock {
  const queue: { id: number; due: number; fn: () => void }[] = [];
  let driver: { kind: 'timeout'; handle: NodeJS.Timeout } | { kind: 'immediate'; handle: NodeJS.Immediate } | undefined;
  let nextId = 1;

  const disarm = (): void => {
    if (driver?.kind === 'timeout') clearTimeout(driver.handle);
    if (driver?.kind === 'immediate') clearImmediate(driver.handle);
    driver = undefined;
  };
  const arm = (): void => {
    disarm();
    const head = queue[0];
    if (head === undefined) return;
    const left = head.due - performance.now();
    if (left > PRECISE_BELOW_MS) driver = { kind: 'timeout', handle: setTimeout(tick, Math.ceil(left - 1)) };
    else if (left > 1.5) driver = { kind: 'timeout', handle: setTimeout(tick, Math.floor(left - 1)) };
    else driver = { kind: 'immediate', handle: setImmediate(tick) };
  };
  function tick(): void {
    driver = undefined;
    const head = queue[0];
    if (head !== undefined && head.due <= performance.now()) {
      queue.shift();
      head.fn();
    }
    if (driver === undefined) arm();
  }
  const clock: Clock = {
    now: () => performance.now(),
    wallNow: () => Date.now(),
    setTimeout(fn, ms) {
      const id = nextId++;
      const due = performance.now() + Math.max(0, ms);
      let at = queue.length; // after every timer due at or before `due` (FIFO among equals)
      while (at > 0 && (queue[at - 1]?.due ?? 0) > due) at--;
      queue.splice(at, 0, { id, due, fn });
      if (at === 0) arm();
      return { id };
    },
    clearTimeout(handle) {
      const at = queue.findIndex((t) => t.id === handle.id);
      if (at < 0) return;
      queue.splice(at, 1);
      if (at === 0) arm();
    },
    sleep: (ms) => new Promise((resolve) => clock.setTimeout(resolve, ms)),
  };
  return clock;
}

/** Waits shorter than this are finished by polling (see `systemClock`). */
const PRECISE_BELOW_MS = 10;

/** ManualClock's wall time at its start unless told otherwise: 2030-01-01T00:00:00.000Z. */
export const MANUAL_WALL_START_MS = Date.UTC(2030, 0, 1);

/**
 * A clock that moves only when told. `advance(ms)` fires due timers in time order, letting
 * promise callbacks run between them (so a `sleep` chain advances as it would in real time).
 * Its wall time starts at `wallStartMs` (default MANUAL_WALL_START_MS), moves with `advance`,
 * and jumps only through `setWall` (as NTP setting a gateway's clock would).
 */
export class ManualClock implements Clock {
  private current: number;
  private wallOffset: number;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 0, wallStartMs = MANUAL_WALL_START_MS) {
    this.current = start;
    this.wallOffset = wallStartMs - start;
  }

  now(): number {
    return this.current;
  }

  wallNow(): number {
    return this.current + this.wallOffset;
  }

  /** Sets the wall time now (Unix ms or an ISO 8601 string); the monotonic time does not move. */
  setWall(at: number | string): void {
    const ms = typeof at === 'string' ? Date.parse(at) : at;
    if (!Number.isFinite(ms)) throw new Error(`ManualClock.setWall: ${JSON.stringify(at)} is not a time; give Unix ms or an ISO 8601 string`);
    this.wallOffset = ms - this.current;
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

  /**
   * Advances time in steps of `stepMs` until `promise` settles, then returns its outcome: for
   * driving code under test that waits on this clock. Throws when it has not settled after
   * `maxMs` of simulated time (a hang in the code under test, not a slow machine).
   */
  async settle<T>(promise: Promise<T>, stepMs = 1, maxMs = 600_000): Promise<T> {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let spent = 0; !settled; spent += stepMs) {
      if (spent >= maxMs) throw new Error(`ManualClock.settle: the promise did not settle within ${maxMs} simulated ms`);
      await this.advance(stepMs);
    }
    return promise;
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
