/**
 * A trailing-edge debouncer on an injected clock, as lodash.debounce (used by onoff 6.0.3 for
 * `debounceTimeout`) behaves with its defaults: every `trigger()` restarts a quiet period of
 * `waitMs`; `fn` runs once when the period ends without another trigger. So a contact that
 * bounces for 3 ms, with waitMs 10, yields one call 10 ms after its last bounce.
 */
import type { Clock, TimerHandle } from '../../common/index.js';

export class Debouncer {
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    readonly waitMs: number,
    private readonly fn: () => void,
  ) {
    if (!(Number.isFinite(waitMs) && waitMs >= 0)) {
      throw new RangeError(`debounce time must be a finite number ≥ 0 ms, got ${waitMs}`);
    }
  }

  /** Starts (or restarts) the quiet period. */
  trigger(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.fn();
    }, this.waitMs);
  }

  /** Drops a pending call. */
  cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  get pending(): boolean {
    return this.timer !== undefined;
  }
}
