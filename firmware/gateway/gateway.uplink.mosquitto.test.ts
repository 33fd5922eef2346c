/**
 * The gateway with an mqtt section, against a real Mosquitto on a free
 * port: retained device state and events with seq reach a subscriber; with the broker
 * unreachable, commands take exactly as long (in simulated time) as with no uplink at all,
 * and /healthz and /metrics show the uplink disconnected with messages queued; the broker
 * killed with SIGKILL while the door is used loses no event, and the drain after the restart
 * is throttled to drainRatePerSec of the gateway's clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessTracker } from '../../common/test-support/index.js';
import { freePort, TestBroker } from '../uplink/test-support/mosquitto.js';
import { sleep, subscribe, until, type TestSubscriber } from '../uplink/test-support/subscriber.js';
import { memoryGateway, openedInTest, type MemoryGateway, type MemoryGatewayOptions } from './test-support/index.js';

const tracker = new ProcessTracker();
const open = openedInTest(tracker);
afterEach(() => open.closeAll());

async function gateway(o: MemoryGatewayOptions = {}): Promise<MemoryGateway> {
  const g = await memoryGateway(o);
  open.gateways.push(g);
  return g;
}

async function sub(url: string, topics: string[], clientId: string): Promise<TestSubscriber> {
  const s = await subscribe(url, topics, { clientId, clean: true });
  open.subs.push(s);
  return s;
}

/** Unlocks the front door over PIA (phase 3, a call grant); the simulated ms the command took. */
async function unlockDoor(t: MemoryGateway): Promise<number> {
  const bob = t.operator('bob', '2001:db8:99::2');
  t.trust.grant(bob.id, t.gatewayId, 'front-door', ['call:unlock']);
  await t.settle(bob.node.connect(t.pia));
  await t.settle(bob.node.phase3Ready(t.pia));
  const start = t.clock.now();
  const r = await t.settle(bob.client.post(t.uri('front-door', 'unlock'), { seconds: 5 }));
  expect(r.ok).toBe(true);
  expect(t.building.parts.door.locked).toBe(false);
  return t.clock.now() - start;
}

/** A plain read of the thermometer; the simulated ms it took. */
async function plainRead(t: MemoryGateway): Promise<number> {
  const start = t.clock.now();
  const r = await t.settle(t.legacy.get(t.uri('rack-temp', 'temperature')));
  expect(r.codeText).toBe('2.05');
  return t.clock.now() - start;
}

