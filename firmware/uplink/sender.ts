/**
 * The sender: publishes the queue's messages in id order at QoS 1 and reports each PUBACK
 * (README.md, "Store and forward", step 3).
 *
 * Must hold: at most `maxInFlight` messages await a PUBACK; at most `drainRatePerSec` are
 * published per second of the injected clock (a token bucket holding one second's worth, which
 * states republished outside the queue spend too), so the drain after an outage is throttled; nothing is sent while stopped (between connections, and
 * while the retained-state check runs); a PUBACK of an earlier connection is ignored.
 */
import type { MqttClient } from 'mqtt';
import type { Clock, TimerHandle } from '../../common/index.js';
import type { DurableQueue, QueuedMessage } from './durable-queue.js';
import type { UplinkSettings } from './settings.js';

export interface SenderHooks {
  /** The broker acknowledged `m`. */
  acked(m: QueuedMessage): void;
  /** Nothing queued is unsent and nothing awaits a PUBACK. */
  idle(): void;
}

export class Sender {
  private client: MqttClient | undefined;
  private buffer: QueuedMessage[] = [];
  private lastSent = 0;
  private inFlight = 0;
  private tokens: number;
  private lastRefill: number;
  private timer: TimerHandle | undefined;
  private connection = 0;

  constructor(
    private readonly queue: DurableQueue,
    private readonly clock: Clock,
    private readonly cfg: Pick<UplinkSettings, 'drainRatePerSec' | 'maxInFlight'>,
    private readonly hooks: SenderHooks,
  ) {
    this.tokens = cfg.drainRatePerSec;
    this.lastRefill = clock.now();
  }

  /** Sends on `client` from the oldest queued message. */
  start(client: MqttClient): void {
    this.stop();
    this.client = client;
    this.pump();
  }

  /** Messages published outside the queue (republished retained states) spend tokens too: the rate holds for everything. */
  spend(n: number): void {
    this.refill();
    this.tokens -= n;
  }

  /** Sends nothing more; in-flight messages stay queued (re-sent by the next start). */
  stop(): void {
    this.connection++;
    this.client = undefined;
    this.buffer = [];
    this.lastSent = 0;
    this.inFlight = 0;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  pump(): void {
    const client = this.client;
    if (client === undefined) return;
    this.refill();
    const connection = this.connection;
    while (this.inFlight < this.cfg.maxInFlight && this.tokens >= 1) {
      if (this.buffer.length === 0) this.buffer = this.queue.peek(256, this.lastSent);
      const m = this.buffer.shift();
      if (m === undefined) break;
      this.lastSent = m.id;
      this.inFlight++;
      this.tokens--;
      client.publish(m.topic, m.payload, { qos: 1, retain: m.retain }, (err) => {
        if (connection !== this.connection) return;
        this.inFlight--;
        if (err === undefined || err === null) this.hooks.acked(m);
        this.pump();
      });
    }
    if (this.inFlight === 0 && this.buffer.length === 0 && this.queue.peek(1, this.lastSent).length === 0) {
      this.hooks.idle();
      return;
    }
    if (this.tokens < 1 && this.timer === undefined) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, ((1 - this.tokens) * 1000) / this.cfg.drainRatePerSec);
    }
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.cfg.drainRatePerSec, this.tokens + ((now - this.lastRefill) * this.cfg.drainRatePerSec) / 1000);
    this.lastRefill = now;
  }
}
