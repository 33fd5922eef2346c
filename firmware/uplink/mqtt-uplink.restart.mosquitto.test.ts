/**
 * What a consumer of the stream can rely on across restarts, against a real Mosquitto: a clean
 * stop re-sends nothing; a backlog keeps the times of its readings; the queue cap is spent on
 * changes, not on republished state; a restart never puts a null over the last reading;
 * discovery configs take no sequence number; one warning per minute at the cap.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../common/index.js';
import type { DeviceEvent } from '../../devices/model/index.js';
import { createUplink, type MqttUplink, type UplinkConfig, type UplinkOptions } from './index.js';
import { freePort, TestBroker } from './test-support/mosquitto.js';
import { uplinkRig } from './test-support/rig.js';
import { memoryLogger, sleep, subscribe, until, type Received } from './test-support/subscriber.js';

const rig = uplinkRig('restart');
const { tracker, open } = rig;
const ok = { status: 'ok', failures: 0 } as const;

function uplink(url: string, extra: Partial<UplinkConfig> = {}, o: Partial<UplinkOptions> = {}): MqttUplink {
  const u = createUplink({
    config: { url, reconnectMinMs: 100, reconnectMaxMs: 400, drainRatePerSec: 5000, ...extra },
    queueFile: join(rig.dir(), 'queue.db'),
    clock: systemClock(),
    logger: memoryLogger(),
    gatewayId: 'gw1',
    ...o,
  });
  open.uplinks.push(u);
  return u;
}

const event = (device: string, n: number): DeviceEvent => ({ device, kind: 'tick', severity: 'info', message: String(n), at: new Date(n).toISOString(), by: 'device' });
const seqOf = (r: Received): number => (JSON.parse(r.payload) as { seq: number }).seq;
/** Deliveries (not the retained copies a new subscription gets) of the sequenced stream. */
const stream = (rs: readonly Received[]): Received[] => rs.filter((r) => !r.retain && /\/(state|event)$/.test(r.topic));

async function connected(u: MqttUplink): Promise<void> {
  await until(() => u.health().state === 'connected', 'the uplink to connect');
}

