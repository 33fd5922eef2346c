/**
 * When the gateway's health is published (README.md, "Availability"): on each connect, every
 * `intervalMs` while connected, and on a change a consumer needs at once — messages dropped,
 * or a backlog that was reported has drained — at most once per CHANGE_GAP_MS. Not after every
 * data message: in steady state (each message acknowledged as it comes) only the interval.
 */
import type { Clock, TimerHandle } from '../../common/index.js';

export const CHANGE_GAP_MS = 1_000;

export interface HealthFigures {
  readonly queueDepth: number;
  readonly dropped: number;
}

export class HealthPublisher {
  private last: HealthFigures | undefined;
  private lastAt = 0;
  private interval: TimerHandle | undefined;
  private soon: TimerHandle | undefined;

  /** @param publish publishes the health now; what it reported, or undefined when it could not (not connected) */
  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly publish: () => HealthFigures | undefined,
  ) {}

  connected(): void {
    this.now();
  }

  /** After each commit: the figures now. */
  changed(h: HealthFigures): void {
    const last = this.last;
    if (last === undefined || this.soon !== undefined) return;
    if (h.dropped === last.dropped && !(h.queueDepth === 0 && last.queueDepth > 0)) return;
    const wait = this.lastAt + CHANGE_GAP_MS - this.clock.now();
    if (wait <= 0) this.now();
    else this.soon = this.clock.setTimeout(() => this.now(), wait);
  }

  stop(): void {
    for (const t of [this.interval, this.soon]) if (t !== undefined) this.clock.clearTimeout(t);
    this.interval = this.soon = undefined;
    this.last = undefined;
  }

  private now(): void {
    this.stop();
    const reported = this.publish();
    if (reported === undefined) return;
    this.last = reported;
    this.lastAt = this.clock.now();
    this.interval = this.clock.setTimeout(() => this.now(), this.intervalMs);
  }
}
