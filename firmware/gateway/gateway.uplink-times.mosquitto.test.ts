/**
 * Times kept through the uplink's queue (devices/README.md, "Times"), against a real
 * Mosquitto: with the broker down, an operator unlocks the front door and takes a camera
 * snapshot; the wall clock then moves on (as NTP or ten minutes would) before the broker
 * comes up. What the uplink delivers then carries the times things happened (the event's
 * `at` and `by`, the camera's lastSnapshotAt), not the time they were sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessTracker } from '../../common/test-support/index.js';
import type { DeviceEvent } from '../../devices/index.js';
import { freePort, TestBroker } from '../uplink/test-support/mosquitto.js';
import { sleep, subscribe, until } from '../uplink/test-support/subscriber.js';
import { memoryGateway, openedInTest } from './test-support/index.js';

const tracker = new ProcessTracker();
const open = openedInTest(tracker);
afterEach(() => open.closeAll());

const WALL = '2026-12-07T10:40:00.000Z';
const LATER = '2026-12-07T10:50:00.000Z';

describe('wall-clock times through a broker outage', () => {
  it('an event and a reading queued while the broker is down arrive with the time they happened and who caused them', async () => {
    const broker = new TestBroker(tracker, await freePort()); // not started yet: the broker is down
    const t = await memoryGateway({ mqtt: { url: broker.url, files: {} }, options: { uplink: { config: { reconnectMinMs: 100, reconnectMaxMs: 100 }, random: () => 0.5 } } });
    open.gateways.push(t);
    t.clock.setWall(WALL);
    const prefix = `pia/${t.gatewayId}`;
    await until(() => t.gateway.uplink()?.state === 'disconnected', 'the uplink to find the broker down');
    const seen: DeviceEvent[] = [];
    t.gateway.device('front-door')?.device.onEvent((e) => seen.push(e));

    const bob = t.operator('bob', '2001:db8:99::2', { devices: 'lobby-camera', rights: ['read'] });
    t.trust.grant(bob.id, t.gatewayId, 'front-door', ['call:unlock']);
    await t.settle(bob.node.connect(t.pia));
    await t.settle(bob.node.phase3Ready(t.pia));
    expect((await t.settle(bob.client.post(t.uri('front-door', 'unlock'), { seconds: 1 }))).ok).toBe(true);
    await t.clock.advance(1_500); // the window ends: "locked"
    expect((await t.settle(bob.client.get(t.uri('lobby-camera', 'snapshot?size=160x120')), 10)).codeText).toBe('2.05');
    const takenAt = t.gateway.device('lobby-camera')?.device.read().lastSnapshotAt;
    expect(typeof takenAt === 'string' && takenAt.startsWith('2026-12-07T10:40:')).toBe(true);
    expect(seen.map((e) => [e.kind, e.by])).toEqual([
      ['unlocked', bob.id],
      ['locked', 'device'],
    ]);
    expect(t.gateway.uplink()?.queueDepth).toBeGreaterThan(0);

    t.clock.setWall(LATER); // the wall clock moves on before anything is sent
    await broker.start();
    const live = await subscribe(broker.url, [`${prefix}/front-door/event`, `${prefix}/lobby-camera/state`], { clientId: 'gw-times-consumer', clean: true });
    open.subs.push(live);
    while (t.gateway.uplink()?.state !== 'connected') {
      await t.clock.advance(50); // the reconnect timer runs on the gateway's clock
      await sleep(20);
    }
    const events = (): DeviceEvent[] => live.received.filter((r) => r.topic === `${prefix}/front-door/event`).map((r) => JSON.parse(r.payload) as DeviceEvent);
    const snapshots = (): unknown[] =>
      live.received.filter((r) => r.topic === `${prefix}/lobby-camera/state`).map((r) => (JSON.parse(r.payload) as { values: { lastSnapshotAt?: unknown } }).values.lastSnapshotAt);
    for (let step = 0; step < 400 && (events().length < 2 || !snapshots().includes(takenAt)); step++) {
      await t.clock.advance(250); // the drain is paced by the gateway's clock
      await sleep(20);
    }
    expect(events().map((e) => ({ kind: e.kind, at: e.at, by: e.by, message: e.message }))).toEqual(seen.map((e) => ({ kind: e.kind, at: e.at, by: e.by, message: e.message })));
    expect(events().every((e) => Date.parse(e.at) < Date.parse(LATER))).toBe(true);
    expect(snapshots()).toContain(takenAt);
    expect(snapshots().filter((s) => s !== null && s !== takenAt)).toEqual([]); // never restamped on the way
  }, 60_000);
});
