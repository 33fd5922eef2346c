/**
 * The `pia` topic layout (README.md, "Topics"): one place builds every topic and payload.
 * Must hold: every queued state and event payload carries the per-gateway `seq` (consumers
 * de-duplicate on it) and its wall-clock time `at` (ISO 8601): a state's is when the uplink
 * received it, an event's when it happened (the device model's), so a backlog drained after an
 * outage keeps the times of its readings; nothing else takes a `seq`.
 */
import type { DeviceDescription, DeviceEvent, Health, Value } from '../../devices/model/index.js';
import type { DirectMessage, HealthReport, UplinkFormat } from './format.js';

export interface Topics {
  status: string;
  health: string;
  state(device: string): string;
  event(device: string): string;
  /** Commands in: `…/<device>/<property>/set`, `…/<device>/<action>/call` (README.md, "Commands"). */
  command(device: string, name: string, verb: CommandVerb): string;
  /** A command's outcome, not retained: `{ok, error?, reason?, at}`. */
  result(device: string, name: string): string;
  /** A camera's last JPEG, retained (Home Assistant's camera `topic`). */
  snapshot(device: string): string;
  /** The subscriptions that take commands (only with an uplink subject). */
  readonly commandFilters: readonly string[];
  /** `{device, name, verb}` of a command topic, or undefined for any other topic. */
  parseCommand(topic: string): { device: string; name: string; verb: CommandVerb } | undefined;
}

export type CommandVerb = 'set' | 'call';

/**
 * The gateway's own summary rides as a device state (`<prefix>/<gw>/_gateway/state`, values
 * devicesOk, devicesDegraded, devicesFailed): no device can have this name (names start with a letter).
 */
export const GATEWAY_STATE_NAME = '_gateway';

export function topicsFor(prefix: string, gatewayId: string): Topics {
  const base = `${prefix}/${gatewayId}`;
  return {
    status: `${base}/status`,
    health: `${base}/health`,
    state: (device) => `${base}/${device}/state`,
    event: (device) => `${base}/${device}/event`,
    command: (device, name, verb) => `${base}/${device}/${name}/${verb}`,
    result: (device, name) => `${base}/${device}/${name}/result`,
    snapshot: (device) => `${base}/${device}/snapshot`,
    commandFilters: [`${base}/+/+/set`, `${base}/+/+/call`],
    parseCommand(topic) {
      if (!topic.startsWith(`${base}/`)) return undefined;
      const levels = topic.slice(base.length + 1).split('/');
      const [device, name, verb] = levels;
      if (levels.length !== 3 || device === undefined || name === undefined || device === '' || name === '') return undefined;
      return verb === 'set' || verb === 'call' ? { device, name, verb } : undefined;
    },
  };
}

export const ONLINE = 'online';
export const OFFLINE = 'offline';

export function statePayload(seq: number, atMs: number, values: Readonly<Record<string, Value>>, health: Health): string {
  return JSON.stringify({ seq, at: new Date(atMs).toISOString(), values, health });
}

/** The event as the device model made it: its `at` is when it happened (devices/README.md, "Times"). */
export function eventPayload(seq: number, event: DeviceEvent): string {
  return JSON.stringify({ seq, ...event });
}

/** The retained health: when it was made and when it goes stale (README.md, "Availability"). */
export function healthPayload(r: HealthReport): string {
  const { state, queueDepth, dropped, lastSeq, atMs, intervalMs } = r;
  return JSON.stringify({ state, queueDepth, dropped, lastSeq, at: new Date(atMs).toISOString(), atMs, intervalMs, expiresAt: new Date(atMs + 2 * intervalMs).toISOString() });
}

/** MQTT topic levels must not contain wildcards or separators (MQTT 5 §4.7). */
export function checkTopicLevel(what: string, value: string): void {
  if (value === '' || /[+#/]/.test(value) || value.includes('\u0000')) {
    throw new Error(`uplink: ${what} "${value}" cannot be an MQTT topic level (no '/', '+', '#', empty); rename it`);
  }
}

/** The `pia` layout: retained state, events, the status with its will, the retained health. */
export function piaFormat(topics: Topics, stateFilter: string): UplinkFormat {
  const status = (payload: string): DirectMessage => ({ topic: topics.status, payload, retain: true });
  return {
    will: status(OFFLINE),
    retainedStates: stateFilter,
    seqOf: (payload) => {
      try {
        const seq = (JSON.parse(payload) as { seq?: unknown }).seq;
        return typeof seq === 'number' ? seq : undefined;
      } catch {
        return undefined;
      }
    },
    state: (device, values, health, atMs) => [{ topic: topics.state(device), retain: true, payload: (seq) => statePayload(seq, atMs, values, health) }],
    event: (event) => [{ topic: topics.event(event.device), retain: false, payload: (seq) => eventPayload(seq, event) }],
    announce: (_devices: readonly DeviceDescription[]) => [],
    onConnect: () => [status(ONLINE)],
    onClose: () => [status(OFFLINE)],
    health: (r) => ({ topic: topics.health, payload: healthPayload(r), retain: true }),
  };
}
