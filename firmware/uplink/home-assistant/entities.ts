/**
 * One device → its Home Assistant entities (Home Assistant docs, "MQTT Discovery" and the MQTT
 * fan, light, lock, climate, camera, button, switch, number, select, sensor and binary_sensor
 * integrations). Every entity reads the device's retained state topic
 * (`{"seq","values":{…},"health"}`) with a template on `values`.
 *
 *   1. the kind's main entity, which takes some properties: fan (speed → on/off and
 *      percentage), light (on, level → brightness 0–100), lock (locked: LOCKED/UNLOCKED; LOCK and
 *      UNLOCK call the lock/unlock actions), climate (power and mode → HA modes with "off",
 *      fan speed, heating/cooling setpoints as the low/high target with the limits of the unit's
 *      register map, room temperature), camera (the snapshot topic, raw JPEG);
 *   2. every other property: a control when it is writable and allowed (switch, number,
 *      select), else a sensor or binary_sensor with its device class;
 *   3. a button for each action whose parameters are all optional, and the camera's
 *      "snapshot" (needs `call:snapshot`), when allowed.
 * Must hold: a command topic appears only when `allowed(device, access)` says the uplink's
 * subject holds that access (README.md, "Commands"): a read-only grant yields state entities
 * only, and an entity HA requires a command topic for (fan, light, lock) falls back to its
 * state entities then. A lock's binary_sensor uses HA's `lock` class (on = unlocked).
 */
import type { ActionSpec, DeviceDescription, PropertySpec } from '../../../devices/model/index.js';
import type { Topics } from '../topics.js';

export type Component = 'sensor' | 'binary_sensor' | 'fan' | 'light' | 'lock' | 'climate' | 'camera' | 'button' | 'switch' | 'number' | 'select';

export interface Entity {
  readonly component: Component;
  /** Unique within the device: the discovery topic's object id is `<device>_<key>`. */
  readonly key: string;
  readonly config: Record<string, unknown>;
}

export interface EntityContext {
  readonly topics: Topics;
  /** May the uplink's subject do `access` ("control", "call:<name>") on this device? */
  readonly allowed: (device: string, access: string) => boolean;
}

/** Units as HA shows them (UCUM-ish symbols of devices/model → HA's). */
const HA_UNITS: Readonly<Record<string, string>> = { Cel: '°C', '%RH': '%', '%': '%', '/min': 'rpm', Pa: 'Pa', W: 'W', lx: 'lx', By: 'B', s: 's', ms: 'ms' };
const SENSOR_CLASS: Readonly<Record<string, string>> = { Cel: 'temperature', '%RH': 'humidity', Pa: 'pressure', W: 'power', lx: 'illuminance', By: 'data_size', s: 'duration' };
const BINARY_CLASS: Readonly<Record<string, string>> = { open: 'door', stalled: 'problem', failSafe: 'problem' };
/** HA climate modes (the mode property's values, "fan" → "fan_only", and "off" for power off). */
export const HA_MODE: Readonly<Record<string, string>> = { auto: 'auto', cool: 'cool', heat: 'heat', dry: 'dry', fan: 'fan_only' };

const v = (p: string): string => `value_json.values[${JSON.stringify(p)}]`;
const onOff = (expr: string): string => `{{ 'ON' if ${expr} else 'OFF' }}`;

