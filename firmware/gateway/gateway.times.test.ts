/**
 * Wall-clock times and subjects through the whole gateway, in memory (devices/README.md,
 * "Times" and "Who caused an event"): piactl (operator/) calls the front door's unlock over
 * phase 3, and the door's events name the operator's node ID, with the wall time the
 * gateway's clock was set to; the relock at the end of the window is the device's own. The
 * camera's lastSnapshotAt, served over CoAP, is that wall time too, described as a timestamp,
 * and /healthz gives the device's last good operation as that wall time with its age.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../devices/index.js';

import { memoryGateway, piactlAgainst, type MemoryGateway, type PiactlRun } from './test-support/index.js';

let t: MemoryGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const WALL = '2026-12-07T10:40:00.000Z';

/** Runs piactl in-process against the gateway with `credential`; its exit code and output. */
function piactl(g: MemoryGateway, credential: string, ...args: string[]): Promise<PiactlRun> {
  return piactlAgainst(g, credential, args);
}

describe('times and subjects through the gateway', () => {
  it("a piactl command's events name the operator's node ID and carry the wall time; the relock is the device's", async () => {
    const g = (t = await memoryGateway());
    g.clock.setWall(WALL);
    const alice = g.operatorCredential('alice', { devices: 'front-door', rights: ['call:unlock'] });
    const events: DeviceEvent[] = [];
    g.gateway.device('front-door')?.device.onEvent((e) => events.push(e));
    const before = g.clock.wallNow();

    const unlock = await piactl(g, alice.file, 'call', 'front-door/unlock', 'seconds=3');
    expect(unlock.code, unlock.err).toBe(0);
    const after = g.clock.wallNow();
    expect(g.building.parts.door.locked).toBe(false);
    await g.clock.advance(3_500);

    expect(events.map((e) => [e.kind, e.by])).toEqual([
      ['unlocked', alice.id],
      ['locked', 'device'],
    ]);
    const [unlocked, relocked] = events;
    expect(unlocked?.message).toBe(`door "front-door" unlocked for 3 s by ${alice.id}`);
    const at = Date.parse(unlocked?.at ?? '');
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(after);
    expect(Date.parse(relocked?.at ?? '') - at).toBe(3_000);
    expect(unlocked?.at.startsWith('2026-12-07T10:40:')).toBe(true);
  });

  it("the camera's lastSnapshotAt is served as the wall time of the snapshot, described as a timestamp", async () => {
    const g = (t = await memoryGateway());
    g.clock.setWall(WALL);
    const op = g.operator('alice', '2001:db8:99::1', { devices: 'lobby-camera', rights: ['read'] });
    await g.settle(op.node.connect(g.pia));
    await g.settle(op.node.phase3Ready(g.pia));
    const before = g.clock.wallNow();
    const snap = await g.settle(op.client.get(g.uri('lobby-camera', 'snapshot?size=160x120')), 10);
    expect(snap.codeText).toBe('2.05');
    const after = g.clock.wallNow();

    const served = await g.settle(op.client.get(g.uri('lobby-camera', 'lastSnapshotAt')));
    const body = served.json() as { value: string; kind?: string; unit?: string };
    expect(body.kind).toBe('timestamp');
    expect(body.unit).toBeUndefined();
    expect(body.value).toMatch(/^2026-12-07T10:4\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(body.value)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(body.value)).toBeLessThanOrEqual(after);

    const described = await g.settle(op.client.get(`${g.uri('lobby-camera')}?describe`));
    const props = (described.json() as { properties: { name: string; type: string; kind?: string }[] }).properties;
    expect(props.find((p) => p.name === 'lastSnapshotAt')).toMatchObject({ type: 'string', kind: 'timestamp' });

    // /healthz: the last good operation's wall time, and its age by the same clock
    await g.clock.advance(2_000);
    const health = g.gateway.health() as { devices: { name: string; lastOkAt?: string; lastOkAgoS?: number }[] };
    const camera = health.devices.find((d) => d.name === 'lobby-camera');
    expect(Date.parse(camera?.lastOkAt ?? '')).toBeGreaterThanOrEqual(before);
    expect(camera?.lastOkAgoS).toBe(Math.round((g.clock.wallNow() - Date.parse(camera?.lastOkAt ?? '')) / 100) / 10); // tenths of a second
  });
});
