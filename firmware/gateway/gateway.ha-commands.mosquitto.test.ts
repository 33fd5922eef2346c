/**
 * Home Assistant through PIA's grants, against a real Mosquitto and the real trusted server: a
 * client that plays Home Assistant's part reads the retained discovery configs, then commands
 * by the discovered topics (the fan to 40 %, the light on, the door unlocked, the HVAC's mode and
 * cooling setpoint, a button pressed, a camera snapshot taken) and sees the state change, the simulated building change
 * (the fan's PWM duty, the relays, the fan-coil's registers) and the audit records naming the
 * MQTT client and the subject. With a read-only grant: no command topic at all, and a command
 * sent anyway is refused on the result topic and audited as refused. Without a subject: no
 * subscription, so a command goes nowhere.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessTracker } from '../../common/test-support/index.js';
import { freePort, TestBroker } from '../uplink/test-support/mosquitto.js';
import { sleep, subscribe, type TestSubscriber } from '../uplink/test-support/subscriber.js';
import { trustedGateway, type TrustedGateway, type TrustedGatewayOptions } from './test-support/index.js';

const tracker = new ProcessTracker();
const open: { gateways: TrustedGateway[]; subs: TestSubscriber[] } = { gateways: [], subs: [] };
afterEach(async () => {
  await Promise.all(open.subs.map((s) => s.close()));
  for (const g of open.gateways) await g.close();
  open.gateways = [];
  open.subs = [];
  await tracker.stopAll();
});

async function start(o: TrustedGatewayOptions): Promise<{ t: TrustedGateway; ha: TestSubscriber; broker: TestBroker }> {
  const broker = new TestBroker(tracker, await freePort());
  await broker.start();
  const ha = await subscribe(broker.url, ['homeassistant/#', 'pia/#'], { clientId: 'home-assistant', clean: true });
  open.subs.push(ha);
  const t = await trustedGateway({ ...o, uplink: { ...o.uplink, url: broker.url } });
  open.gateways.push(t);
  return { t, ha, broker };
}

/** Advances the gateway's clock in small steps, in real time, until `cond` holds. */
async function drive(t: TrustedGateway, cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await t.clock.advance(25);
    await sleep(2);
  }
}

type Json = Record<string, unknown>;
const configs = (ha: TestSubscriber): Map<string, Json> => new Map(ha.received.filter((r) => r.topic.endsWith('/config') && r.payload !== '').map((r) => [r.topic, JSON.parse(r.payload) as Json]));
const config = (ha: TestSubscriber, suffix: string): Json | undefined => [...configs(ha)].find(([topic]) => topic.endsWith(suffix))?.[1];
const results = (ha: TestSubscriber, topic: string): Json[] => ha.received.filter((r) => r.topic === topic).map((r) => JSON.parse(r.payload) as Json);
const audit = (t: TrustedGateway): Json[] =>
  readFileSync(t.gateway.audit.path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Json);

/** Publishes like Home Assistant and waits for the command's result. */
async function command(t: TrustedGateway, ha: TestSubscriber, topic: string, payload: string): Promise<Json> {
  const resultTopic = topic.replace(/\/(set|call)$/, '/result');
  const before = results(ha, resultTopic).length;
  await ha.client.publishAsync(topic, payload, { qos: 1 });
  await drive(t, () => results(ha, resultTopic).length > before, `the result on ${resultTopic}`);
  return results(ha, resultTopic)[before] ?? {};
}

const str = (v: unknown): string => (typeof v === 'string' ? v : expect.fail(`not a topic: ${JSON.stringify(v)}`));

