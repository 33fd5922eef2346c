/** The uplink over mqtts:// to a real Mosquitto TLS listener with a test CA. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../common/index.js';
import { ProcessTracker } from '../../common/test-support/index.js';
import { createUplink, type MqttUplink } from './index.js';
import { freePort, TestBroker } from './test-support/mosquitto.js';
import { subscribe, until, memoryLogger, type TestSubscriber } from './test-support/subscriber.js';
import { makeTestCa, type TestCa } from './test-support/test-ca.js';

const tracker = new ProcessTracker();
let dir: string;
let good: TestCa;
let other: TestCa;
let broker: TestBroker;
const uplinks: MqttUplink[] = [];
const subs: TestSubscriber[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'uplink-tls-'));
  good = makeTestCa(dir, 'good');
  other = makeTestCa(dir, 'other');
  broker = new TestBroker(tracker, await freePort(), { listenerLines: [`cafile ${good.caFile}`, `certfile ${good.certFile}`, `keyfile ${good.keyFile}`] });
  await broker.start();
});
afterAll(async () => {
  await Promise.all(uplinks.map((u) => u.close()));
  await Promise.all(subs.map((s) => s.close()));
  await tracker.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

function uplink(ca: string, name: string): MqttUplink {
  const u = createUplink({
    config: { url: `mqtts://127.0.0.1:${broker.port}`, ca, reconnectMinMs: 200, reconnectMaxMs: 1000 },
    queueFile: join(dir, `${name}.db`),
    clock: systemClock(),
    logger: memoryLogger(),
    gatewayId: name,
  });
  uplinks.push(u);
  return u;
}

describe('MqttUplink over TLS', () => {
  it('connects with the CA that signed the broker, and delivers', async () => {
    const sub = await subscribe(`mqtts://127.0.0.1:${broker.port}`, ['pia/gw-tls/#'], { clientId: 'tls-reader', clean: true, ca: good.ca });
    subs.push(sub);
    const u = uplink(good.ca, 'gw-tls');
    u.publishEvent({ device: 'door1', kind: 'forced-door', severity: 'alarm', message: 'forced', at: new Date(1).toISOString(), by: 'device' });
    await until(() => sub.received.some((r) => r.topic === 'pia/gw-tls/door1/event'), 'the event over TLS');
    expect(u.health().state).toBe('connected');
    expect(JSON.parse(sub.received.find((r) => r.topic === 'pia/gw-tls/door1/event')?.payload ?? '{}')).toMatchObject({ seq: 1, kind: 'forced-door', severity: 'alarm' });
  });

  it('refuses a broker its CA did not sign, with an error that says what to fix; the message stays queued', async () => {
    const u = uplink(other.ca, 'gw-wrong-ca');
    u.publishEvent({ device: 'door1', kind: 'forced-door', severity: 'alarm', message: 'forced', at: new Date(1).toISOString(), by: 'device' });
    await until(() => u.health().lastError !== undefined, 'the TLS error');
    const h = u.health();
    expect(h.state).not.toBe('connected');
    expect(h.lastError).toMatch(/TLS certificate not accepted.*mqtt\.caFile/);
    expect(h.queueDepth).toBe(1);
  });
});
