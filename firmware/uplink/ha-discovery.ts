/**
 * Home Assistant MQTT discovery (Home Assistant docs, "MQTT Discovery"): one retained config per
 * device property under `<discoveryPrefix>/<component>/<gatewayId>/<device>_<property>/config`,
 * reading the device's retained state topic; an empty retained payload deletes the entity.
 *
 * Must hold: the config payload carries no `seq` (HA validates its keys); availability is the
 * gateway's status topic (`availability_mode: all`), so entities go unavailable with the gateway.
 */
import type { DeviceDescription, PropertySpec } from '../../devices/model/index.js';
import type { Topics } from './topics.js';

export interface DiscoveryMessage {
  readonly topic: string;
  /** JSON config, or '' to delete the entity. */
  readonly payload: string;
}

/** Units as HA shows them (UCUM-ish symbols of devices/model → HA's). */
const HA_UNITS: Readonly<Record<string, string>> = { Cel: '°C', '%RH': '%', '%': '%', '/min': 'rpm', Pa: 'Pa', W: 'W', lx: 'lx' };
const DEVICE_CLASS: Readonly<Record<string, string>> = { Cel: 'temperature', '%RH': 'humidity' };

function component(p: PropertySpec): 'sensor' | 'binary_sensor' {
  return p.type === 'boolean' ? 'binary_sensor' : 'sensor';
}

export function discoveryTopic(discoveryPrefix: string, gatewayId: string, device: string, p: PropertySpec): string {
  return `${discoveryPrefix}/${component(p)}/${gatewayId}/${device}_${p.name}/config`;
}

/** The config messages for every property of every device. */
export function discoveryConfigs(discoveryPrefix: string, gatewayId: string, topics: Topics, devices: readonly DeviceDescription[]): DiscoveryMessage[] {
  const out: DiscoveryMessage[] = [];
  for (const d of devices) {
    for (const p of d.properties) {
      const value = `value_json.values[${JSON.stringify(p.name)}]`;
      const config: Record<string, unknown> = {
        name: p.name,
        unique_id: `${gatewayId}_${d.name}_${p.name}`,
        state_topic: topics.state(d.name),
        value_template: p.type === 'boolean' ? `{{ 'ON' if ${value} else 'OFF' }}` : `{{ ${value} }}`,
        availability: [{ topic: topics.status }],
        availability_mode: 'all',
        device: { identifiers: [`${gatewayId}_${d.name}`], name: d.name, model: d.part, manufacturer: 'PIA Gateway', via_device: gatewayId },
      };
      const unit = p.unit === undefined ? undefined : (HA_UNITS[p.unit] ?? p.unit);
      if (unit !== undefined) config.unit_of_measurement = unit;
      const cls = p.unit === undefined ? undefined : DEVICE_CLASS[p.unit];
      if (cls !== undefined) config.device_class = cls;
      if (p.type === 'number') config.state_class = 'measurement';
      out.push({ topic: discoveryTopic(discoveryPrefix, gatewayId, d.name, p), payload: JSON.stringify(config) });
    }
  }
  return out;
}

/** Deletions (empty retained) for topics announced before and not any more. */
export function discoveryRemovals(previous: readonly string[], current: readonly DiscoveryMessage[]): DiscoveryMessage[] {
  const keep = new Set(current.map((m) => m.topic));
  return previous.filter((t) => !keep.has(t)).map((topic) => ({ topic, payload: '' }));
}
