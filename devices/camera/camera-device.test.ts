import jpeg from 'jpeg-js';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { createVirtualBuilding, type VirtualBuilding } from '../../simulator/index.js';
import type { VirtualSerialLine } from '../../simulator/index.js';
import { DeviceError, type DeviceEvent } from '../model/types.js';
import { createCamera, type CameraOptions } from './camera-device.js';

let building: VirtualBuilding | undefined;

afterEach(async () => {
  await building?.close();
  building = undefined;
});

/** The wall-clock time at the rig's start: lastSnapshotAt must be on this scale. */
const WALL_START = Date.parse('2026-12-07T10:40:00.000Z');

async function rig(extra: Partial<CameraOptions> = {}) {
  const clock = new ManualClock(0, WALL_START);
  building = createVirtualBuilding({ clock });
  const line = building.host.serial.camera;
  const camera = createCamera({ name: 'lobby-camera', clock, line, pollIntervalMs: 5_000, maxPollIntervalMs: 20_000, random: () => 0, ...extra });
  const events: DeviceEvent[] = [];
  camera.onEvent((e) => events.push(e));
  await camera.start();
  const settle = <T>(p: Promise<T>): Promise<T> => clock.settle(p, 10, 1_000_000);
  await clock.advance(100); // the first poll reads the stored size
  return { clock, camera, part: building.parts.camera, line: line as VirtualSerialLine, events, settle };
}

function isWholeJpeg(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes.at(-2) === 0xff && bytes.at(-1) === 0xd9;
}

describe('camera: snapshot', () => {
  it('takes a snapshot that is a whole JPEG of the current resolution', async () => {
    const { clock, camera, settle } = await rig();
    expect(camera.read().resolution).toBe('640x480');
    const before = clock.wallNow();
    const image = await settle(camera.fetch('snapshot', {}));
    expect(isWholeJpeg(image)).toBe(true);
    const d = jpeg.decode(image);
    expect([d.width, d.height]).toEqual([640, 480]);
    expect(camera.read().lastSnapshotBytes).toBe(image.length);
    const at = camera.read().lastSnapshotAt;
    expect(at).toMatch(/^2026-12-07T10:40:\d\d\.\d{3}Z$/); // wall-clock ISO 8601, not ms since start
    // 38400 baud carries at most 3840 bytes/s: the frame cannot have arrived sooner.
    expect(Date.parse(at as string) - before).toBeGreaterThanOrEqual((image.length / 3840) * 1000);
    expect(Date.parse(at as string)).toBeLessThanOrEqual(clock.wallNow());
    expect(camera.health().status).toBe('ok');
  });

  it('takes each size asked for, and stays at the last one', async () => {
    const { camera, part, settle } = await rig();
    for (const [size, w, h] of [['160x120', 160, 120], ['320x240', 320, 240]] as const) {
      const image = await settle(camera.fetch('snapshot', { size }));
      expect(isWholeJpeg(image)).toBe(true);
      const d = jpeg.decode(image);
      expect([d.width, d.height]).toEqual([w, h]);
      expect(camera.read().resolution).toBe(size);
    }
    expect(part.imageSize).toMatchObject({ width: 320, height: 240 });
  });

  it('refuses a size the camera does not have, before touching it', async () => {
    const { camera } = await rig();
    await expect(camera.fetch('snapshot', { size: '800x600' })).rejects.toMatchObject({ code: 'invalid', message: expect.stringMatching(/size: "800x600".*"640x480", "320x240", "160x120"/) as unknown });
  });

  it('one capture at a time: a second fetch meanwhile is busy, the first completes', async () => {
    const { camera, settle } = await rig();
    const first = camera.fetch('snapshot', { size: '160x120' });
    const second: unknown = await camera.fetch('snapshot', {}).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(DeviceError);
    expect(second).toMatchObject({ code: 'busy', message: expect.stringMatching(/lobby-camera: the camera is busy/) as unknown });
    await expect(camera.set('resolution', '640x480')).rejects.toMatchObject({ code: 'busy' });
    expect(isWholeJpeg(await settle(first))).toBe(true);
    // Free again afterwards.
    expect(isWholeJpeg(await settle(camera.fetch('snapshot', {})))).toBe(true);
  });

  it('a configured resolution is applied by the first poll; resolution is writable', async () => {
    const { clock, camera, part, settle } = await rig({ resolution: '320x240' });
    await clock.advance(2_000);
    expect(part.imageSize).toMatchObject({ width: 320, height: 240 });
    await settle(camera.set('resolution', '160x120'));
    expect(part.imageSize.width).toBe(160);
    expect(camera.read().resolution).toBe('160x120');
  });
});

describe('camera: faults and recovery', () => {
  it('a camera that stops answering mid-capture: failed, health degraded, next snapshot fine', async () => {
    const { camera, part, settle } = await rig();
    part.faults.inject('timeout', 1);
    await expect(settle(camera.fetch('snapshot', {}))).rejects.toMatchObject({ code: 'failed', message: expect.stringMatching(/taking a snapshot failed: .*did not answer/) as unknown });
    expect(camera.health().status).toBe('degraded');
    const image = await settle(camera.fetch('snapshot', {}));
    expect(isWholeJpeg(image)).toBe(true);
    expect(camera.health().status).toBe('ok');
  });

  it('garbled replies never yield a broken image', async () => {
    const { camera, part, settle } = await rig();
    part.faults.inject('garbage', 1);
    await expect(settle(camera.fetch('snapshot', {}))).rejects.toMatchObject({ code: 'failed' });
    expect(isWholeJpeg(await settle(camera.fetch('snapshot', {})))).toBe(true);
  });

  it('unplugged: polls fail to "failed" with an alarm; replugged: recovered by the poll alone', async () => {
    const { clock, camera, part, line, events } = await rig();
    part.faults.inject('unplug');
    await clock.advance(60_000);
    expect(camera.health().status).toBe('failed');
    expect(events.find((e) => e.kind === 'failed')?.severity).toBe('alarm');
    line.replug();
    await clock.advance(25_000);
    expect(camera.health().status).toBe('ok');
    expect(events.at(-1)?.kind).toBe('recovered');
  });
});

describe('camera: lastSnapshotAt is a timestamp', () => {
  it('is described as a wall-clock timestamp (a string without unit), not a measurement', async () => {
    const { camera } = await rig();
    const spec = camera.describe().properties.find((p) => p.name === 'lastSnapshotAt');
    expect(spec).toMatchObject({ type: 'string', kind: 'timestamp' });
    expect(spec?.unit).toBeUndefined();
    expect(camera.read().lastSnapshotAt).toBeNull();
  });

  it('carries the wall time set on the clock, even after the clock was set (NTP after boot)', async () => {
    const { clock, camera, settle } = await rig({ resolution: '160x120' });
    clock.setWall('2027-03-01T08:00:00.000Z');
    const changes: [string, unknown][] = [];
    camera.onChange((p, v) => changes.push([p, v]));
    await settle(camera.fetch('snapshot', { size: '160x120' }));
    const at = camera.read().lastSnapshotAt as string;
    expect(at.slice(0, 17)).toBe('2027-03-01T08:00:');
    expect(changes).toContainEqual(['lastSnapshotAt', at]);
  });
});
