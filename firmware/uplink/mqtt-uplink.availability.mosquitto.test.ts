/**
 * Availability that cannot go stale, against a real Mosquitto: the health carries its time and
 * when it expires; a retained `online` that a crashed broker restored is detectably stale from
 * the health and overwritten as soon as the gateway reconnects; reconnect within 2 s of the
 * broker's return after a 20 s outage, with the backoff at its floor.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../common/index.js';
import { createUplink, type MqttUplink, type UplinkConfig } from './index.js';
import { freePort, TestBroker } from './test-support/mosquitto.js';
import { uplinkRig } from './test-support/rig.js';
import { memoryLogger, sleep, subscribe, until, type Received } from './test-support/subscriber.js';

const rig = uplinkRig('availability');
const { tracker, open } = rig;

interface HealthMessage {
  state: string;
  at: string;
  atMs: number;
  intervalMs: number;
  expiresAt: string;
}

function uplink(url: string, extra: Partial<UplinkConfig> = {}, file = 'queue.db'): MqttUplink {
  const u = createUplink({ config: { url, reconnectMinMs: 100, reconnectMaxMs: 400, healthIntervalMs: 1000, ...extra }, queueFile: join(rig.dir(), file), clock: systemClock(), logger: memoryLogger(), gatewayId: 'gw1' });
  open.uplinks.push(u);
  return u;
}

const healths = (rs: readonly Received[]): (HealthMessage & { retain: boolean })[] => rs.filter((r) => r.topic === 'pia/gw1/health').map((r) => ({ ...(JSON.parse(r.payload) as HealthMessage), retain: r.retain }));

describe('MqttUplink availability', () => {
  it('the health says when it was made and when it goes stale, and is refreshed every healthIntervalMs', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const reader = await subscribe(broker.url, ['pia/gw1/health', 'pia/gw1/status'], { clientId: 'reader', clean: true });
    open.subs.push(reader);
    const before = Date.now();
    uplink(broker.url);
    await until(() => healths(reader.received).length >= 2, 'two health reports');
    const [first, second] = healths(reader.received);
    expect(first).toMatchObject({ state: 'connected', intervalMs: 1000 });
    expect(first?.atMs).toBeGreaterThanOrEqual(before);
    expect(first?.at).toBe(new Date(first?.atMs ?? 0).toISOString());
    expect(first?.expiresAt).toBe(new Date((first?.atMs ?? 0) + 2000).toISOString());
    expect((second?.atMs ?? 0) - (first?.atMs ?? 0)).toBeGreaterThanOrEqual(900); // the interval, not per message
    expect(reader.received.find((r) => r.topic === 'pia/gw1/status')?.payload).toBe('online');
  });

  it('a retained "online" restored by a crashed broker is stale by its health, and overwritten as soon as the gateway reconnects', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const first = uplink(broker.url);
    await until(() => first.health().state === 'connected', 'the first connection');
    await sleep(2500); // Mosquitto's autosave (every second): the retained online and health are on disk
    await broker.kill(); // the broker dies: no will is ever sent
    await first.close(); // the gateway is gone too
    open.uplinks = [];
    await broker.start();
    const consumer = await subscribe(broker.url, ['pia/gw1/status', 'pia/gw1/health'], { clientId: 'consumer', clean: true });
    open.subs.push(consumer);
    await until(() => healths(consumer.received).length > 0 && consumer.received.some((r) => r.topic === 'pia/gw1/status'), 'the restored retained messages');
    expect(consumer.received.find((r) => r.topic === 'pia/gw1/status')).toMatchObject({ payload: 'online', retain: true });
    const restored = healths(consumer.received)[0];
    expect(restored?.retain).toBe(true);
    // the consumer's rule (README.md, "Availability"): online counts only while the health has not expired
    await until(() => Date.now() > Date.parse(restored?.expiresAt ?? ''), 'the restored health to expire', 5000);
    const second = uplink(broker.url);
    await until(() => second.health().state === 'connected', 'the gateway back');
    await until(() => healths(consumer.received).some((h) => !h.retain), 'a live health report');
    const fresh = healths(consumer.received).find((h) => !h.retain);
    expect(Date.parse(fresh?.expiresAt ?? '')).toBeGreaterThan(Date.now());
    expect(fresh?.atMs).toBeGreaterThan(restored?.atMs ?? Infinity);
    expect(consumer.received.filter((r) => r.topic === 'pia/gw1/status' && !r.retain).map((r) => r.payload)).toEqual(['online']);
  });

  it('reconnects within 2 s of the broker coming back after a 20 s outage, with the backoff at its floor (1 s)', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const u = uplink(broker.url, { reconnectMinMs: 1000, reconnectMaxMs: 1000 });
    await until(() => u.health().state === 'connected', 'the first connection');
    await broker.kill();
    await until(() => u.health().state !== 'connected', 'the uplink to see the broker gone');
    await sleep(20_000);
    await broker.start();
    const back = Date.now();
    u.publishEvent({ device: 'd0', kind: 'tick', severity: 'info', message: 'after', at: new Date().toISOString(), by: 'device' });
    await until(() => u.health().state === 'connected', 'the reconnect', 5000);
    const reconnectMs = Date.now() - back;
    expect(reconnectMs).toBeLessThan(2000);
    await until(() => u.health().queueDepth === 0, 'the queued event delivered');
  }, 40_000);
});
