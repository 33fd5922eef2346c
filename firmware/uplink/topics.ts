/**
 * The topic layout (README.md, "Topics"): one place builds every topic and payload.
 * Must hold: every queued payload carries the per-gateway `seq` (consumers de-duplicate on it).
 */
import type { DeviceEvent, Health, Value } from '../../devices/model/index.js';

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

export function statePayload(seq: number, values: Readonly<Record<string, Value>>, health: Health): string {
  return JSON.stringify({ seq, values, health });
}

export function eventPayload(seq: number, event: DeviceEvent): string {
  return JSON.stringify({ seq, ...event });
}

/** MQTT topic levels must not contain wildcards or separators (MQTT 5 §4.7). */
export function checkTopicLevel(what: string, value: string): void {
  if (value === '' || /[+#/]/.test(value) || value.includes('\u0000')) {
    throw new Error(`uplink: ${what} "${value}" cannot be an MQTT topic level (no '/', '+', '#', empty); rename it`);
  }
}
