import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { Vc0706Camera, type Vc0706Event } from '../../simulator/camera/index.js';
import { VirtualSerialLine } from '../../simulator/index.js';
import { Vc0706Client } from './vc0706-client.js';

function rig() {
  const clock = new ManualClock();
  const seen: Vc0706Event[] = [];
  const camera = new Vc0706Camera({ clock, onEvent: (e) => seen.push(e) });
  const line = new VirtualSerialLine(camera, clock, { baudRate: 38400 });
  const client = new Vc0706Client(line, { clock, chunkBytes: 512 });
  const settle = <T>(p: Promise<T>): Promise<T> => clock.settle(p, 10, 1_000_000);
  return { clock, camera, client, seen, settle };
}

describe('Vc0706Client: image size (WRITE_DATA 04 @0x0019, then reset)', () => {
  it('reads the stored size (640×480 at power-up)', async () => {
    const { client, settle } = rig();
    await expect(settle(client.imageSize())).resolves.toBe('640x480');
  });

  it('sets 160×120: stored, camera reset and booted, and the next snapshot has that size', async () => {
    const { client, camera, seen, settle } = rig();
    await settle(client.setImageSize('160x120'));
    expect(camera.imageSize).toMatchObject({ width: 160, height: 120 });
    expect(seen.map((e) => e.command)).toEqual([0x31, 0x26]);
    await expect(settle(client.imageSize())).resolves.toBe('160x120');
    const decoded = jpeg.decode(await settle(client.snapshot()));
    expect([decoded.width, decoded.height]).toEqual([160, 120]);
  });

  it('sets 320×240 and back to 640×480', async () => {
    const { client, settle } = rig();
    await settle(client.setImageSize('320x240'));
    let d = jpeg.decode(await settle(client.snapshot()));
    expect([d.width, d.height]).toEqual([320, 240]);
    await settle(client.setImageSize('640x480'));
    d = jpeg.decode(await settle(client.snapshot()));
    expect([d.width, d.height]).toEqual([640, 480]);
  });

  it('a reset the camera does not finish (no boot text) is an error, not a hang', async () => {
    const { client, camera, settle } = rig();
    camera.faults.inject('timeout', 1);
    await expect(settle(client.reset())).rejects.toThrow(/did not answer command 0x26 within 3000 ms/);
  });

  it('refuses a size the camera does not have', () => {
    const { client } = rig();
    expect(() => client.setImageSize('1024x768' as '640x480')).toThrow(/not one of 640x480, 320x240, 160x120/);
  });
});