export function deviceEntities(d: DeviceDescription, c: EntityContext): Entity[] {
  const prop = (n: string): PropertySpec | undefined => d.properties.find((p) => p.name === n);
  const can = (access: string): boolean => c.allowed(d.name, access);
  const state = c.topics.state(d.name);
  const set = (p: string): string => c.topics.command(d.name, p, 'set');
  const out: Entity[] = [];
  const taken = new Set<string>();
  const take = (...names: string[]): void => names.forEach((n) => taken.add(n));

  // 1. the kind's main entity
  const speed = prop('speed');
  if (d.kind === 'fan' && speed?.writable === true && can('control')) {
    take('speed');
    out.push({
      component: 'fan',
      key: 'fan',
      config: { name: null, command_topic: set('speed'), state_topic: state, state_value_template: onOff(`(${v('speed')} or 0) > 0`), percentage_command_topic: set('speed'), percentage_state_topic: state, percentage_value_template: `{{ ${v('speed')} }}`, speed_range_min: 1, speed_range_max: 100 },
    });
  }
  const on = prop('on');
  const level = prop('level');
  if (d.kind === 'lighting' && on?.writable === true && can('control')) {
    take('on');
    const config: Record<string, unknown> = { name: null, command_topic: set('on'), state_topic: state, state_value_template: onOff(v('on')), payload_on: 'ON', payload_off: 'OFF' };
    if (level?.writable === true) {
      take('level');
      Object.assign(config, { brightness_command_topic: set('level'), brightness_scale: 100, brightness_state_topic: state, brightness_value_template: `{{ ${v('level')} }}`, on_command_type: 'last' });
    }
    out.push({ component: 'light', key: 'light', config });
  }
  const locked = prop('locked');
  const hasLockActions = d.actions.some((a) => a.name === 'lock') && d.actions.some((a) => a.name === 'unlock');
  if (locked !== undefined && hasLockActions && can('call:unlock')) {
    take('locked');
    out.push({
      component: 'lock',
      key: 'lock',
      config: { name: null, command_topic: set('locked'), payload_lock: 'LOCK', payload_unlock: 'UNLOCK', state_topic: state, value_template: `{{ 'LOCKED' if ${v('locked')} else 'UNLOCKED' }}`, state_locked: 'LOCKED', state_unlocked: 'UNLOCKED' },
    });
  } else if (locked !== undefined) {
    take('locked');
    out.push({ component: 'binary_sensor', key: 'locked', config: { name: 'Lock', device_class: 'lock', state_topic: state, value_template: `{{ 'OFF' if ${v('locked')} else 'ON' }}` } });
  }
  if (d.kind === 'hvac') out.push(climate(d, c, take));
  if (d.kind === 'camera' && d.blobs.some((b) => b.name === 'snapshot')) {
    out.push({ component: 'camera', key: 'camera', config: { name: null, topic: c.topics.snapshot(d.name) } });
    if (can('call:snapshot')) out.push({ component: 'button', key: 'snapshot', config: { name: 'Take snapshot', command_topic: c.topics.command(d.name, 'snapshot', 'call'), payload_press: 'PRESS' } });
  }

  // 2. every other property
  for (const p of d.properties) if (!taken.has(p.name)) out.push(propertyEntity(p, state, p.writable && can('control') ? set(p.name) : undefined, d.kind));
  // 3. buttons
  for (const a of d.actions) if (pressable(a) && can(a.right)) out.push({ component: 'button', key: `${a.name}_button`, config: { name: title(a.name), command_topic: c.topics.command(d.name, a.name, 'call'), payload_press: 'PRESS' } });
  return out;
}

