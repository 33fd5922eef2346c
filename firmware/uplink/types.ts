/** The uplink's configuration and the shapes it publishes (layout: firmware/uplink/README.md). */
import type { Clock } from '../../common/index.js';

export interface UplinkConfig {
  /** `mqtt://host:port` or `mqtts://host:port`. */
  readonly url: string;
  /** Topic prefix; default "pia". */
  readonly prefix?: string;
  readonly username?: string;
  readonly password?: string;
  /** PEM texts (not paths) for mqtts:// : the CA that signed the broker, a client certificate and key. */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  /** Queue cap; defaults 10 000 messages, 16 MiB. */
  readonly maxQueueMessages?: number;
  readonly maxQueueBytes?: number;
  /** Most messages published per second (the drain after an outage is throttled to it); default 500. */
  readonly drainRatePerSec?: number;
  /** Most QoS 1 messages awaiting PUBACK at once; default 100. */
  readonly maxInFlight?: number;
  /**
   * Reconnect backoff (README.md, "Reconnect"): the floor and the ceiling of the delay (ms), defaults
   * 1 000 and 30 000; `reconnectJitter` the part of each delay drawn at random, 0–1, default 0.5:
   * a delay is drawn in [d·(1 − jitter), d].
   */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  readonly reconnectJitter?: number;
  /** How often the retained health topic is refreshed while connected; default 30 000 ms. */
  readonly healthIntervalMs?: number;
  /** What the topics and payloads look like: `pia` (README.md, "Topics", the default) or `thingsboard` (its gateway MQTT API). */
  readonly format?: UplinkFormatName;
  /** Home Assistant MQTT discovery (README.md, "Home Assistant"); off by default. */
  readonly homeAssistant?: { readonly enabled: boolean; /** Default "homeassistant". */ readonly discoveryPrefix?: string };
  /** MQTT keepalive, seconds; default 30. */
  readonly keepaliveSec?: number;
}

export type UplinkFormatName = 'pia' | 'thingsboard';

export type UplinkState = 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface UplinkHealth {
  readonly state: UplinkState;
  readonly queueDepth: number;
  readonly dropped: number;
  readonly lastSeq: number;
  /** Consecutive failed connection attempts. */
  readonly failures: number;
  readonly lastError?: string;
}

/** What the uplink needs from a logger (a pino Logger fits). */
export interface UplinkLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface UplinkOptions {
  readonly config: UplinkConfig;
  /** The SQLite queue file (created when missing). */
  readonly queueFile: string;
  /** Monotonic time: timers, the drain rate, the backoff. */
  readonly clock: Clock;
  readonly logger: UplinkLogger;
  readonly gatewayId: string;
  /** Randomness for the jitter; default Math.random. */
  readonly random?: () => number;
  /** Wall-clock time, Unix ms, for a state's `at` and the health's time; default `clock.wallNow`. */
  readonly wallNow?: () => number;
}
