/**
 * The lock's behaviour on the injected clock, apart from any GPIO: timed unlock windows,
 * relock, request-to-exit, and the held-open and forced-door alarms (docs/hardware.md#door-lock).
 * The device (lock-device.ts) feeds it the debounced inputs and gives it a `drive(locked)` that
 * sets the strike relay.
 *
 * Must hold:
 * - the relay is driven to what is wanted *when the write runs* (writes are serialized and each
 *   reads the wanted state afresh), so a window that ends while an unlock write is in flight
 *   still ends locked: the lock is never left unlocked past its window;
 * - a window never exceeds `maxUnlockS`; a request-to-exit press only ever lengthens a window;
 * - with `relockOnClose`, the door relocks as soon as it closes after having been opened in
 *   the window (one passage per unlock);
 * - a door that opens while locked, with no request-to-exit press within the REX window, is
 *   forced ("forced-door", severity alarm); a door legitimately opened and still open
 *   `heldOpenS` later is held open ("held-open", alarm); both clear when the door closes;
 * - a failed relock write is retried every `relockRetryMs` until it succeeds, with one
 *   "relock-failed" alarm per failure streak;
 * - `stop` cancels every timer and drives the relay locked whatever the state says;
 * - an event a command causes ("unlocked", "locked") names the command's subject (`by`); a
 *   request-to-exit press is `local`; what the lock does by itself (a window ending, an alarm,
 *   a relock after passage) is `device` (devices/README.md, "Who caused an event").
 */
import { Mutex, type Clock, type TimerHandle } from '../../common/index.js';
import { BY_DEVICE, BY_LOCAL, DeviceError, type By, type Severity, type Value } from '../model/types.js';

export type LockAlarm = 'held-open' | 'forced-door';
export const LOCK_ALARMS: readonly LockAlarm[] = ['held-open', 'forced-door'];
export type LockProperty = 'locked' | 'open' | 'unlockedUntil' | 'alarm';

export interface LockSettings {
  /** Device name and noun ("door", "safe"), for messages. */
  readonly name: string;
  readonly noun: string;
  readonly maxUnlockS: number;
  readonly rexUnlockS: number;
  readonly heldOpenS: number;
  readonly relockOnClose: boolean;
  /** Wait before retrying a relock write that failed; default 1000 ms. */
  readonly relockRetryMs?: number;
}

export interface LockHooks {
  /** Sets the strike relay to the locked (true) or unlocked level; resolves once it is on the line. */
  drive(locked: boolean): Promise<void>;
  changed(property: LockProperty, value: Value): void;
  /** An event; `by` is who caused it (`device` when the lock did it by itself). */
  event(kind: string, severity: Severity, message: string, by: By): void;
  /** A relay write failed (health). */
  failed(error: unknown): void;
}

export class LockLogic {
  private lockedNow = true;
  private openNow: boolean | null = null;
  /** Clock ms at which the unlock window ends; undefined while no window is open. */
  private until: number | undefined;
  private openedInWindow = false;
  private lastRexAt = Number.NEGATIVE_INFINITY;
  private alarmNow: LockAlarm | null = null;
  private windowTimer: TimerHandle | undefined;
  private heldTimer: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private relockFailing = false;
  private running = false;
  private readonly relay = new Mutex();

  constructor(
    private readonly clock: Clock,
    private readonly s: LockSettings,
    private readonly hooks: LockHooks,
  ) {}

  get locked(): boolean {
    return this.lockedNow;
  }

  get open(): boolean | null {
    return this.openNow;
  }

  get alarm(): LockAlarm | null {
    return this.alarmNow;
  }

  /** Whole seconds left in the unlock window (rounded up), or null when none is open. */
  get secondsLeft(): number | null {
    return this.until === undefined ? null : Math.max(0, Math.ceil((this.until - this.clock.now()) / 1000));
  }

  /** The relay is at the locked level (the device opened it there); inputs may now arrive. */
  begin(): void {
    this.running = true;
    this.lockedNow = true;
  }

  /** Opens (or lengthens) the window to `seconds` from now and drives the relay unlocked: for a command's subject (`by`) or a request-to-exit press. */
  async unlock(seconds: number, cause: 'rex' | { readonly by: By }): Promise<void> {
    if (!this.running) throw new DeviceError('busy', `${this.s.noun} "${this.s.name}" is stopped; start it before unlocking`);
    if (!(seconds > 0 && seconds <= this.s.maxUnlockS)) {
      throw new DeviceError('invalid', `${this.s.noun} "${this.s.name}": unlock seconds ${seconds} is outside 0 < s ≤ ${this.s.maxUnlockS} (the configured maximum)`);
    }
    const end = this.clock.now() + seconds * 1000;
    const wasOpen = this.until !== undefined;
    if (cause === 'rex' && this.until !== undefined && this.until >= end) return;
    this.setWindow(end);
    if (this.openNow === true) this.openedInWindow = true;
    if (!wasOpen) {
      const text = `${this.s.noun} "${this.s.name}" unlocked for ${seconds} s`;
      if (cause === 'rex') this.hooks.event('unlocked', 'info', `${text} (request to exit)`, BY_LOCAL);
      else this.hooks.event('unlocked', 'info', `${text} by ${cause.by}`, cause.by);
    }
    try {
      await this.apply();
    } catch (err) {
      this.endWindow();
      void this.apply().catch(() => undefined);
      throw new DeviceError('failed', `${this.s.noun} "${this.s.name}": could not drive the strike relay to unlock (${message(err)}); check the relay wiring and the GPIO line`);
    }
  }

