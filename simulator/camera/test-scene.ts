/**
 * What the virtual camera sees: a test scene that changes with simulated time, encoded as a
 * real baseline JPEG (jpeg-js) when a frame is frozen.
 *
 * The picture depends only on the whole simulated second and the size, so it is rendered
 * lazily at capture time and cached: colour bars at the top, a white bar sweeping left to
 * right (one step per second), and the clock's seconds as blocks at the bottom (tens as tall
 * blocks, units as short ones), so two captures seconds apart differ and a person looking at
 * a snapshot can read the time it was taken.
 */
import { encode } from 'jpeg-js';
import type { Clock } from '../../common/index.js';

export interface FrameSource {
  /** A JPEG of what the camera sees now, `width`×`height`, quality 1–100. */
  capture(width: number, height: number, quality: number): Buffer;
}

const BARS: readonly (readonly [number, number, number])[] = [
  [192, 192, 192],
  [192, 192, 0],
  [0, 192, 192],
  [0, 192, 0],
  [192, 0, 192],
  [192, 0, 0],
  [0, 0, 192],
];

/** Renders the scene for second `t` as RGBA. */
export function renderTestScene(width: number, height: number, t: number): Buffer {
  const px = Buffer.alloc(width * height * 4);
  const set = (x: number, y: number, [r, g, b]: readonly [number, number, number]): void => {
    const i = (y * width + x) * 4;
    px[i] = r;
    px[i + 1] = g;
    px[i + 2] = b;
    px[i + 3] = 255;
  };
  const fill = (x0: number, y0: number, w: number, h: number, c: readonly [number, number, number]): void => {
    for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++) for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) set(x, y, c);
  };
  // Background: a dark vertical gradient.
  for (let y = 0; y < height; y++) fill(0, y, width, 1, [20, 30 + Math.round((60 * y) / height), 60]);
  // Colour bars across the top quarter.
  const barW = Math.ceil(width / BARS.length);
  BARS.forEach((c, i) => fill(i * barW, 0, barW, Math.round(height / 4), c));
  // A bar sweeping across, one step a second, 32 steps a lap.
  const step = Math.max(1, Math.round(width / 32));
  fill((t % 32) * step, Math.round(height / 4), step, Math.round(height / 2), [255, 255, 255]);
  // Seconds of the minute: tens as tall blocks, units as short blocks.
  const s = t % 60;
  const block = Math.max(2, Math.round(width / 40));
  const base = height - 2 * block;
  for (let i = 0; i < Math.floor(s / 10); i++) fill(block + i * 2 * block, base - 2 * block, block, 3 * block, [255, 200, 0]);
  for (let i = 0; i < s % 10; i++) fill(Math.round(width / 2) + i * 2 * block, base, block, block, [255, 255, 255]);
  return px;
}

/** The test scene as seen through the injected clock, with a small cache of encoded frames. */
export class TestScene implements FrameSource {
  private readonly cache = new Map<string, Buffer>();

  constructor(
    private readonly clock: Clock,
    private readonly cacheSize = 4,
  ) {}

  capture(width: number, height: number, quality: number): Buffer {
    const t = Math.floor(this.clock.now() / 1000);
    const key = `${width}x${height}@${t}q${quality}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const jpeg = encode({ data: renderTestScene(width, height, t), width, height }, quality).data;
    this.cache.set(key, jpeg);
    while (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return jpeg;
  }
}
