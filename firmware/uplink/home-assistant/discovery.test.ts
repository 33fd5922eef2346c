/** Home Assistant discovery and command translation for every device kind of the demo building (their real descriptions). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceDescription } from '../../../devices/model/index.js';
import { memoryGateway, type MemoryGateway } from '../../gateway/test-support/index.js';
import { topicsFor } from '../topics.js';
import { translateCommand, MAX_COMMAND_BYTES } from './commands.js';
import { discoveryConfigs, discoveryRemovals } from './discovery.js';

let t: MemoryGateway;
let devices: DeviceDescription[];
beforeAll(async () => {
  t = await memoryGateway();
  devices = t.gateway.devices.map((d) => d.device.describe());
});
afterAll(async () => t.close());

const topics = topicsFor('pia', 'gw1');
const everything = (): boolean => true;
const readOnly = (_device: string, access: string): boolean => access === 'read';
type Config = Record<string, unknown> & { device: { identifiers: string[]; via_device?: string } };

function configs(allowed?: (device: string, access: string) => boolean): Map<string, Config> {
  const list = discoveryConfigs({ discoveryPrefix: 'homeassistant', gatewayId: 'gw1', topics, ...(allowed === undefined ? {} : { allowed }) }, devices);
  return new Map(list.map((m) => [m.topic, JSON.parse(m.payload) as Config]));
}
const desc = (name: string): DeviceDescription => devices.find((d) => d.name === name) ?? expect.fail(`no ${name}`);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('Home Assistant discovery', () => {
  it('announces fan, light, lock, climate, camera and buttons with command topics when the subject may control', () => {
    const c = configs(everything);
    expect(c.get('homeassistant/fan/gw1/rack-fan_fan/config')).toMatchObject({ command_topic: 'pia/gw1/rack-fan/speed/set', percentage_command_topic: 'pia/gw1/rack-fan/speed/set', percentage_state_topic: 'pia/gw1/rack-fan/state' });
    expect(c.get('homeassistant/light/gw1/office-lights_light/config')).toMatchObject({ command_topic: 'pia/gw1/office-lights/on/set', brightness_command_topic: 'pia/gw1/office-lights/level/set', brightness_scale: 100 });
    expect(c.get('homeassistant/lock/gw1/front-door_lock/config')).toMatchObject({ command_topic: 'pia/gw1/front-door/locked/set', payload_lock: 'LOCK', payload_unlock: 'UNLOCK', state_locked: 'LOCKED', state_unlocked: 'UNLOCKED' });
    expect(c.get('homeassistant/lock/gw1/front-door_lock/config')?.value_template).toContain("'LOCKED' if");
    const climate = c.get('homeassistant/climate/gw1/office-hvac_climate/config');
    expect(climate).toMatchObject({ modes: ['off', 'auto', 'cool', 'dry', 'fan_only', 'heat'], mode_command_topic: 'pia/gw1/office-hvac/mode/set', temperature_high_command_topic: 'pia/gw1/office-hvac/coolingSetpoint/set', temperature_low_command_topic: 'pia/gw1/office-hvac/heatingSetpoint/set', fan_modes: ['low', 'medium', 'high', 'auto'] });
    const hvac = desc('office-hvac').properties.find((p) => p.name === 'coolingSetpoint');
    expect([climate?.min_temp, climate?.max_temp]).toEqual([hvac?.min, hvac?.max]);
    expect(c.get('homeassistant/camera/gw1/lobby-camera_camera/config')).toMatchObject({ topic: 'pia/gw1/lobby-camera/snapshot' });
    expect(c.get('homeassistant/button/gw1/lobby-camera_snapshot/config')).toMatchObject({ command_topic: 'pia/gw1/lobby-camera/snapshot/call', payload_press: 'PRESS' });
    expect(c.get('homeassistant/button/gw1/front-door_unlock_button/config')).toMatchObject({ command_topic: 'pia/gw1/front-door/unlock/call' });
    expect(c.get('homeassistant/select/gw1/lobby-camera_resolution/config')).toMatchObject({ command_topic: 'pia/gw1/lobby-camera/resolution/set', options: ['640x480', '320x240', '160x120'] });
  });

  it('gives sensors their device classes and units, and announces the gateway the devices name in via_device', () => {
    const c = configs();
    expect(c.get('homeassistant/sensor/gw1/office-climate_pressure/config')).toMatchObject({ device_class: 'pressure', unit_of_measurement: 'Pa', state_class: 'measurement' });
    expect(c.get('homeassistant/sensor/gw1/office-climate_humidity/config')).toMatchObject({ device_class: 'humidity', unit_of_measurement: '%' });
    expect(c.get('homeassistant/sensor/gw1/rack-temp_temperature/config')).toMatchObject({ device_class: 'temperature', unit_of_measurement: '°C' });
    expect(c.get('homeassistant/binary_sensor/gw1/front-door_open/config')).toMatchObject({ device_class: 'door' });
    // A wall-clock time is a timestamp sensor, not a measurement with a unit.
    const taken = c.get('homeassistant/sensor/gw1/lobby-camera_lastSnapshotAt/config');
    expect(taken).toMatchObject({ device_class: 'timestamp' });
    expect(taken).not.toHaveProperty('unit_of_measurement');
    expect(taken).not.toHaveProperty('state_class');
    expect(c.get('homeassistant/binary_sensor/gw1/gateway_status/config')).toMatchObject({ device_class: 'connectivity', state_topic: 'pia/gw1/status', device: { identifiers: ['gw1'] } });
    expect(c.get('homeassistant/sensor/gw1/gateway_queueDepth/config')).toMatchObject({ state_topic: 'pia/gw1/health', entity_category: 'diagnostic' });
    expect(c.get('homeassistant/sensor/gw1/gateway_devicesFailed/config')).toMatchObject({ state_topic: 'pia/gw1/_gateway/state', value_template: '{{ value_json.values.devicesFailed }}', device: { identifiers: ['gw1'] } });
    expect(c.get('homeassistant/binary_sensor/gw1/gateway_problem/config')).toMatchObject({ device_class: 'problem', state_topic: 'pia/gw1/_gateway/state' });
    const gatewayIds = new Set([...c.values()].flatMap((x) => x.device.identifiers));
    for (const [topic, x] of c) {
      expect(topic).toMatch(/^homeassistant\/[a-z_]+\/gw1\/[A-Za-z0-9_-]+\/config$/);
      if (x.device.via_device !== undefined) expect(gatewayIds.has(x.device.via_device)).toBe(true);
      if (!topic.includes('gateway_status')) expect(x.availability).toEqual([{ topic: 'pia/gw1/status' }]);
      expect(x).not.toHaveProperty('seq');
    }
  });

  it('with a read-only grant (or no subject) announces state entities only: no command topic anywhere', () => {
    for (const allowed of [readOnly, undefined]) {
      const c = configs(allowed);
      for (const [topic, x] of c) {
        expect(Object.keys(x).filter((k) => k.endsWith('command_topic')), topic).toEqual([]);
        expect(topic).not.toMatch(/\/(button|fan|light|lock|switch|number|select)\//);
      }
      expect(c.get('homeassistant/binary_sensor/gw1/front-door_locked/config')).toMatchObject({ device_class: 'lock', value_template: expect.stringContaining("'OFF' if") as unknown });
      expect(c.get('homeassistant/sensor/gw1/rack-fan_speed/config')).toMatchObject({ unit_of_measurement: '%' });
      expect(c.has('homeassistant/climate/gw1/office-hvac_climate/config')).toBe(true);
    }
  });

  it('deletes the configs of entities that went (a grant narrowed, a device removed)', () => {
    const before = [...configs(everything).keys()];
    const after = discoveryConfigs({ discoveryPrefix: 'homeassistant', gatewayId: 'gw1', topics, allowed: readOnly }, devices);
    const removed = discoveryRemovals(before, after).map((m) => m.topic);
    expect(removed).toContain('homeassistant/lock/gw1/front-door_lock/config');
    expect(removed).toContain('homeassistant/button/gw1/lobby-camera_snapshot/config');
    expect(removed).not.toContain('homeassistant/sensor/gw1/rack-temp_temperature/config');
  });
});

describe('commands from Home Assistant', () => {
  it('turns HA payloads into device writes and calls, each with the access it needs', () => {
    expect(translateCommand(desc('rack-fan'), 'speed', 'set', bytes('40'))).toEqual({ ok: true, ops: [{ op: 'set', property: 'speed', value: 40, access: 'control' }] });
    expect(translateCommand(desc('rack-fan'), 'speed', 'set', bytes('OFF'))).toMatchObject({ ok: true, ops: [{ value: 0 }] });
    expect(translateCommand(desc('office-lights'), 'on', 'set', bytes('ON'))).toMatchObject({ ok: true, ops: [{ property: 'on', value: true }] });
    expect(translateCommand(desc('front-door'), 'locked', 'set', bytes('UNLOCK'))).toEqual({ ok: true, ops: [{ op: 'call', action: 'unlock', params: {}, access: 'call:unlock' }] });
    expect(translateCommand(desc('front-door'), 'locked', 'set', bytes('LOCK'))).toMatchObject({ ok: true, ops: [{ action: 'lock', access: 'control' }] });
    expect(translateCommand(desc('office-hvac'), 'mode', 'set', bytes('off'))).toMatchObject({ ok: true, ops: [{ property: 'power', value: false }] });
    expect(translateCommand(desc('office-hvac'), 'mode', 'set', bytes('fan_only'))).toMatchObject({ ok: true, ops: [{ property: 'power', value: true }, { property: 'mode', value: 'fan' }] });
    expect(translateCommand(desc('office-hvac'), 'coolingSetpoint', 'set', bytes('24.5'))).toMatchObject({ ok: true, ops: [{ property: 'coolingSetpoint', value: 24.5 }] });
    expect(translateCommand(desc('front-door'), 'unlock', 'call', bytes('PRESS'))).toMatchObject({ ok: true, ops: [{ action: 'unlock', params: {} }] });
    expect(translateCommand(desc('front-door'), 'unlock', 'call', bytes('{"seconds":3}'))).toMatchObject({ ok: true, ops: [{ params: { seconds: 3 } }] });
    expect(translateCommand(desc('lobby-camera'), 'snapshot', 'call', bytes('PRESS'))).toMatchObject({ ok: true, ops: [{ op: 'snapshot', access: 'call:snapshot' }] });
  });

  it('refuses bad payloads with the device, the name and the fix', () => {
    const cases: [DeviceDescription, string, 'set' | 'call', Uint8Array, RegExp][] = [
      [desc('rack-fan'), 'speed', 'set', bytes('fast'), /device "rack-fan" property "speed": "fast" is not a number; send a number in 0–100/],
      [desc('rack-fan'), 'rpm', 'set', bytes('1'), /property "rpm": the property is read-only; writable: speed/],
      [desc('rack-fan'), 'nope', 'set', bytes('1'), /no such property; properties: speed/],
      [desc('front-door'), 'locked', 'set', bytes('OPEN'), /"OPEN" is neither LOCK nor UNLOCK; send LOCK or UNLOCK/],
      [desc('front-door'), 'unlock', 'call', bytes('[1]'), /not a JSON object of parameters; send PRESS, nothing, or e.g. \{"seconds": …\}/],
      [desc('front-door'), 'explode', 'call', bytes(''), /action "explode": no such action; actions: unlock, lock/],
      [desc('office-lights'), 'on', 'set', Uint8Array.of(0xff, 0xfe), /not UTF-8/],
      [desc('office-lights'), 'on', 'set', new Uint8Array(MAX_COMMAND_BYTES + 1).fill(0x31), /payload of 1025 bytes is over 1024/],
    ];
    for (const [d, name, verb, payload, error] of cases) {
      const r = translateCommand(d, name, verb, payload);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(error);
    }
  });
});
