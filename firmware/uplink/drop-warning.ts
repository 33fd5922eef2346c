/**
 * The warning that the queue cap dropped messages, at most once per DROP_WARNING_MS with the
 * count since the last one (a full queue drops on every append: one line each would flood the
 * log exactly when the disk and the operator are busiest).
 *
 * Must hold: every drop is counted in exactly one warning, the first at once; the rest at the end
 * of the minute (a timer on the injected clock), or at close().
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import type { UplinkLogger } from './types.js';

export const DROP_WARNING_MS = 60_000;

export class DropWarning {
  private pending = 0;
  private lastAt: number | undefined;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly logger: UplinkLogger,
    private readonly cap: string,
  ) {}

  dropped(n: number): void {
    if (n <= 0) return;
    this.pending += n;
    const now = this.clock.now();
    if (this.lastAt === undefined || now - this.lastAt >= DROP_WARNING_MS) this.emit();
    else this.timer ??= this.clock.setTimeout(() => this.emit(), this.lastAt + DROP_WARNING_MS - now);
  }

  /** Says what is still uncounted (at close). */
  close(): void {
    if (this.pending > 0) this.emit();
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private emit(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const dropped = this.pending;
    this.pending = 0;
    this.lastAt = this.clock.now();
    this.logger.warn({ dropped, perMs: DROP_WARNING_MS }, `uplink: queue full (${this.cap}), ${dropped} oldest messages dropped; the broker is unreachable or slower than the devices; raise maxQueueMessages or check the broker`);
  }
}
