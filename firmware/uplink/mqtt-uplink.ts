/**
 * The MQTT uplink: every message goes through the DurableQueue, a sender publishes
 * it at QoS 1 and removes it on its PUBACK.
 *
 * Flow:
 *  1. publishState / publishEvent build the message and return at once (never await the
 *     network); the messages of one event-loop turn are appended in one SQLite transaction
 *     (one fsync) on the next turn (`setImmediate`): a crash can lose at most that turn.
 *  2. connect(): mqtt.js with `reconnectPeriod: 0` (no fixed-period reconnect storms);
 *     the last will is "offline" retained on the status topic.
 *  3. on CONNACK: birth "online" retained, the retained health, the latest state of every
 *     device whose state was already delivered (so a broker that lost it gets it back),
 *     then the sender starts from the oldest queued message.
 *  4. sender: in sequence order, at most `maxInFlight` unacknowledged and at most
 *     `drainRatePerSec` per second (token bucket on the injected clock); a PUBACK acks `seq`.
 *  5. on close/error: in-flight messages stay queued (re-sent after the reconnect: at-least-once,
 *     consumers de-duplicate on `seq`); the next attempt waits an exponential backoff drawn
 *     with jitter in [d/2, d], d = min(max, min·2^failures).
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Clock, TimerHandle } from '../../common/index.js';
import type { DeviceDescription, DeviceEvent, Health, Value } from '../../devices/model/index.js';
import { DurableQueue, type NewMessage, type QueuedMessage } from './durable-queue.js';
import { discoveryConfigs, discoveryRemovals, type DiscoveryMessage } from './home-assistant/discovery.js';
import { checkTopicLevel, eventPayload, OFFLINE, ONLINE, statePayload, topicsFor, type Topics } from './topics.js';
import type { UplinkConfig, UplinkHealth, UplinkLogger, UplinkState } from './types.js';

/** Longest a PUBACK waits to be committed when no append comes (README.md, "Store and forward"). */
const ACK_COMMIT_MS = 20;

export interface UplinkOptions {
  readonly config: UplinkConfig;
  /** The SQLite queue file (created when missing). */
  readonly queueFile: string;
  readonly clock: Clock;
  readonly logger: UplinkLogger;
  readonly gatewayId: string;
  /** Randomness for the jitter; default Math.random. */
  readonly random?: () => number;
}

export class MqttUplink {
  private readonly queue: DurableQueue;
  private readonly topics: Topics;
  private readonly cfg: Required<Pick<UplinkConfig, 'drainRatePerSec' | 'maxInFlight' | 'reconnectMinMs' | 'reconnectMaxMs' | 'healthIntervalMs' | 'keepaliveSec'>>;
  private readonly random: () => number;
  private client: MqttClient | undefined;
  private generation = 0;
  private state: UplinkState = 'connecting';
  private failures = 0;
  private lastError: string | undefined;
  private pending: NewMessage[] = [];
  private flushScheduled: NodeJS.Immediate | undefined;
  private buffer: QueuedMessage[] = [];
  private lastSent = 0;
  private inFlight = 0;
  private tokens: number;
  private lastRefill: number;
  private readonly latest = new Map<string, { values: Readonly<Record<string, Value>>; health: Health; seq: number; delivered: boolean }>();
  private discovery: DiscoveryMessage[] = [];
  private acks: number[] = [];
  private timers: { pump?: TimerHandle; reconnect?: TimerHandle; health?: TimerHandle; ackCommit?: TimerHandle } = {};
  private commandHandler: ((topic: string, payload: Buffer) => void) | undefined;

