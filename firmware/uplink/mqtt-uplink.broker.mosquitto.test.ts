/**
 * The uplink against a real Mosquitto: broker killed with SIGKILL mid-stream,
 * gateway restarted while the broker is down, a full queue, the retained health and state.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../common/index.js';
import { killGroup, TSX } from '../../common/test-support/index.js';
import type { DeviceEvent } from '../../devices/model/index.js';
import { createUplink, type MqttUplink, type UplinkConfig } from './index.js';
import { freePort, TestBroker } from './test-support/mosquitto.js';
import { memoryLogger, sleep, subscribe, until, type Received, type TestSubscriber } from './test-support/subscriber.js';
import { uplinkRig } from './test-support/rig.js';

const rig = uplinkRig('test');
const { tracker, open } = rig;

function uplink(url: string, extra: Partial<UplinkConfig> = {}): MqttUplink {
  const u = createUplink({
    config: { url, reconnectMinMs: 100, reconnectMaxMs: 400, drainRatePerSec: 2000, ...extra },
    queueFile: join(rig.dir(), 'queue.db'),
    clock: systemClock(),
    logger: memoryLogger(),
    gatewayId: 'gw1',
  });
  open.uplinks.push(u);
  return u;
}

const event = (device: string, n: number): DeviceEvent => ({ device, kind: 'tick', severity: 'info', message: String(n), at: new Date(n).toISOString(), by: 'device' });

/** The events per device after de-duplication on seq (a consumer keeps seq > the last seen). */
function dedupe(received: readonly Received[]): Map<string, { seq: number; n: number }[]> {
  const out = new Map<string, { seq: number; n: number }[]>();
  let lastSeq = 0;
  for (const r of received) {
    if (!r.topic.endsWith('/event')) continue;
    const p = JSON.parse(r.payload) as { seq: number; device: string; message: string };
    if (p.seq <= lastSeq) continue;
    lastSeq = p.seq;
    const list = out.get(p.device) ?? [];
    list.push({ seq: p.seq, n: Number(p.message) });
    out.set(p.device, list);
  }
  return out;
}

/** A persistent-session subscriber registered with the broker before an outage (the broker saves it on SIGTERM). */
async function persistentSubscriber(broker: TestBroker): Promise<TestSubscriber> {
  const sub = await subscribe(broker.url, ['pia/gw1/+/event', 'pia/gw1/+/state'], { clientId: 'consumer', clean: false });
  open.subs.push(sub);
  return sub;
}

