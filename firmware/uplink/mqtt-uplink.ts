/**
 * The MQTT uplink: every state and event goes through the DurableQueue, a sender publishes
 * it at QoS 1 and removes it on its PUBACK (README.md, "Store and forward").
 *
 * Flow:
 *  1. publishState stamps the wall-clock time (`at`; an event carries its own), the format builds the
 *     messages and return at once (never await the network); the messages of one event-loop
 *     turn are appended in one SQLite transaction (one fsync) on the next turn (`setImmediate`):
 *     a crash can lose at most that turn. A state whose values are all unknown is not queued
 *     once the device has a known one, unless the device failed (no retained null over the
 *     last reading at a start; a failed sensor's readings do go unknown).
 *  2. connect(): mqtt.js with `reconnectPeriod: 0` (no fixed-period reconnect storms), the
 *     format's last will.
 *  3. on CONNACK: the format's birth (`online`; ThingsBoard device connects), the retained-state
 *     check (retained-sync.ts: only what the broker lacks is re-sent, outside the queue), the
 *     health, then the sender starts from the oldest queued message.
 *  4. sender (sender.ts): in queue order, at most `maxInFlight` unacknowledged, at most
 *     `drainRatePerSec` per second on the injected clock; a PUBACK acks the message.
 *  5. on close/error: in-flight messages stay queued (re-sent after the reconnect: at-least-once,
 *     consumers de-duplicate on `seq`); the next attempt waits the backoff of settings.ts.
 *  6. close(): appends what is pending, waits (at most CLOSE_DRAIN_MS) for the PUBACKs of what is
 *     queued and commits them, so a clean restart re-sends nothing; then the format's goodbye
 *     (`offline`: a clean DISCONNECT suppresses the will), DISCONNECT, the queue closed.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { TimerHandle } from '../../common/index.js';
import type { DeviceDescription, DeviceEvent, Health, Value } from '../../devices/model/index.js';
import { DropWarning } from './drop-warning.js';
import { DurableQueue, type NewMessage, type QueuedMessage } from './durable-queue.js';
import type { DirectMessage, UplinkFormat } from './format.js';
import { discoveryConfigs, discoveryRemovals, type DiscoveryMessage } from './home-assistant/discovery.js';
import { HealthPublisher, type HealthFigures } from './health-publisher.js';
import { missingRetained } from './retained-sync.js';
import { Sender } from './sender.js';
import { reconnectDelay, resolveSettings, type UplinkSettings } from './settings.js';
import { thingsboardFormat } from './thingsboard-format.js';
import { checkTopicLevel, ONLINE, piaFormat, topicsFor, type Topics } from './topics.js';
import type { UplinkHealth, UplinkOptions, UplinkState } from './types.js';

/** Longest a PUBACK waits to be committed when no append comes (README.md, "Store and forward"). */
const ACK_COMMIT_MS = 20;
/** Longest close() waits for the last PUBACKs, in real time (a shutdown bound, as systemd's stop timeout is). */
export const CLOSE_DRAIN_MS = 2_000;

export class MqttUplink {
  private readonly queue: DurableQueue;
  private readonly topics: Topics;
  private readonly format: UplinkFormat;
  private readonly cfg: UplinkSettings;
  private readonly random: () => number;
  private readonly wallNow: () => number;
  private readonly sender: Sender;
  private readonly reports: HealthPublisher;
  private readonly drops: DropWarning;
  private client: MqttClient | undefined;
  private generation = 0;
  private state: UplinkState = 'connecting';
  private closing: Promise<void> | undefined;
  private failures = 0;
  private lastError: string | undefined;
  private pending: NewMessage[] = [];
  private flushScheduled: NodeJS.Immediate | undefined;
  /** Devices that have had a state with a known value (in this process, or delivered before). */
  private readonly hasReading = new Set<string>();
  private discovery: DiscoveryMessage[] = [];
  private acks: number[] = [];
  /** The retained messages among `acks` (the queue remembers them as delivered). */
  private ackedRetained: QueuedMessage[] = [];
  private timers: { reconnect?: TimerHandle; ackCommit?: TimerHandle } = {};
  private drained: (() => void) | undefined;
  private commandHandler: ((topic: string, payload: Buffer) => void) | undefined;

