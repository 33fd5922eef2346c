/**
 * The ThingsBoard format against a real Mosquitto, read by a subscriber that checks what
 * ThingsBoard's gateway MQTT API expects (thingsboard.io/docs/reference/gateway-mqtt-api):
 * every telemetry entry has an integer `ts` and an object `values`, a device is connected
 * before its first telemetry, a backlog keeps its reading times, nothing is retained, close()
 * disconnects every device.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../common/index.js';
import type { DeviceDescription } from '../../devices/model/index.js';
import { createUplink, TB_TOPICS, type MqttUplink } from './index.js';
import { freePort, TestBroker } from './test-support/mosquitto.js';
import { uplinkRig } from './test-support/rig.js';
import { memoryLogger, sleep, subscribe, until, type Received } from './test-support/subscriber.js';

const rig = uplinkRig('thingsboard');
const { tracker, open } = rig;
const ok = { status: 'ok', failures: 0 } as const;

const thermometer: DeviceDescription = {
  name: 'rack-temp',
  kind: 'thermometer',
  part: 'SHT31 at i2c-1 0x44',
  properties: [{ name: 'temperature', type: 'number', unit: 'Cel', writable: false, observable: true, rt: 'pia.temperature', description: 'air temperature' }],
  actions: [],
  blobs: [],
};

function uplink(url: string, wallNow: () => number = Date.now): MqttUplink {
  const u = createUplink({ config: { url, format: 'thingsboard', reconnectMinMs: 100, reconnectMaxMs: 400 }, queueFile: join(rig.dir(), 'q.db'), clock: systemClock(), logger: memoryLogger(), gatewayId: 'gw1', wallNow });
  open.uplinks.push(u);
  return u;
}

interface Telemetry {
  device: string;
  ts: number;
  values: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks every message against ThingsBoard's gateway API, in arrival order; returns the telemetry entries. Throws on the first violation. */
function checkThingsBoard(received: readonly Received[]): { telemetry: Telemetry[]; connected: string[]; disconnected: string[] } {
  const connected = new Set<string>();
  const out = { telemetry: [] as Telemetry[], connected: [] as string[], disconnected: [] as string[] };
  for (const r of received) {
    const body = JSON.parse(r.payload) as unknown;
    if (r.retain) throw new Error(`${r.topic}: retained (ThingsBoard keeps no retained messages)`);
    if (!isObject(body)) throw new Error(`${r.topic}: not a JSON object`);
    switch (r.topic) {
      case TB_TOPICS.connect:
      case TB_TOPICS.disconnect:
        if (typeof body.device !== 'string') throw new Error(`${r.topic}: no "device" string`);
        (r.topic === TB_TOPICS.connect ? out.connected : out.disconnected).push(body.device);
        if (r.topic === TB_TOPICS.connect) connected.add(body.device);
        break;
      case TB_TOPICS.telemetry:
        for (const [device, entries] of Object.entries(body)) {
          if (!connected.has(device)) throw new Error(`telemetry for ${device} before its connect`);
          if (!Array.isArray(entries)) throw new Error(`telemetry for ${device}: not an array`);
          for (const e of entries as unknown[]) {
            if (!isObject(e) || !Number.isInteger(e.ts) || !isObject(e.values)) throw new Error(`telemetry for ${device}: ${JSON.stringify(e)} lacks an integer ts or an object values`);
            out.telemetry.push({ device, ts: e.ts as number, values: e.values });
          }
        }
        break;
      case TB_TOPICS.attributes:
        for (const [device, attrs] of Object.entries(body)) {
          if (!connected.has(device) || !isObject(attrs)) throw new Error(`attributes for ${device}: before its connect, or not an object`);
        }
        break;
      case TB_TOPICS.ownTelemetry:
        if (!Number.isInteger(body.ts) || !isObject(body.values)) throw new Error('gateway telemetry lacks an integer ts or an object values');
        break;
      default:
        throw new Error(`${r.topic}: not a topic of ThingsBoard's gateway API`);
    }
  }
  return out;
}

describe('the ThingsBoard format', () => {
  it('connects each device before its telemetry, keeps the reading times of a backlog, retains nothing, disconnects at close', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const tb = await subscribe(broker.url, ['v1/#'], { clientId: 'thingsboard', clean: false });
    open.subs.push(tb);
    await sleep(1200); // Mosquitto's autosave: the session survives the stop below
    await broker.stop();
    const start = Date.parse('2026-05-04T10:00:00.000Z');
    let wall = start;
    const u = uplink(broker.url, () => wall);
    u.announce([thermometer]);
    for (let i = 0; i < 5; i++) {
      u.publishState('rack-temp', { temperature: 20 + i }, ok);
      wall += 3_000;
    }
    u.publishEvent({ device: 'rack-fan', kind: 'stall', severity: 'alarm', message: 'no tach pulses', at: new Date(wall).toISOString(), by: 'device' }); // a device not announced
    await sleep(50);
    await broker.start();
    await until(() => checkThingsBoard(tb.received).telemetry.length >= 6, 'the backlog');
    await u.close();
    open.uplinks = [];
    await until(() => checkThingsBoard(tb.received).disconnected.length >= 2, 'the disconnects');
    const seen = checkThingsBoard(tb.received);
    const temps = seen.telemetry.filter((t) => t.device === 'gw1/rack-temp');
    expect(temps.map((t) => t.ts)).toEqual([0, 1, 2, 3, 4].map((i) => start + i * 3_000));
    expect(temps.map((t) => t.values.temperature)).toEqual([20, 21, 22, 23, 24]);
    expect(seen.telemetry.find((t) => t.device === 'gw1/rack-fan')).toMatchObject({ ts: start + 15_000, values: { event: 'stall', severity: 'alarm' } });
    expect(new Set(seen.connected)).toEqual(new Set(['gw1/rack-temp', 'gw1/rack-fan']));
    expect(seen.disconnected.sort()).toEqual(['gw1/rack-fan', 'gw1/rack-temp']);
    const late = await subscribe(broker.url, ['#'], { clientId: 'late', clean: true });
    open.subs.push(late);
    await sleep(300);
    expect(late.received).toEqual([]); // nothing retained, no will
  });

  it('the checker refuses what ThingsBoard would not take (it can fail)', () => {
    const msg = (topic: string, payload: unknown): Received => ({ topic, payload: JSON.stringify(payload), retain: false });
    expect(() => checkThingsBoard([msg(TB_TOPICS.telemetry, { d: [{ ts: 1, values: {} }] })])).toThrow(/before its connect/);
    expect(() => checkThingsBoard([msg(TB_TOPICS.connect, { device: 'd' }), msg(TB_TOPICS.telemetry, { d: [{ ts: 1.5, values: {} }] })])).toThrow(/integer ts/);
    expect(() => checkThingsBoard([msg(TB_TOPICS.connect, { device: 'd' }), msg(TB_TOPICS.telemetry, { d: [{ ts: 1, values: 3 }] })])).toThrow(/object values/);
    expect(() => checkThingsBoard([msg('pia/gw1/status', 'online')])).toThrow(/not a JSON object/);
  });
});