describe('MqttUplink across restarts', () => {
  it('a clean stop waits for its PUBACKs: three restarts with the broker up re-send nothing (0 duplicates by seq)', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const live = await subscribe(broker.url, ['pia/gw1/#'], { clientId: 'live', clean: true });
    open.subs.push(live);
    for (let run = 0; run < 3; run++) {
      const u = uplink(broker.url);
      await connected(u);
      for (let i = 0; i < 20; i++) u.publishEvent(event('d0', run * 100 + i));
      // as the gateway stops: every device's final state queued, then close() at once
      for (let d = 0; d < 11; d++) u.publishState(`dev${d}`, { level: run * 100 + d }, ok);
      await u.close();
      open.uplinks = [];
    }
    const last = uplink(broker.url);
    await connected(last);
    await until(() => live.received.filter((r) => r.topic === 'pia/gw1/health').length >= 4, 'the last health');
    await sleep(300); // a re-send would arrive by now
    expect(last.health()).toMatchObject({ queueDepth: 0, dropped: 0, lastSeq: 3 * 31 });
    const seqs = stream(live.received).map(seqOf);
    const duplicates = seqs.length - new Set(seqs).size;
    expect(duplicates).toBe(0);
    expect(seqs).toEqual([...Array(3 * 31).keys()].map((i) => i + 1));
  });

  it('a backlog drained after an outage keeps the wall-clock time of each reading (`at`: a state\'s when the uplink got it, an event\'s when it happened)', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const consumer = await subscribe(broker.url, ['pia/gw1/+/event', 'pia/gw1/+/state'], { clientId: 'backlog', clean: false });
    open.subs.push(consumer);
    await broker.stop();
    let wall = Date.parse('2026-03-01T08:00:00.000Z');
    const u = uplink(broker.url, {}, { wallNow: () => wall });
    for (let i = 0; i < 5; i++) {
      u.publishEvent({ ...event('door', i), at: new Date(wall).toISOString() }); // the device model stamps when it happened
      u.publishState('door', { open: i % 2 === 0 }, ok);
      wall += 4_000; // a reading every 4 s while the broker is down
      await sleep(5);
    }
    await broker.start();
    await until(() => stream(consumer.received).length >= 10, 'the drained backlog');
    const times = stream(consumer.received).map((r) => (JSON.parse(r.payload) as { at: string }).at);
    const expected = [0, 1, 2, 3, 4].map((i) => new Date(Date.parse('2026-03-01T08:00:00.000Z') + i * 4_000).toISOString());
    expect(times).toEqual(expected.flatMap((t) => [t, t]));
  });

  it('after a broker restart that kept its store, nothing is republished and the whole cap is left for new messages', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const u = uplink(broker.url, { maxQueueMessages: 10 });
    await connected(u);
    for (let d = 0; d < 3; d++) u.publishState(`dev${d}`, { level: d }, ok);
    await until(() => u.health().queueDepth === 0, 'the states to be delivered');
    await sleep(1200); // Mosquitto's autosave_interval: the retained states are on disk
    await broker.stop();
    await until(() => u.health().state !== 'connected', 'the uplink to see the broker gone');
    for (let i = 0; i < 10; i++) u.publishEvent(event('d0', i));
    const live = { received: [] as Received[] };
    await broker.start();
    const sub = await subscribe(broker.url, ['pia/gw1/+/state', 'pia/gw1/+/event'], { clientId: 'after', clean: true });
    open.subs.push(sub);
    live.received = sub.received;
    await until(() => stream(live.received).filter((r) => r.topic.endsWith('/event')).length >= 10, 'the 10 queued events');
    await sleep(300);
    expect(u.health()).toMatchObject({ dropped: 0, lastSeq: 13 });
    expect(stream(live.received).filter((r) => r.topic.endsWith('/state'))).toEqual([]); // the broker still held them: not re-sent
  });

  it('a restart does not put a state of unknown values over the last reading; the first reading and a failure go out', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const first = uplink(broker.url);
    first.publishState('rack-temp', { temperature: null }, ok); // never read before: the device appears
    first.publishState('rack-temp', { temperature: 21.5 }, ok);
    await until(() => first.health().queueDepth === 0 && first.health().state === 'connected', 'the reading to be delivered');
    await first.close();
    open.uplinks = [];
    const second = uplink(broker.url);
    second.publishState('rack-temp', { temperature: null }, { status: 'degraded', failures: 0 }); // at start, before the first poll
    await connected(second);
    await sleep(200);
    expect(second.health()).toMatchObject({ lastSeq: 2, queueDepth: 0 });
    const reader = await subscribe(broker.url, ['pia/gw1/rack-temp/state'], { clientId: 'reader', clean: true });
    open.subs.push(reader);
    await until(() => reader.received.length > 0, 'the retained state');
    expect(JSON.parse(reader.received[0]?.payload ?? '{}')).toMatchObject({ seq: 2, values: { temperature: 21.5 } });
    second.publishState('rack-temp', { temperature: 22 }, ok);
    await until(() => reader.received.length > 1, 'the next reading');
    expect(JSON.parse(reader.received[1]?.payload ?? '{}')).toMatchObject({ seq: 3, values: { temperature: 22 } });
    second.publishState('rack-temp', { temperature: null }, { status: 'failed', failures: 3 }); // a failed sensor: unknown is the truth
    await until(() => reader.received.length > 2, 'the failed state');
    expect(JSON.parse(reader.received[2]?.payload ?? '{}')).toMatchObject({ seq: 4, values: { temperature: null }, health: { status: 'failed' } });
  });

  it('Home Assistant configs and republished states take no sequence number: the stream has no gaps', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const live = await subscribe(broker.url, ['pia/gw1/+/event', 'pia/gw1/+/state', 'homeassistant/#'], { clientId: 'gaps', clean: true });
    open.subs.push(live);
    const u = uplink(broker.url, { homeAssistant: { enabled: true } });
    u.announce([{ name: 'room', kind: 'thermometer', part: 'SHT31', properties: [{ name: 't', type: 'number', unit: 'Cel', writable: false, observable: true, rt: 'pia.t', description: 't' }], actions: [], blobs: [] }]);
    u.publishState('room', { t: 20 }, ok);
    for (let i = 0; i < 5; i++) u.publishEvent(event('room', i));
    await until(() => stream(live.received).length >= 6, 'the state and the events');
    await live.client.publishAsync('homeassistant/status', 'online', { qos: 1 }); // HA restarted: configs and state again
    await until(() => live.received.filter((r) => r.topic.endsWith('/config')).length >= 2, 'the configs re-sent');
    u.publishEvent(event('room', 5));
    await until(() => stream(live.received).filter((r) => r.topic.endsWith('/event')).length >= 6, 'the last event');
    const seqs = [...new Set(stream(live.received).map(seqOf))];
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(u.health().lastSeq).toBe(7);
  });

  it('at the cap: one warning at once and the rest counted in one more, not one per append', async () => {
    const port = await freePort();
    const logger = memoryLogger();
    const u = uplink(`mqtt://127.0.0.1:${port}`, { maxQueueMessages: 10 }, { logger });
    for (let i = 0; i < 91; i++) {
      u.publishEvent(event('d0', i));
      await new Promise((r) => setImmediate(r)); // one append per turn, as readings come
    }
    await sleep(20);
    const warnings = (): number[] => logger.lines.filter((l) => l.startsWith('uplink: queue full')).map((l) => Number(/"dropped":(\d+)/.exec(l)?.[1]));
    expect(warnings()).toEqual([1]);
    expect(u.health().dropped).toBe(81);
    await u.close();
    expect(warnings()).toEqual([1, 80]);
    expect(logger.lines.every((l) => (l.match(/"component"/g) ?? []).length === 0)).toBe(true); // the caller's logger names the component
  });
});