  /** Ends any window and drives the relay locked, for a command's subject `by`. */
  async lock(by: By): Promise<void> {
    const hadWindow = this.until !== undefined;
    this.endWindow();
    if (hadWindow) this.hooks.event('locked', 'info', `${this.s.noun} "${this.s.name}" locked by ${by}`, by);
    try {
      await this.apply();
    } catch (err) {
      throw new DeviceError('failed', `${this.s.noun} "${this.s.name}": could not drive the strike relay to lock (${message(err)}); retrying; check the relay wiring`);
    }
  }

  /** The debounced door contact: open (true) or closed (false). */
  contact(open: boolean): void {
    if (!this.running || this.openNow === open) return;
    const first = this.openNow === null;
    this.openNow = open;
    this.hooks.changed('open', open);
    if (open) this.opened(first);
    else this.closed();
  }

  /** A debounced request-to-exit press: unlock for the REX window. */
  exitPressed(): void {
    if (!this.running) return;
    this.lastRexAt = this.clock.now();
    this.unlock(Math.min(this.s.rexUnlockS, this.s.maxUnlockS), 'rex').catch(() => undefined);
  }

  /** Runs `check` with the relay state between writes (no write is in flight meanwhile). */
  verify(check: (locked: boolean) => Promise<void>): Promise<void> {
    return this.relay.run(() => check(this.lockedNow));
  }

  /** Cancels every timer and drives the relay locked (awaited). */
  async stop(): Promise<void> {
    this.running = false;
    this.endWindow();
    for (const t of [this.heldTimer, this.retryTimer]) if (t !== undefined) this.clock.clearTimeout(t);
    this.heldTimer = this.retryTimer = undefined;
    await this.relay.run(async () => {
      await this.hooks.drive(true);
      this.setLocked(true);
    });
  }

  private opened(atStart: boolean): void {
    const now = this.clock.now();
    const legit = !this.lockedNow || this.until !== undefined || now - this.lastRexAt <= this.s.rexUnlockS * 1000;
    if (atStart) {
      this.hooks.event('open-at-start', 'warning', `${this.s.noun} "${this.s.name}" is open at start; close it (held-open alarm in ${this.s.heldOpenS} s)`, BY_DEVICE);
    } else if (!legit) {
      this.raise('forced-door', `${this.s.noun} "${this.s.name}" opened while locked without a request to exit: forced`);
      return;
    }
    if (this.until !== undefined) this.openedInWindow = true;
    this.heldTimer = this.clock.setTimeout(() => {
      this.heldTimer = undefined;
      if (this.openNow === true && this.alarmNow === null) {
        this.raise('held-open', `${this.s.noun} "${this.s.name}" held open longer than ${this.s.heldOpenS} s; close it`);
      }
    }, this.s.heldOpenS * 1000);
  }

  private closed(): void {
    if (this.heldTimer !== undefined) this.clock.clearTimeout(this.heldTimer);
    this.heldTimer = undefined;
    if (this.alarmNow !== null) {
      const was = this.alarmNow;
      this.alarmNow = null;
      this.hooks.changed('alarm', null);
      this.hooks.event('alarm-cleared', 'info', `${this.s.noun} "${this.s.name}" closed: ${was} alarm cleared`, BY_DEVICE);
    }
    if (this.s.relockOnClose && this.openedInWindow && this.until !== undefined) {
      this.endWindow();
      this.hooks.event('locked', 'info', `${this.s.noun} "${this.s.name}" relocked: closed after passage`, BY_DEVICE);
      void this.apply().catch(() => undefined);
    }
    this.openedInWindow = false;
  }

  private raise(alarm: LockAlarm, text: string): void {
    this.alarmNow = alarm;
    this.hooks.changed('alarm', alarm);
    this.hooks.event(alarm, 'alarm', text, BY_DEVICE);
  }

  private setWindow(end: number): void {
    if (this.windowTimer !== undefined) this.clock.clearTimeout(this.windowTimer);
    this.until = end;
    this.windowTimer = this.clock.setTimeout(() => {
      this.windowTimer = undefined;
      this.endWindow();
      this.hooks.event('locked', 'info', `${this.s.noun} "${this.s.name}" relocked: unlock window ended`, BY_DEVICE);
      void this.apply().catch(() => undefined);
    }, end - this.clock.now());
    this.hooks.changed('unlockedUntil', this.secondsLeft);
  }

  private endWindow(): void {
    if (this.windowTimer !== undefined) this.clock.clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
    this.openedInWindow = false;
    if (this.until === undefined) return;
    this.until = undefined;
    this.hooks.changed('unlockedUntil', null);
  }

  /** Drives the relay to what is wanted when the write runs; a failed relock is retried. */
  private apply(): Promise<void> {
    return this.relay.run(async () => {
      if (!this.running) return;
      const want = this.until === undefined;
      try {
        await this.hooks.drive(want);
      } catch (err) {
        this.hooks.failed(err);
        if (want) this.relockFailed(err);
        throw err;
      }
      this.setLocked(want);
      if (want && this.relockFailing) {
        this.relockFailing = false;
        this.hooks.event('relocked', 'info', `${this.s.noun} "${this.s.name}" relay relocked after failed attempts`, BY_DEVICE);
      }
    });
  }

  private relockFailed(err: unknown): void {
    if (!this.relockFailing) {
      this.relockFailing = true;
      this.hooks.event('relock-failed', 'alarm', `${this.s.noun} "${this.s.name}": relock failed (${message(err)}); retrying; check the relay and its GPIO line`, BY_DEVICE);
    }
    if (this.retryTimer !== undefined) return;
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      void this.apply().catch(() => undefined);
    }, this.s.relockRetryMs ?? 1000);
  }

  private setLocked(locked: boolean): void {
    if (this.lockedNow === locked) return;
    this.lockedNow = locked;
    this.hooks.changed('locked', locked);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
