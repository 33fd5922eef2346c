import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { Vc0706Camera } from '../../simulator/camera/index.js';
import { VirtualSerialLine } from '../../simulator/index.js';
import { Vc0706Client } from './vc0706-client.js';

function rig(size = 0x22) {
  const clock = new ManualClock();
  const camera = new Vc0706Camera({ clock, imageSizeCode: size });
  const line = new VirtualSerialLine(camera, clock, { baudRate: 38400 });
  const client = new Vc0706Client(line, { clock, chunkBytes: 512 });
  return { clock, camera, client };
}

/** Runs `p` while moving simulated time in 10 ms steps until it settles. */
const settle = <T>(clock: ManualClock, p: Promise<T>): Promise<T> => clock.settle(p, 10, 1_000_000);

describe('Vc0706Client against the simulated camera', () => {
  it('reads the firmware version', async () => {
    const { clock, client } = rig();
    await expect(settle(clock, client.version())).resolves.toBe('VC0703 1.00');
  });

  it('takes a snapshot that decodes as a JPEG of the configured size, at the line rate', async () => {
    const { clock, client } = rig(0x22);
    const start = clock.now();
    const image = await settle(clock, client.snapshot());
    const decoded = jpeg.decode(image);
    expect([decoded.width, decoded.height]).toEqual([160, 120]);
    // 38400 baud 8N1 carries at most 3840 bytes/s: the simulated time cannot be shorter.
    expect(clock.now() - start).toBeGreaterThanOrEqual((image.length / 3840) * 1000);
  });

  it('reports a camera that does not answer, naming the fix, and does not hang', async () => {
    const { clock, camera, client } = rig();
    camera.faults.inject('timeout');
    await expect(settle(clock, client.version())).rejects.toThrow(/did not answer .* check power, wiring and baud rate/);
  });

  it('rejects a garbled reply instead of returning a broken image', async () => {
    const { clock, camera, client } = rig();
    camera.faults.inject('garbage');
    await expect(settle(clock, client.snapshot())).rejects.toThrow(/VC0706 did not answer command 0x36/);
  });
});
