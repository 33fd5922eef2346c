/**
 * Home Assistant MQTT discovery (Home Assistant docs, "MQTT Discovery"): one retained config per
 * entity under `<discoveryPrefix>/<component>/<gatewayId>/<object id>/config`; an empty retained
 * payload deletes the entity.
 *
 *   1. the gateway itself, as a device (`identifiers: [gatewayId]`, the `via_device` every other
 *      device names): connectivity from its status topic, its devices' health (how many ok,
 *      degraded, failed; a problem sensor) from its own state, and the uplink's diagnostics
 *      (state, queue depth, dropped) from its retained health topic;
 *   2. each device's entities (entities.ts), each with `unique_id`, the `device` block and
 *      `availability` = the gateway's status topic;
 *   3. removals: an empty retained payload for every config announced before and not now.
 * Must hold: a config payload carries no `seq` (HA validates its keys); object ids use only
 * `[A-Za-z0-9_-]` (HA's discovery topic rule); command topics only where `allowed` says so.
 */
import type { DeviceDescription } from '../../../devices/model/index.js';
import { GATEWAY_STATE_NAME, type Topics } from '../topics.js';
import { deviceEntities, type Component } from './entities.js';

export interface DiscoveryMessage {
  readonly topic: string;
  /** JSON config, or '' to delete the entity. */
  readonly payload: string;
}

export interface DiscoveryOptions {
  readonly discoveryPrefix: string;
  readonly gatewayId: string;
  readonly topics: Topics;
  /** May the uplink's subject do `access` on `device`? Absent: nothing (no command topics). */
  readonly allowed?: (device: string, access: string) => boolean;
}

const MANUFACTURER = 'PIA Gateway';
const objectId = (text: string): string => text.replace(/[^A-Za-z0-9_-]/g, '_');

export function discoveryTopic(o: DiscoveryOptions, component: Component, object: string): string {
  return `${o.discoveryPrefix}/${component}/${o.gatewayId}/${objectId(object)}/config`;
}

/** The config messages: the gateway's entities, then every device's. */
export function discoveryConfigs(o: DiscoveryOptions, devices: readonly DeviceDescription[]): DiscoveryMessage[] {
  const allowed = o.allowed ?? ((): boolean => false);
  const availability = { availability: [{ topic: o.topics.status }], availability_mode: 'all' };
  const gatewayDevice = { identifiers: [o.gatewayId], name: `PIA gateway ${o.gatewayId}`, manufacturer: MANUFACTURER, model: 'pia-gateway' };
  const out: DiscoveryMessage[] = [];
  const push = (component: Component, object: string, config: Record<string, unknown>): void => {
    out.push({ topic: discoveryTopic(o, component, object), payload: JSON.stringify({ ...config, unique_id: `${o.gatewayId}_${objectId(object)}` }) });
  };
  // 1. the gateway
  push('binary_sensor', 'gateway_status', { name: 'Status', device_class: 'connectivity', state_topic: o.topics.status, payload_on: 'online', payload_off: 'offline', entity_category: 'diagnostic', device: gatewayDevice });
  const health = (key: string, name: string, extra: Record<string, unknown> = {}): void =>
    push('sensor', `gateway_${key}`, { name, state_topic: o.topics.health, value_template: `{{ value_json.${key} }}`, entity_category: 'diagnostic', ...extra, ...availability, device: gatewayDevice });
  health('state', 'Uplink', { device_class: 'enum', options: ['connecting', 'connected', 'disconnected', 'closed'] });
  health('queueDepth', 'Uplink queue', { state_class: 'measurement', unit_of_measurement: 'messages' });
  health('dropped', 'Uplink dropped', { state_class: 'total_increasing', unit_of_measurement: 'messages' });
  const own = o.topics.state(GATEWAY_STATE_NAME);
  push('binary_sensor', 'gateway_problem', { name: 'Device problem', device_class: 'problem', state_topic: own, value_template: "{{ 'ON' if value_json.values.devicesFailed > 0 or value_json.values.devicesDegraded > 0 else 'OFF' }}", ...availability, device: gatewayDevice });
  for (const [key, name] of [
    ['devicesOk', 'Devices ok'],
    ['devicesDegraded', 'Devices degraded'],
    ['devicesFailed', 'Devices failed'],
  ] as const) {
    push('sensor', `gateway_${key}`, { name, state_topic: own, value_template: `{{ value_json.values.${key} }}`, state_class: 'measurement', ...availability, device: gatewayDevice });
  }
  // 2. the devices
  for (const d of devices) {
    const device = { identifiers: [`${o.gatewayId}_${d.name}`], name: d.name, model: d.part, manufacturer: MANUFACTURER, via_device: o.gatewayId };
    for (const e of deviceEntities(d, { topics: o.topics, allowed })) push(e.component, `${d.name}_${e.key}`, { ...e.config, ...availability, device });
  }
  return out;
}

/** 3. Deletions (empty retained) for topics announced before and not any more. */
export function discoveryRemovals(previous: readonly string[], current: readonly DiscoveryMessage[]): DiscoveryMessage[] {
  const keep = new Set(current.map((m) => m.topic));
  return previous.filter((t) => !keep.has(t)).map((topic) => ({ topic, payload: '' }));
}