describe('Home Assistant commands through the uplink subject\'s grants', () => {
  it('commands by the discovered topics change the building, the state and the audit log', async () => {
    const { t, ha, broker } = await start({
      uplink: { url: '', subject: { label: 'home-assistant', grants: [{ devices: 'rack-fan', rights: ['control'] }, { devices: 'office-*', rights: ['control'] }, { devices: 'front-door', rights: ['control'] }, { devices: 'lobby-camera', rights: ['call:snapshot'] }] } },
    });
    const jpegs: Buffer[] = [];
    ha.client.on('message', (topic, payload) => void (topic.endsWith('/lobby-camera/snapshot') && jpegs.push(payload)));
    const gw = t.gatewayId;
    await drive(t, () => config(ha, '/rack-fan_fan/config') !== undefined, 'the fan entity with its command topic (grants fetched)');
    const fan = config(ha, '/rack-fan_fan/config') ?? {};
    const light = config(ha, '/office-lights_light/config') ?? {};
    const lock = config(ha, '/front-door_lock/config') ?? {};
    const climate = config(ha, '/office-hvac_climate/config') ?? {};
    const lockButton = config(ha, '/front-door_lock_button/config') ?? {};
    expect(config(ha, `/${gw}/gateway_status/config`)).toMatchObject({ device: { identifiers: [gw] } });
    expect(config(ha, '/safe_lock/config')).toBeUndefined(); // no grant on the safe: its state only
    expect(config(ha, '/safe_locked/config')).toMatchObject({ device_class: 'lock' });

    // the fan to 40 %: the PWM duty in the building, the retained state
    expect(await command(t, ha, str(fan.percentage_command_topic), '40')).toMatchObject({ ok: true });
    expect(t.building.parts.fan.dutyFraction).toBeCloseTo(0.4, 2);
    const fanState = (): unknown => ha.received.filter((r) => r.topic === `pia/${gw}/rack-fan/state`).map((r) => (JSON.parse(r.payload) as { values: { speed: unknown } }).values.speed).at(-1);
    await drive(t, () => fanState() === 40, 'the fan state at 40');
    // the light on, the door unlocked, the HVAC heating with a cooling setpoint of 26 °C
    expect(await command(t, ha, str(light.command_topic), 'ON')).toMatchObject({ ok: true });
    expect(t.building.parts.lighting.on).toBe(true);
    expect(await command(t, ha, str(lock.command_topic), str(lock.payload_unlock))).toMatchObject({ ok: true });
    expect(t.building.parts.door.locked).toBe(false);
    const unlocked = (): Json | undefined => ha.received.filter((r) => r.topic === `pia/${gw}/front-door/event`).map((r) => JSON.parse(r.payload) as Json).find((e) => e.kind === 'unlocked');
    await drive(t, () => unlocked() !== undefined, 'the unlocked event');
    expect(unlocked()?.by).toBe(t.subjectId); // the event names who asked: the uplink's subject
    await drive(t, () => (JSON.parse(ha.received.filter((r) => r.topic === `pia/${gw}/office-hvac/state`).at(-1)?.payload ?? '{"values":{}}') as { values: { mode?: unknown } }).values.mode !== undefined && t.gateway.device('office-hvac')?.device.read().mode !== null, 'the HVAC polled');
    expect(await command(t, ha, str(climate.mode_command_topic), 'heat')).toMatchObject({ ok: true });
    expect(await command(t, ha, str(climate.temperature_high_command_topic), '26')).toMatchObject({ ok: true });
    expect([t.building.parts.hvac.unit.raw('power'), t.building.parts.hvac.unit.raw('mode'), t.building.parts.hvac.unit.raw('setpoint_cooling')]).toEqual([1, 4, 260]);
    // a button: lock the door again
    expect(await command(t, ha, str(lockButton.command_topic), str(lockButton.payload_press))).toMatchObject({ ok: true });
    expect(t.building.parts.door.locked).toBe(true);

    // the camera's snapshot button: the JPEG retained on the camera entity's topic
    const camera = config(ha, '/lobby-camera_camera/config') ?? {};
    const snapshotButton = config(ha, '/lobby-camera_snapshot/config') ?? {};
    expect(config(ha, '/lobby-camera_resolution/config')).not.toHaveProperty('command_topic'); // call:snapshot is not control
    expect(await command(t, ha, str(snapshotButton.command_topic), 'PRESS')).toMatchObject({ ok: true });
    await drive(t, () => jpegs.length > 0, 'the snapshot on the camera topic');
    expect(str(camera.topic)).toBe(`pia/${gw}/lobby-camera/snapshot`);
    expect([...(jpegs[0] ?? Buffer.alloc(0)).subarray(0, 2)]).toEqual([0xff, 0xd8]); // JPEG SOI
    expect(ha.received.find((r) => r.topic === str(camera.topic))?.retain).toBe(false); // live, as published; a late subscriber gets it retained:
    const late = await subscribe(broker.url, [str(camera.topic)], { clientId: 'late', clean: true });
    open.subs.push(late);
    await drive(t, () => late.received.length > 0, 'the retained snapshot');
    expect(late.received[0]?.retain).toBe(true);

    const records = audit(t).filter((r) => r.event === 'command' && typeof r.request === 'string' && r.request.startsWith('MQTT'));
    expect(records.map((r) => r.request)).toEqual(['MQTT set rack-fan/speed', 'MQTT set office-lights/on', 'MQTT set front-door/locked', 'MQTT set office-hvac/mode', 'MQTT set office-hvac/coolingSetpoint', 'MQTT call front-door/lock', 'MQTT call lobby-camera/snapshot']);
    for (const r of records) expect(r).toMatchObject({ result: 'ok', phase: 3, subject: t.subjectId, client: `mqtt client pia-${gw}` });
    expect(String(records[0]?.who)).toContain('home-assistant');

    // a bad payload: a clear result, no audit record, the gateway runs on
    expect(await command(t, ha, str(fan.percentage_command_topic), 'fast')).toMatchObject({ ok: false, error: 'invalid', reason: expect.stringMatching(/"fast" is not a number; send a number in 0–100/) as unknown });
    expect(await command(t, ha, str(fan.percentage_command_topic), '150')).toMatchObject({ ok: false, error: 'failed' });
    expect(t.building.parts.fan.dutyFraction).toBeCloseTo(0.4, 2);
    const metrics = await t.gateway.metrics();
    for (const outcome of ['ok', 'invalid', 'failed']) expect(metrics).toContain(`pia_gateway_commands_total{device="rack-fan",name="speed",transport="mqtt",outcome="${outcome}"} 1`);
    expect(metrics).toContain('pia_gateway_commands_total{device="front-door",name="locked",transport="mqtt",outcome="ok"} 1');
  });

  it('with a read-only grant: state entities only, and a command sent anyway is refused and audited', async () => {
    const { t, ha } = await start({ uplink: { url: '', subject: { label: 'ha-viewer', grants: [{ devices: '*', rights: ['read'] }] } } });
    const gw = t.gatewayId;
    await drive(t, () => t.logs.some((l) => /1 grant\(s\) on this gateway/.test(String(l.msg))), 'the grants fetched');
    await drive(t, () => config(ha, '/office-hvac_climate/config') !== undefined && config(ha, '/rack-fan_speed/config') !== undefined, 'the discovery configs');
    for (const [topic, c] of configs(ha)) expect(Object.keys(c).filter((k) => k.endsWith('command_topic')), topic).toEqual([]);
    const duty = t.building.parts.fan.dutyFraction;
    const r = await command(t, ha, `pia/${gw}/rack-fan/speed/set`, '40');
    expect(r).toMatchObject({ ok: false, error: 'refused', reason: expect.stringMatching(/has no grant with "control" on device "rack-fan"/) as unknown });
    expect(typeof r.at).toBe('string');
    expect(t.building.parts.fan.dutyFraction).toBe(duty);
    const refused = audit(t).filter((x) => x.event === 'refused' && x.request === 'MQTT set rack-fan/speed');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ subject: t.subjectId, client: `mqtt client pia-${gw}`, result: expect.stringMatching(/^refused: /) as unknown });
    expect(ha.received.filter((x) => x.topic.endsWith('/result')).every((x) => !x.retain)).toBe(true);
    expect(t.gateway.health().uplink).toMatchObject({ commands: { subject: t.subjectId, grants: { outcome: 'ok', grants: 1 }, commands: { received: 1, refused: 1, done: 0 } } });
  });

  it('without a subject the uplink subscribes to no command topic', async () => {
    const { t, ha } = await start({ uplink: { url: '' } });
    const gw = t.gatewayId;
    await drive(t, () => config(ha, '/rack-fan_speed/config') !== undefined, 'the discovery configs');
    expect(config(ha, '/rack-fan_fan/config')).toBeUndefined();
    const duty = t.building.parts.fan.dutyFraction;
    await ha.client.publishAsync(`pia/${gw}/rack-fan/speed/set`, '40', { qos: 1 });
    for (let i = 0; i < 40; i++) {
      await t.clock.advance(25);
      await sleep(5);
    }
    expect(ha.received.filter((x) => x.topic.endsWith('/result'))).toEqual([]);
    expect(t.building.parts.fan.dutyFraction).toBe(duty);
  });
});