describe('MqttUplink with a real Mosquitto', () => {
  it('loses nothing when the broker is killed with SIGKILL mid-stream and restarted; order per device holds', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const sub = await persistentSubscriber(broker);
    await sleep(1200); // past autosave_interval: the session is on disk before the kill
    const u = uplink(broker.url);
    await until(() => u.health().state === 'connected', 'the uplink to connect');
    let n = 0;
    const timer = setInterval(() => {
      for (const d of ['d0', 'd1']) u.publishEvent(event(d, n));
      n++;
    }, 10);
    await sleep(500);
    await broker.kill();
    await sleep(1500);
    const down = u.health();
    expect(down.state).not.toBe('connected');
    expect(down.queueDepth).toBeGreaterThan(0);
    await broker.start();
    await sleep(500);
    clearInterval(timer);
    const total = n;
    await until(() => {
      const got = dedupe(sub.received);
      return (got.get('d0')?.length ?? 0) >= total && (got.get('d1')?.length ?? 0) >= total;
      // Generous: the subscriber's and the uplink's reconnect backoff both follow the restart, and
      // on a loaded machine the second attempt can come long after the broker is back.
    }, `all ${total} events per device`, 45_000);
    const got = dedupe(sub.received);
    for (const d of ['d0', 'd1']) {
      const list = got.get(d) ?? [];
      expect(list.map((e) => e.n)).toEqual([...Array(total).keys()]);
    }
    await until(() => u.health().queueDepth === 0, 'the queue to empty');
  }, 75_000);

  it('loses nothing when the gateway restarts while the broker is down; seq continues', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const sub = await persistentSubscriber(broker);
    await broker.stop();
    const first = uplink(broker.url);
    for (let i = 0; i < 20; i++) first.publishEvent(event('d0', i));
    await sleep(50);
    await first.close();
    const second = uplink(broker.url);
    for (let i = 20; i < 40; i++) second.publishEvent(event('d0', i));
    await sleep(50);
    expect(second.health()).toMatchObject({ queueDepth: 40, lastSeq: 40, dropped: 0 });
    await broker.start();
    await until(() => (dedupe(sub.received).get('d0')?.length ?? 0) >= 40, 'all 40 events');
    const list = dedupe(sub.received).get('d0') ?? [];
    expect(list.map((e) => e.n)).toEqual([...Array(40).keys()]);
    expect(list.map((e) => e.seq)).toEqual([...Array(40).keys()].map((i) => i + 1));
  });

  it('a full queue drops the oldest; the retained health reports how many', async () => {
    const port = await freePort();
    const broker = new TestBroker(tracker, port);
    await broker.start();
    const sub = await persistentSubscriber(broker);
    await broker.stop();
    const u = uplink(broker.url, { maxQueueMessages: 10 });
    for (let i = 0; i < 25; i++) u.publishEvent(event('d0', i));
    await sleep(50);
    expect(u.health()).toMatchObject({ queueDepth: 10, dropped: 15 });
    await broker.start();
    await until(() => (dedupe(sub.received).get('d0')?.length ?? 0) >= 10, 'the 10 kept events');
    expect((dedupe(sub.received).get('d0') ?? []).map((e) => e.n)).toEqual([...Array(10).keys()].map((i) => i + 15));
    await until(() => u.health().queueDepth === 0, 'the queue to empty');
    const reader = await subscribe(broker.url, ['pia/gw1/health', 'pia/gw1/status'], { clientId: 'health-reader', clean: true });
    open.subs.push(reader);
    await until(() => reader.received.some((r) => r.topic === 'pia/gw1/health' && (JSON.parse(r.payload) as { queueDepth: number }).queueDepth === 0), 'a health message with an empty queue');
    const health = reader.received.filter((r) => r.topic === 'pia/gw1/health').map((r) => JSON.parse(r.payload) as Record<string, unknown>);
    expect(health.at(-1)).toMatchObject({ state: 'connected', queueDepth: 0, dropped: 15 });
    expect(reader.received.find((r) => r.topic === 'pia/gw1/status')).toMatchObject({ payload: 'online', retain: true });
  });

  it('publishes retained state, and republishes it (same seq, outside the queue) after a broker restart that lost it', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const u = uplink(broker.url);
    u.publishState('rack-fan', { speed: 40, rpm: 1200 }, { status: 'ok', failures: 0 });
    await until(() => u.health().queueDepth === 0 && u.health().state === 'connected', 'the state to be delivered');
    await sleep(200);
    await broker.kill();
    rmSync(join(broker.dir, 'mosquitto.db'), { force: true }); // a broker that lost its retained store
    const restartedAt = Date.now();
    await broker.start();
    // the health goes out after the retained-state check: once it is there, so is the state
    const health = await subscribe(broker.url, ['pia/gw1/health'], { clientId: 'health-reader', clean: true });
    open.subs.push(health);
    await until(() => health.received.some((r) => (JSON.parse(r.payload) as { atMs: number }).atMs >= restartedAt), 'a health message after the restart');
    const reader = await subscribe(broker.url, ['pia/gw1/rack-fan/state'], { clientId: 'state-reader', clean: true });
    open.subs.push(reader);
    await until(() => reader.received.length > 0, 'the republished retained state');
    const state = reader.received[0];
    expect(state?.retain).toBe(true);
    expect(JSON.parse(state?.payload ?? '{}')).toMatchObject({ seq: 1, values: { speed: 40, rpm: 1200 }, health: { status: 'ok' } });
    expect(u.health()).toMatchObject({ lastSeq: 1, dropped: 0 }); // the republish took no sequence number and no queue place
  });

  it('says online (birth) and, when the gateway process dies, the broker publishes the retained will "offline"', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const gateway = tracker.start(TSX, [join(import.meta.dirname, 'test-support/uplink-process.ts'), broker.url, join(rig.dir(), 'q.db'), 'gw1'], { name: 'uplink-process' });
    await gateway.waitFor(/connected/);
    const before = await subscribe(broker.url, ['pia/gw1/status'], { clientId: 'status-1', clean: true });
    open.subs.push(before);
    await until(() => before.received.length > 0, 'the retained birth');
    expect(before.received[0]).toMatchObject({ payload: 'online', retain: true });
    killGroup(gateway.child);
    await gateway.exited;
    await until(() => before.received.some((r) => r.payload === 'offline'), 'the last will');
    const after = await subscribe(broker.url, ['pia/gw1/status'], { clientId: 'status-2', clean: true });
    open.subs.push(after);
    await until(() => after.received.length > 0, 'the retained will');
    expect(after.received[0]).toMatchObject({ payload: 'offline', retain: true });
  });

  it('in normal operation delivers each message exactly once, seq 1, 2, 3, … without gaps, and the health once, not per message', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const sub = await subscribe(broker.url, ['pia/gw1/+/event'], { clientId: 'exactly-once', clean: true });
    const health = await subscribe(broker.url, ['pia/gw1/health'], { clientId: 'health-count', clean: true });
    open.subs.push(health);
    open.subs.push(sub);
    const u = uplink(broker.url);
    await until(() => u.health().state === 'connected', 'the uplink to connect');
    for (let i = 0; i < 300; i++) {
      u.publishEvent(event(`d${i % 3}`, i));
      if (i % 25 === 0) await sleep(5);
    }
    await until(() => u.health().queueDepth === 0, 'the queue to empty');
    await sleep(200); // anything duplicated would arrive by now
    const seqs = sub.received.map((r) => (JSON.parse(r.payload) as { seq: number }).seq);
    expect(seqs).toEqual([...Array(300).keys()].map((i) => i + 1));
    // the health on connect (and on the 30 s interval), not after data messages
    expect(health.received.filter((r) => !r.retain)).toHaveLength(1);
  });
});