  constructor(private readonly o: UplinkOptions) {
    checkTopicLevel('gateway id', o.gatewayId);
    const c = o.config;
    if (!/^mqtts?:\/\//.test(c.url)) throw new Error(`uplink: broker url "${c.url}" must start with mqtt:// or mqtts://; fix mqtt.url in gateway.yaml`);
    this.cfg = {
      drainRatePerSec: c.drainRatePerSec ?? 500,
      maxInFlight: c.maxInFlight ?? 100,
      reconnectMinMs: c.reconnectMinMs ?? 1000,
      reconnectMaxMs: c.reconnectMaxMs ?? 60_000,
      healthIntervalMs: c.healthIntervalMs ?? 30_000,
      keepaliveSec: c.keepaliveSec ?? 30,
    };
    this.random = o.random ?? Math.random;
    this.topics = topicsFor(c.prefix ?? 'pia', o.gatewayId);
    this.queue = new DurableQueue(o.queueFile, {
      ...(c.maxQueueMessages === undefined ? {} : { maxMessages: c.maxQueueMessages }),
      ...(c.maxQueueBytes === undefined ? {} : { maxBytes: c.maxQueueBytes }),
    });
    this.tokens = this.cfg.drainRatePerSec;
    this.lastRefill = o.clock.now();
    this.connect();
  }

  /** Retained state of a device: its properties and health. Returns at once. */
  publishState(device: string, values: Readonly<Record<string, Value>>, health: Health): void {
    checkTopicLevel('device name', device);
    const entry = { values: { ...values }, health, seq: 0, delivered: false };
    this.latest.set(device, entry);
    this.enqueue({ topic: this.topics.state(device), retain: true, payload: (seq) => ((entry.seq = seq), statePayload(seq, entry.values, health)) });
  }

  /** A device event (alarm, fault, …), not retained. Returns at once. */
  publishEvent(event: DeviceEvent): void {
    checkTopicLevel('device name', event.device);
    this.enqueue({ topic: this.topics.event(event.device), retain: false, payload: (seq) => eventPayload(seq, event) });
  }

  /**
   * The devices now configured (Home Assistant discovery, when enabled): queues a retained config
   * per property and an empty retained payload for every config announced before (also before a
   * restart) whose device or property is gone. Returns at once.
   */
  announce(devices: readonly DeviceDescription[], allowed?: (device: string, access: string) => boolean): void {
    const ha = this.o.config.homeAssistant;
    if (ha?.enabled !== true) return;
    for (const d of devices) checkTopicLevel('device name', d.name);
    const configs = discoveryConfigs({ discoveryPrefix: ha.discoveryPrefix ?? 'homeassistant', gatewayId: this.o.gatewayId, topics: this.topics, ...(allowed === undefined ? {} : { allowed }) }, devices);
    const removals = discoveryRemovals(this.queue.announced(), configs);
    this.discovery = configs;
    for (const m of [...removals, ...configs]) this.enqueue({ topic: m.topic, retain: true, payload: () => m.payload });
    this.flush();
    this.queue.setAnnounced(configs.map((m) => m.topic));
  }

  /**
   * Commands in (README.md, "Commands"): from now on, and on every connection, the uplink
   * subscribes to the command topics and hands each message to `handler`. Never called = no
   * subscription at all.
   */
  onCommand(handler: (topic: string, payload: Buffer) => void): void {
    this.commandHandler = handler;
    if (this.state === 'connected') this.client?.subscribe([...this.topics.commandFilters], { qos: 1 });
  }

  /** Published now at QoS 1, not queued (a command's result, a camera snapshot); false when not connected. */
  publishNow(topic: string, payload: string | Buffer, retain: boolean): boolean {
    if (this.state !== 'connected' || this.client === undefined) return false;
    this.client.publish(topic, payload, { qos: 1, retain });
    return true;
  }

  /** The topic layout (results, snapshots, command filters). */
  get topicLayout(): Topics {
    return this.topics;
  }

  /** A snapshot; it does not commit (messages of this turn count in the depth, not yet in `lastSeq`). */
  health(): UplinkHealth {
    const s = this.state === 'closed' ? { depth: 0, dropped: 0, lastSeq: 0 } : this.queue.stats();
    return { state: this.state, queueDepth: Math.max(0, s.depth + this.pending.length - this.acks.length), dropped: s.dropped, lastSeq: s.lastSeq, failures: this.failures, ...(this.lastError === undefined ? {} : { lastError: this.lastError }) };
  }

  /** Stores what is pending, says "offline" (a clean DISCONNECT suppresses the will), disconnects, closes the queue. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.flush();
    const client = this.client;
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    this.generation++;
    for (const t of Object.values(this.timers)) if (t !== undefined) this.o.clock.clearTimeout(t);
    this.timers = {};
    if (client !== undefined) {
      if (wasConnected) {
        await this.bounded(new Promise<void>((res) => client.publish(this.topics.status, OFFLINE, { qos: 1, retain: true }, () => res())), 2000);
        await this.bounded(client.endAsync(false), 2000);
      }
      client.end(true);
    }
    this.flush(true);
    this.queue.close();
  }

  private enqueue(m: NewMessage): void {
    if (this.state === 'closed') throw new Error('uplink: publish after close(); create a new uplink');
    this.pending.push(m);
    this.flushScheduled ??= setImmediate(() => this.flush());
  }

  /** One transaction for this turn's appends and PUBACKs. `closing`: the acks only (publishing has ended). */
  private flush(closing = false): void {
    if (this.flushScheduled !== undefined) clearImmediate(this.flushScheduled);
    this.flushScheduled = undefined;
    if ((this.pending.length === 0 && this.acks.length === 0) || (this.state === 'closed' && !closing)) return;
    const batch = this.pending;
    const acks = this.acks;
    this.pending = [];
    this.acks = [];
    const before = this.queue.stats().dropped;
    try {
      this.queue.appendMany(batch, acks);
    } catch (e) {
      this.o.logger.warn({ component: 'uplink', err: (e as Error).message, lost: batch.length }, 'uplink: cannot write the queue; messages lost');
      return;
    }
    const dropped = this.queue.stats().dropped - before;
    if (dropped > 0) this.o.logger.warn({ component: 'uplink', dropped }, 'uplink: queue full, oldest messages dropped');
    if (acks.length > 0) {
      const acked = new Set(acks);
      for (const s of this.latest.values()) if (acked.has(s.seq)) s.delivered = true;
      if (this.queue.stats().depth === 0 && this.inFlight === 0) this.publishHealth();
    }
    this.pump();
  }

  private connect(): void {
    const gen = ++this.generation;
    this.state = 'connecting';
    const c = this.o.config;
    const options: IClientOptions = {
      clientId: `pia-${this.o.gatewayId}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: this.cfg.keepaliveSec,
      will: { topic: this.topics.status, payload: Buffer.from(OFFLINE), qos: 1, retain: true },
      rejectUnauthorized: true,
      ...(c.username === undefined ? {} : { username: c.username }),
      ...(c.password === undefined ? {} : { password: c.password }),
      ...(c.ca === undefined ? {} : { ca: c.ca }),
      ...(c.cert === undefined ? {} : { cert: c.cert }),
      ...(c.key === undefined ? {} : { key: c.key }),
    };
    const client = mqtt.connect(c.url, options);
    this.client = client;
    // TCP_NODELAY: a command's PUBACK and its result are small writes in a row; Nagle would hold the second for the broker's delayed ACK (~40 ms)
    client.once('connect', () => (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true));
    client.on('connect', () => gen === this.generation && this.onConnected(client));
    client.on('message', (topic, payload) => gen === this.generation && this.onMessage(topic, payload));
    client.on('error', (e) => gen === this.generation && this.onError(e));
    client.on('close', () => gen === this.generation && this.onDown(client));
  }

  private onConnected(client: MqttClient): void {
    this.state = 'connected';
    this.failures = 0;
    this.lastError = undefined;
    this.o.logger.info({ component: 'uplink', url: this.o.config.url }, 'uplink: connected');
    client.publish(this.topics.status, ONLINE, { qos: 1, retain: true });
    if (this.o.config.homeAssistant?.enabled === true) client.subscribe(this.haStatusTopic(), { qos: 1 });
    if (this.commandHandler !== undefined) client.subscribe([...this.topics.commandFilters], { qos: 1 });
    this.buffer = [];
    this.lastSent = 0;
    this.inFlight = 0;
    const republish = [...this.latest].filter(([, s]) => s.delivered);
    for (const [device, s] of republish) this.publishState(device, s.values, s.health);
    this.flush();
    this.publishHealth();
    this.pump();
  }

  private haStatusTopic(): string {
    return `${this.o.config.homeAssistant?.discoveryPrefix ?? 'homeassistant'}/status`;
  }

  /** A command → the handler (onCommand); Home Assistant announced itself online (it restarted): configs and states again (HA docs, "Birth and last will"). */
  private onMessage(topic: string, bytes: Buffer): void {
    if (this.state === 'closed') return;
    if (this.commandHandler !== undefined && this.topics.parseCommand(topic) !== undefined) {
      this.commandHandler(topic, bytes);
      return;
    }
    if (topic !== this.haStatusTopic() || bytes.toString() !== ONLINE) return;
    for (const m of this.discovery) this.enqueue({ topic: m.topic, retain: true, payload: () => m.payload });
    for (const [device, s] of this.latest) this.publishState(device, s.values, s.health);
  }

  private onError(e: Error): void {
    const code = (e as { code?: string | number }).code ?? '';
    const tls = typeof code === 'string' && (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|ALTNAME/.test(code) || /certificate/i.test(e.message));
    // CONNACK return codes 4 and 5 (MQTT 3.1.1 §3.2.2.3), MQTT 5 reason codes 0x86 and 0x87
    const refused = code === 4 || code === 5 || code === 0x86 || code === 0x87;
    const url = this.o.config.url;
    this.lastError = tls
      ? `broker ${url}: TLS certificate not accepted (${e.message}); check mqtt.caFile is the CA that signed the broker's certificate and the certificate names this host`
      : refused
        ? `broker ${url}: login refused (${e.message}); check mqtt.username and mqtt.passwordFile, or mqtt.certFile and mqtt.keyFile, against the broker's password file and ACL`
        : `broker ${url}: ${e.message}`;
    this.o.logger.warn({ component: 'uplink', err: this.lastError }, 'uplink: connection error');
  }

  private onDown(client: MqttClient): void {
    client.end(true);
    this.generation++;
    this.failures++;
    this.state = 'disconnected';
    this.inFlight = 0;
    this.buffer = [];
    for (const t of Object.values(this.timers)) if (t !== undefined) this.o.clock.clearTimeout(t);
    this.timers = {};
    const d = Math.min(this.cfg.reconnectMaxMs, this.cfg.reconnectMinMs * 2 ** Math.min(30, this.failures - 1));
    const delay = d / 2 + (this.random() * d) / 2;
    this.o.logger.info({ component: 'uplink', retryInMs: Math.round(delay), failures: this.failures }, 'uplink: disconnected');
    this.timers.reconnect = this.o.clock.setTimeout(() => this.connect(), delay);
  }

  private pump(): void {
    const client = this.client;
    if (this.state !== 'connected' || client === undefined) return;
    const now = this.o.clock.now();
    this.tokens = Math.min(this.cfg.drainRatePerSec, this.tokens + ((now - this.lastRefill) * this.cfg.drainRatePerSec) / 1000);
    this.lastRefill = now;
    const gen = this.generation;
    while (this.inFlight < this.cfg.maxInFlight && this.tokens >= 1) {
      if (this.buffer.length === 0) this.buffer = this.queue.peek(256, this.lastSent);
      const m = this.buffer.shift();
      if (m === undefined) return;
      this.lastSent = m.seq;
      this.inFlight++;
      this.tokens--;
      client.publish(m.topic, m.payload, { qos: 1, retain: m.retain }, (err) => {
        if (gen !== this.generation) return;
        this.inFlight--;
        if (err === undefined || err === null) this.onAcked(m);
        this.pump();
      });
    }
    if (this.tokens < 1 && this.timers.pump === undefined) {
      this.timers.pump = this.o.clock.setTimeout(() => {
        delete this.timers.pump;
        this.pump();
      }, ((1 - this.tokens) * 1000) / this.cfg.drainRatePerSec);
    }
  }

  /**
   * PUBACKs are removed with the next appends' transaction, or after ACK_COMMIT_MS without one:
   * each commit is an fsync, and a lost ack only means a re-send (the consumer de-duplicates).
   */
  private onAcked(m: QueuedMessage): void {
    this.acks.push(m.seq);
    this.timers.ackCommit ??= this.o.clock.setTimeout(() => {
      delete this.timers.ackCommit;
      this.flush();
    }, ACK_COMMIT_MS);
  }

  /** Retained health, published directly (a snapshot, not a queued event): on connect, when the queue empties, every interval. */
  private publishHealth(): void {
    if (this.state !== 'connected' || this.client === undefined) return;
    const { state, queueDepth, dropped, lastSeq } = this.health();
    this.client.publish(this.topics.health, JSON.stringify({ state, queueDepth, dropped, lastSeq }), { qos: 1, retain: true });
    if (this.timers.health !== undefined) this.o.clock.clearTimeout(this.timers.health);
    this.timers.health = this.o.clock.setTimeout(() => {
      delete this.timers.health;
      this.publishHealth();
    }, this.cfg.healthIntervalMs);
  }

  private async bounded(p: Promise<unknown>, ms: number): Promise<void> {
    let t: TimerHandle | undefined;
    await Promise.race([p.catch(() => undefined), new Promise<void>((res) => (t = this.o.clock.setTimeout(res, ms)))]);
    if (t !== undefined) this.o.clock.clearTimeout(t);
  }
}