function climate(d: DeviceDescription, c: EntityContext, take: (...n: string[]) => void): Entity {
  const state = c.topics.state(d.name);
  const prop = (n: string): PropertySpec | undefined => d.properties.find((p) => p.name === n);
  const control = c.allowed(d.name, 'control');
  const set = (p: string): string => c.topics.command(d.name, p, 'set');
  const config: Record<string, unknown> = { name: null, temperature_unit: 'C', precision: 0.5, temp_step: 0.5 };
  const mode = prop('mode');
  const power = prop('power');
  if (mode?.values !== undefined) {
    take('mode');
    const modes = mode.values.map((m) => HA_MODE[m] ?? m);
    config.modes = power === undefined ? modes : ['off', ...modes];
    const mapped = mode.values.map((m) => `'${m}': '${HA_MODE[m] ?? m}'`).join(', ');
    const off = power === undefined ? '' : `'off' if ${v('power')} == false else `;
    config.mode_state_topic = state;
    config.mode_state_template = `{{ ${off}({${mapped}}).get(${v('mode')}, 'off') }}`;
    if (control && mode.writable) config.mode_command_topic = set('mode');
  }
  if (power !== undefined) {
    take('power');
    if (control && power.writable) Object.assign(config, { power_command_topic: set('power'), payload_on: 'ON', payload_off: 'OFF' });
  }
  const fan = prop('fanSpeed');
  if (fan?.values !== undefined) {
    take('fanSpeed');
    Object.assign(config, { fan_modes: fan.values, fan_mode_state_topic: state, fan_mode_state_template: `{{ ${v('fanSpeed')} }}` });
    if (control && fan.writable) config.fan_mode_command_topic = set('fanSpeed');
  }
  const room = prop('roomTemperature');
  if (room !== undefined) Object.assign(config, { current_temperature_topic: state, current_temperature_template: `{{ ${v('roomTemperature')} }}` });
  const limits: number[] = [];
  for (const [name, end] of [
    ['heatingSetpoint', 'low'],
    ['coolingSetpoint', 'high'],
  ] as const) {
    const p = prop(name);
    if (p === undefined) continue;
    take(name);
    if (p.min !== undefined) limits.push(p.min);
    if (p.max !== undefined) limits.push(p.max);
    config[`temperature_${end}_state_topic`] = state;
    config[`temperature_${end}_state_template`] = `{{ ${v(name)} }}`;
    if (control && p.writable) config[`temperature_${end}_command_topic`] = set(name);
  }
  if (limits.length > 0) Object.assign(config, { min_temp: Math.min(...limits), max_temp: Math.max(...limits) });
  return { component: 'climate', key: 'climate', config };
}

function propertyEntity(p: PropertySpec, state: string, commandTopic: string | undefined, kind: string): Entity {
  const base: Record<string, unknown> = { name: title(p.name), state_topic: state };
  const unit = p.unit === undefined ? undefined : (HA_UNITS[p.unit] ?? p.unit);
  if (p.type === 'boolean') {
    const value_template = onOff(v(p.name));
    if (commandTopic !== undefined) return { component: 'switch', key: p.name, config: { ...base, value_template, command_topic: commandTopic, payload_on: 'ON', payload_off: 'OFF' } };
    const cls = p.name === 'open' && kind !== 'door' && kind !== 'safe' ? undefined : BINARY_CLASS[p.name];
    return { component: 'binary_sensor', key: p.name, config: { ...base, value_template, ...(cls === undefined ? {} : { device_class: cls }) } };
  }
  const value_template = `{{ ${v(p.name)} }}`;
  // A wall-clock time (ISO 8601, devices/README.md "Times"): HA's timestamp sensor, never a measurement; null (none yet) → unknown.
  if (p.kind === 'timestamp') {
    return { component: 'sensor', key: p.name, config: { ...base, value_template: `{{ ${v(p.name)} if ${v(p.name)} is not none else None }}`, device_class: 'timestamp' } };
  }
  if (p.type === 'string' && p.values !== undefined) {
    if (commandTopic !== undefined) return { component: 'select', key: p.name, config: { ...base, value_template, command_topic: commandTopic, options: p.values } };
    return { component: 'sensor', key: p.name, config: { ...base, value_template, device_class: 'enum', options: p.values } };
  }
  if (p.type === 'number' && commandTopic !== undefined && p.min !== undefined && p.max !== undefined) {
    return { component: 'number', key: p.name, config: { ...base, value_template, command_topic: commandTopic, min: p.min, max: p.max, step: 1, mode: 'slider', ...(unit === undefined ? {} : { unit_of_measurement: unit }) } };
  }
  const config: Record<string, unknown> = { ...base, value_template };
  if (p.type === 'number') {
    const cls = p.unit === undefined ? undefined : SENSOR_CLASS[p.unit];
    if (unit !== undefined) config.unit_of_measurement = unit;
    if (cls !== undefined) config.device_class = cls;
    config.state_class = 'measurement';
  }
  return { component: 'sensor', key: p.name, config };
}

/** An action HA can press: no required parameter. */
export function pressable(a: ActionSpec): boolean {
  return a.params.every((p) => !p.required);
}

/** "coolingSetpoint" → "Cooling setpoint". */
export function title(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