  constructor(private readonly o: UplinkOptions) {
    checkTopicLevel('gateway id', o.gatewayId);
    const c = o.config;
    if (!/^mqtts?:\/\//.test(c.url)) throw new Error(`uplink: broker url "${c.url}" must start with mqtt:// or mqtts://; fix mqtt.url in gateway.yaml`);
    this.cfg = resolveSettings(c);
    this.random = o.random ?? Math.random;
    this.wallNow = o.wallNow ?? (() => o.clock.wallNow());
    this.topics = topicsFor(this.cfg.prefix, o.gatewayId);
    this.format = this.cfg.format === 'thingsboard' ? thingsboardFormat(o.gatewayId) : piaFormat(this.topics, this.topics.state('+'));
    this.queue = new DurableQueue(o.queueFile, {
      ...(c.maxQueueMessages === undefined ? {} : { maxMessages: c.maxQueueMessages }),
      ...(c.maxQueueBytes === undefined ? {} : { maxBytes: c.maxQueueBytes }),
    });
    this.drops = new DropWarning(o.clock, o.logger, `${c.maxQueueMessages ?? 10_000} messages or ${c.maxQueueBytes ?? 16 * 1024 * 1024} bytes`);
    this.sender = new Sender(this.queue, o.clock, this.cfg, {
      acked: (m) => this.onAcked(m),
      idle: () => this.drained?.(),
    });
    this.reports = new HealthPublisher(o.clock, this.cfg.healthIntervalMs, () => this.publishHealth());
    this.connect();
  }

  /** Retained state of a device: its properties and health. Returns at once. */
  publishState(device: string, values: Readonly<Record<string, Value>>, health: Health): void {
    checkTopicLevel('device name', device);
    if (Object.values(values).every((v) => v === null || v === undefined)) {
      // nothing known yet (a start): keep the last reading until the first poll; a failure is news, though
      if (health.status !== 'failed' && (this.hasReading.has(device) || this.deliveredReading(device))) return;
    } else {
      this.hasReading.add(device);
    }
    for (const m of this.format.state(device, { ...values }, health, this.wallNow())) this.enqueue(m);
  }

  /** A device event (alarm, fault, …), not retained. Returns at once. */
  publishEvent(event: DeviceEvent): void {
    checkTopicLevel('device name', event.device);
    for (const m of this.format.event(event, this.wallNow())) this.enqueue(m);
  }

  /**
   * The devices now configured: the format's static description (ThingsBoard attributes), and
   * Home Assistant discovery when enabled: a retained config per property and an empty retained
   * payload for every config announced before (also before a restart) whose device or property
   * is gone. Discovery messages take no sequence number. Returns at once.
   */
  announce(devices: readonly DeviceDescription[], allowed?: (device: string, access: string) => boolean): void {
    for (const d of devices) checkTopicLevel('device name', d.name);
    for (const m of this.format.announce(devices)) this.enqueue(m);
    const ha = this.o.config.homeAssistant;
    if (ha?.enabled !== true || this.cfg.format !== 'pia') return;
    const configs = discoveryConfigs({ discoveryPrefix: ha.discoveryPrefix ?? 'homeassistant', gatewayId: this.o.gatewayId, topics: this.topics, ...(allowed === undefined ? {} : { allowed }) }, devices);
    const removals = discoveryRemovals(this.queue.announced(), configs);
    this.discovery = configs;
    for (const m of [...removals, ...configs]) this.enqueue({ topic: m.topic, retain: true, payload: m.payload });
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

  /** Drains and commits what is queued (bounded), says goodbye (a clean DISCONNECT suppresses the will), disconnects, closes the queue. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.flush();
    const client = this.client;
    if (client !== undefined && this.state === 'connected') {
      await realTimeBound(new Promise<void>((res) => {
        this.drained = res;
        this.sender.pump();
      }), CLOSE_DRAIN_MS);
      this.drained = undefined;
      this.flush(); // the last PUBACKs' removal: a restart re-sends nothing delivered
      await realTimeBound(Promise.all(this.format.onClose().map((m) => client.publishAsync(m.topic, m.payload, { qos: 1, retain: m.retain }))), CLOSE_DRAIN_MS);
      await realTimeBound(client.endAsync(false), CLOSE_DRAIN_MS);
    }
    client?.end(true);
    this.state = 'closed';
    this.generation++;
    this.stopTimers();
    this.drops.close();
    this.flush(true);
    this.queue.close();
  }

  private enqueue(m: NewMessage): void {
    if (this.closing !== undefined || this.state === 'closed') throw new Error('uplink: publish after close(); create a new uplink');
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
    const retained = this.ackedRetained;
    this.pending = [];
    this.acks = [];
    this.ackedRetained = [];
    const before = this.queue.stats().dropped;
    try {
      this.queue.appendMany(batch, acks, retained);
    } catch (e) {
      this.o.logger.warn({ err: (e as Error).message, lost: batch.length }, 'uplink: cannot write the queue; messages lost');
      return;
    }
    this.drops.dropped(this.queue.stats().dropped - before);
    if (this.state === 'closed') return;
    this.reports.changed(this.health());
    this.sender.pump();
  }

  private connect(): void {
    const gen = ++this.generation;
    this.state = 'connecting';
    const c = this.o.config;
    const will = this.format.will;
    const options: IClientOptions = {
      clientId: `pia-${this.o.gatewayId}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: this.cfg.keepaliveSec,
      ...(will === undefined ? {} : { will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: will.retain } }),
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
    client.on('connect', () => gen === this.generation && void this.onConnected(client, gen));
    client.on('message', (topic, payload) => gen === this.generation && this.onMessage(topic, payload));
    client.on('error', (e) => gen === this.generation && this.onError(e));
    client.on('close', () => gen === this.generation && this.onDown(client));
  }

  private async onConnected(client: MqttClient, gen: number): Promise<void> {
    this.state = 'connected';
    this.failures = 0;
    this.lastError = undefined;
    this.o.logger.info({ url: this.o.config.url }, 'uplink: connected');
    this.sender.stop(); // nothing queued goes before the birth and the retained-state check
    for (const m of this.format.onConnect()) this.direct(client, m);
    if (this.o.config.homeAssistant?.enabled === true && this.cfg.format === 'pia') client.subscribe(this.haStatusTopic(), { qos: 1 });
    if (this.commandHandler !== undefined) client.subscribe([...this.topics.commandFilters], { qos: 1 });
    this.flush(); // commits PUBACKs of the last connection: what was delivered is known
    const filter = this.format.retainedStates;
    if (filter !== undefined) {
      const delivered = new Map([...this.queue.delivered(`${this.cfg.prefix}/${this.o.gatewayId}/`)].filter(([t]) => t.endsWith('/state')));
      const again = await missingRetained({ client, filter, delivered, seqOf: (p) => this.format.seqOf(p) });
      if (gen !== this.generation) return;
      for (const m of again) this.direct(client, m);
      this.sender.spend(again.length);
    }
    this.reports.connected();
    this.sender.start(client);
  }

  private direct(client: MqttClient, m: DirectMessage): void {
    client.publish(m.topic, m.payload, { qos: 1, retain: m.retain });
  }

  private haStatusTopic(): string {
    return `${this.o.config.homeAssistant?.discoveryPrefix ?? 'homeassistant'}/status`;
  }

  /** A command → the handler (onCommand); Home Assistant announced itself online (it restarted): configs again, and the last delivered states directly (HA docs, "Birth and last will"). */
  private onMessage(topic: string, bytes: Buffer): void {
    if (this.commandHandler !== undefined && this.closing === undefined && this.topics.parseCommand(topic) !== undefined) {
      this.commandHandler(topic, bytes);
      return;
    }
    if (topic !== this.haStatusTopic() || bytes.toString() !== ONLINE || this.closing !== undefined || this.state !== 'connected') return;
    for (const m of this.discovery) this.enqueue({ topic: m.topic, retain: true, payload: m.payload });
    const client = this.client;
    if (client === undefined) return;
    for (const [t, p] of this.queue.delivered(`${this.cfg.prefix}/${this.o.gatewayId}/`)) if (t.endsWith('/state')) this.direct(client, { topic: t, payload: p, retain: true });
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
    this.o.logger.warn({ err: this.lastError }, 'uplink: connection error');
  }

  private onDown(client: MqttClient): void {
    client.end(true);
    this.generation++;
    this.failures++;
    this.state = 'disconnected';
    this.sender.stop();
    this.stopTimers();
    this.drained?.(); // close() need not wait for PUBACKs that cannot come
    if (this.closing !== undefined) return;
    const delay = reconnectDelay(this.cfg, this.failures, this.random());
    this.o.logger.info({ retryInMs: Math.round(delay), failures: this.failures }, 'uplink: disconnected');
    this.timers.reconnect = this.o.clock.setTimeout(() => this.connect(), delay);
  }

  /**
   * PUBACKs are removed with the next appends' transaction, or after ACK_COMMIT_MS without one:
   * each commit is an fsync, and a lost ack only means a re-send (the consumer de-duplicates).
   */
  private onAcked(m: QueuedMessage): void {
    this.acks.push(m.id);
    if (m.retain) this.ackedRetained.push(m);
    this.timers.ackCommit ??= this.o.clock.setTimeout(() => {
      delete this.timers.ackCommit;
      this.flush();
    }, ACK_COMMIT_MS);
  }

  /** The health, directly (a snapshot, not part of the sequenced stream). */
  private publishHealth(): HealthFigures | undefined {
    const client = this.client;
    if (this.state !== 'connected' || client === undefined) return undefined;
    const { state, queueDepth, dropped, lastSeq } = this.health();
    this.direct(client, this.format.health({ state, queueDepth, dropped, lastSeq, atMs: this.wallNow(), intervalMs: this.cfg.healthIntervalMs }));
    return { queueDepth, dropped };
  }

  /** Whether the queue file holds a delivered state of `device` with a known value (from before this process). */
  private deliveredReading(device: string): boolean {
    const topic = this.topics.state(device);
    const payload = this.queue.delivered(topic).get(topic);
    if (payload === undefined) return false;
    try {
      const values = (JSON.parse(payload) as { values?: Record<string, unknown> }).values ?? {};
      const known = Object.values(values).some((v) => v !== null && v !== undefined);
      if (known) this.hasReading.add(device);
      return known;
    } catch {
      return false;
    }
  }

  private stopTimers(): void {
    for (const t of Object.values(this.timers)) if (t !== undefined) this.o.clock.clearTimeout(t);
    this.timers = {};
    this.reports.stop();
  }
}

/** Waits for `p` (its failure too) at most `ms` of real time. */
async function realTimeBound(p: Promise<unknown>, ms: number): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise<void>((res) => (t = setTimeout(res, ms)))]);
  clearTimeout(t);
}