describe('the gateway with an MQTT uplink', () => {
  it('publishes retained state with seq for a thermometer and the door\'s "unlocked" event after a command', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const live = await sub(broker.url, ['pia/#'], 'gw-test-live');
    const t = await gateway({ mqtt: { url: broker.url, files: {} } });
    const prefix = `pia/${t.gatewayId}`;
    await t.clock.advance(3_000); // first polls
    const temps = (): { seq: number; values: { temperature?: unknown } }[] =>
      live.received.filter((r) => r.topic === `${prefix}/rack-temp/state`).map((r) => JSON.parse(r.payload) as { seq: number; values: { temperature?: unknown } });
    await until(() => temps().some((p) => typeof p.values.temperature === 'number'), 'a rack-temp state with a temperature');
    const state = temps().find((p) => typeof p.values.temperature === 'number');
    expect(state?.seq).toBeGreaterThan(0);
    expect(live.received.find((r) => r.topic === `${prefix}/status`)?.payload).toBe('online');

    await unlockDoor(t);
    const events = (): { seq: number; kind: string; device: string }[] =>
      live.received.filter((r) => r.topic === `${prefix}/front-door/event`).map((r) => JSON.parse(r.payload) as { seq: number; kind: string; device: string });
    await until(() => events().some((e) => e.kind === 'unlocked'), 'the unlocked event');
    const unlocked = events().find((e) => e.kind === 'unlocked');
    expect(unlocked).toMatchObject({ device: 'front-door' });
    expect(unlocked?.seq).toBeGreaterThan(state?.seq ?? Infinity);
    await until(() => live.received.some((r) => r.topic === `${prefix}/front-door/state` && (JSON.parse(r.payload) as { values: { locked?: unknown } }).values.locked === false), 'the door state unlocked');

    // retained: a subscriber that comes later gets the thermometer's state at once
    const late = await sub(broker.url, [`${prefix}/rack-temp/state`], 'gw-test-late');
    await until(() => late.received.length > 0, 'the retained rack-temp state');
    expect(late.received[0]?.retain).toBe(true);
    expect(t.gateway.uplink()).toMatchObject({ state: 'connected', dropped: 0 });
    expect(await t.gateway.metrics()).toMatch(/^pia_gateway_uplink_connected 1$/m);
  });

  it('a broker that is down never delays control: the same commands take the same simulated time as with no uplink; /healthz says disconnected with a queue', async () => {
    const baseline = await gateway();
    await baseline.clock.advance(3_000);
    const plainBase = await plainRead(baseline);
    const unlockBase = await unlockDoor(baseline);
    expect(baseline.gateway.health().uplink).toBeUndefined();
    expect(await baseline.gateway.metrics()).not.toMatch(/pia_gateway_uplink/);

    const closedPort = await freePort(); // nothing listens there
    const t = await gateway({ mqtt: { url: `mqtt://127.0.0.1:${closedPort}`, files: {} } });
    await t.clock.advance(3_000);
    expect(await plainRead(t)).toBe(plainBase);
    expect(await unlockDoor(t)).toBe(unlockBase);

    await until(() => t.gateway.uplink()?.state === 'disconnected', 'the uplink to report the refused connection');
    const health = t.gateway.health() as { status: string; uplink: { state: string; url: string; queueDepth: number; failures: number; lastError?: string } };
    expect(health.uplink).toMatchObject({ state: 'disconnected', url: `mqtt://127.0.0.1:${closedPort}` });
    expect(health.uplink.queueDepth).toBeGreaterThan(0);
    expect(health.uplink.failures).toBeGreaterThan(0);
    expect(health.uplink.lastError).toMatch(/ECONNREFUSED/);
    expect(health.status).toBe('degraded');
    const metrics = await t.gateway.metrics();
    expect(metrics).toMatch(/^pia_gateway_uplink_connected 0$/m);
    expect(Number(/^pia_gateway_uplink_queue_depth (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^pia_gateway_uplink_dropped_total 0$/m);
  });
});

describe('the gateway\'s uplink through a broker outage', () => {
  it('a broker killed with SIGKILL while the door is used: after its restart every door event arrives once, in order, drained at drainRatePerSec', async () => {
    const broker = new TestBroker(tracker, await freePort());
    await broker.start();
    const t = await gateway({ mqtt: { url: broker.url, files: {} }, options: { uplink: { config: { reconnectMinMs: 100, reconnectMaxMs: 100, drainRatePerSec: 20 }, random: () => 0.5 } } });
    const prefix = `pia/${t.gatewayId}`;
    // a consumer with a persistent session: the broker keeps its subscription across the kill
    const persistent = await subscribe(broker.url, [`${prefix}/front-door/event`], { clientId: 'gw-test-consumer', clean: false });
    open.subs.push(persistent);
    await sleep(1200); // past Mosquitto's autosave_interval (1 s): the session is on disk before the kill

    const bob = t.operator('bob', '2001:db8:99::2');
    t.trust.grant(bob.id, t.gatewayId, 'front-door', ['call:unlock']);
    await t.settle(bob.node.connect(t.pia));
    await t.settle(bob.node.phase3Ready(t.pia));
    /** One unlock for 1 s and its relock: two events ("unlocked", "locked"). */
    const cycle = async (): Promise<void> => {
      const r = await t.settle(bob.client.post(t.uri('front-door', 'unlock'), { seconds: 1 }));
      expect(r.ok).toBe(true);
      await t.clock.advance(1_500);
    };
    const doorEvents = (): { seq: number; kind: string }[] => {
      let last = 0; // a consumer de-duplicates on seq
      const out: { seq: number; kind: string }[] = [];
      for (const r of persistent.received) {
        const e = JSON.parse(r.payload) as { seq: number; kind: string };
        if (e.seq > last) out.push(e);
        last = Math.max(last, e.seq);
      }
      return out;
    };

    for (let i = 0; i < 2; i++) await cycle();
    for (let step = 0; step < 400 && doorEvents().length < 4; step++) {
      await t.clock.advance(250); // the drain is paced by the gateway's clock
      await sleep(20);
    }
    expect(doorEvents()).toHaveLength(4);
    await broker.kill();
    await until(() => t.gateway.uplink()?.state === 'disconnected', 'the uplink to see the broker gone');
    for (let i = 0; i < 4; i++) await cycle(); // 8 events while the broker is down
    expect(t.gateway.uplink()?.queueDepth).toBeGreaterThanOrEqual(8);

    await broker.start();
    // What is under test is the gateway's store and forward, not the broker's: let the
    // consumer reconnect (and re-subscribe) before the gateway's uplink does.
    await until(() => persistent.client.connected, 'the consumer to reconnect');
    await sleep(300);
    const live = await sub(broker.url, [`${prefix}/+/state`, `${prefix}/+/event`], 'gw-test-live-after');
    while (t.gateway.uplink()?.state !== 'connected') {
      await t.clock.advance(50); // the reconnect timer runs on the gateway's clock
      await sleep(20);
    }
    // The clock stands still: only the bucket's 20 tokens (one second's worth) may be spent. (Retained copies the
    // broker sends on subscribing are not deliveries: MQTT 3.1.1 §3.3.1.3.)
    const delivered = (): number => live.received.filter((r) => !r.retain).length;
    await until(() => delivered() >= 20, 'the first 20 drained messages');
    await sleep(300);
    expect(delivered()).toBe(20);
    for (let step = 0; step < 400 && doorEvents().length < 12; step++) {
      await t.clock.advance(250); // 5 more tokens each time
      await sleep(20);
    }
    const events = doorEvents();
    expect(events.map((e) => e.kind)).toEqual(Array.from({ length: 6 }, () => ['unlocked', 'locked']).flat());
    expect(events.every((e, i) => i === 0 || e.seq > (events[i - 1]?.seq ?? Infinity))).toBe(true);
  });
});
