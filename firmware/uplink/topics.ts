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
}

export function topicsFor(prefix: string, gatewayId: string): Topics {
  const base = `${prefix}/${gatewayId}`;
  return {
    status: `${base}/status`,
    health: `${base}/health`,
    state: (device) => `${base}/${device}/state`,
    event: (device) => `${base}/${device}/event`,
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
