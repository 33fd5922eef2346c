/** Home Assistant discovery against a real Mosquitto: configs retained, removed when a device leaves, re-sent when HA says online. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../common/index.js';
import type { DeviceDescription } from '../../devices/model/index.js';
import { createUplink, discoveryConfigs, topicsFor, type MqttUplink } from './index.js';
import { freePort, TestBroker } from './test-support/mosquitto.js';
import { memoryLogger, sleep, subscribe, until, type TestSubscriber } from './test-support/subscriber.js';
import { uplinkRig } from './test-support/rig.js';

const rig = uplinkRig('ha');
const { tracker, open } = rig;

const thermometer: DeviceDescription = {
  name: 'room-temp',
  kind: 'thermometer',
  part: 'SHT31 at i2c-1 0x44',
  properties: [
    { name: 'temperature', type: 'number', unit: 'Cel', writable: false, observable: true, rt: 'pia.temperature', description: 'air temperature' },
    { name: 'heater', type: 'boolean', writable: false, observable: false, rt: 'pia.heater', description: 'heater on' },
  ],
  actions: [],
  blobs: [],
};
const fan: DeviceDescription = { ...thermometer, name: 'rack-fan', kind: 'fan', part: 'PWM fan', properties: [{ ...thermometer.properties[0]!, name: 'rpm', unit: '/min' }] };

function uplink(url: string): MqttUplink {
  const u = createUplink({ config: { url, homeAssistant: { enabled: true }, reconnectMinMs: 100, reconnectMaxMs: 400 }, queueFile: join(rig.dir(), 'q.db'), clock: systemClock(), logger: memoryLogger(), gatewayId: 'gw1' });
  open.uplinks.push(u);
  return u;
}

/** The device configs (the gateway's own entities left out). */
const configsOf = (s: TestSubscriber): Map<string, string> => new Map(s.received.filter((r) => r.topic.endsWith('/config') && !r.topic.includes('/gateway_')).map((r) => [r.topic, r.payload]));

describe('Home Assistant discovery', () => {
  it('builds a sensor config that reads the retained state topic, with HA units and availability', () => {
    const configs = discoveryConfigs({ discoveryPrefix: 'homeassistant', gatewayId: 'gw1', topics: topicsFor('pia', 'gw1') }, [thermometer]);
    const temp = configs.find((c) => c.topic.includes('room-temp_temperature'));
    const heater = configs.find((c) => c.topic.includes('room-temp_heater'));
    expect(temp?.topic).toBe('homeassistant/sensor/gw1/room-temp_temperature/config');
    expect(JSON.parse(temp?.payload ?? '{}')).toMatchObject({
      unique_id: 'gw1_room-temp_temperature',
      state_topic: 'pia/gw1/room-temp/state',
      value_template: '{{ value_json.values["temperature"] }}',
      unit_of_measurement: '°C',
      device_class: 'temperature',
      availability: [{ topic: 'pia/gw1/status' }],
      availability_mode: 'all',
    });
    expect(heater?.topic).toBe('homeassistant/binary_sensor/gw1/room-temp_heater/config');
    expect(temp?.payload).not.toContain('"seq"');
  });

  it('retains the configs, deletes those of a device that left (also across a restart), re-sends when HA is online', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const first = uplink(broker.url);
    first.announce([thermometer, fan]);
    await until(() => first.health().queueDepth === 0 && first.health().state === 'connected', 'the configs to be delivered');
    await first.close();
    open.uplinks = [];
    const second = uplink(broker.url);
    second.announce([thermometer]); // the fan left the config
    await until(() => second.health().queueDepth === 0 && second.health().state === 'connected', 'the removal to be delivered');
    const reader = await subscribe(broker.url, ['homeassistant/#'], { clientId: 'ha', clean: true });
    open.subs.push(reader);
    await until(() => configsOf(reader).size >= 2, 'the retained configs');
    await sleep(200);
    expect([...configsOf(reader).keys()].sort()).toEqual(['homeassistant/binary_sensor/gw1/room-temp_heater/config', 'homeassistant/sensor/gw1/room-temp_temperature/config']);
    const before = reader.received.length;
    await reader.client.publishAsync('homeassistant/status', 'online', { qos: 1 });
    await until(() => reader.received.slice(before).filter((r) => r.topic.endsWith('/config') && r.topic.includes('room-temp')).length >= 2, 'the configs re-sent after HA online');
    expect(reader.received.slice(before).every((r) => !r.topic.includes('rack-fan'))).toBe(true);
  });
});
