/**
 * piactl watch (CoAP Observe) and snapshot (Block2, JPEG check, atomic file) end to end in
 * memory, in human and --json form.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'jpeg-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeviceError } from '../../devices/model/index.js';
import { CAMERA_ADDRESS, memoryGateway, type MemoryGateway } from './test-support/index.js';

let g: MemoryGateway | undefined;
let dir: string;
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'piactl-snap-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await g?.close();
  g = undefined;
});

const count = (text: string): number => text.split('\n').filter((l) => l !== '').length;

describe('piactl watch', () => {
  it('--count 3: one line per new value, then it deregisters and exits 0', async () => {
    g = memoryGateway('watch-count');
    const alice = g.operator('alice');
    const w = g.start(['watch', 'rack-fan/temperature', '--count', '3'], { credential: alice.file });
    const gw = g;
    await gw.until(() => count(w.stdout()) === 1);
    expect(gw.server.observerCount).toBe(1);
    gw.fan.emit('temperature', 22);
    await gw.until(() => count(w.stdout()) === 2);
    gw.fan.emit('temperature', 22.5);
    expect(await gw.t.clock.settle(w.done, 10)).toBe(0);
    expect(w.stdout()).toBe('rack-fan/temperature: 21.5 Cel\nrack-fan/temperature: 22 Cel\nrack-fan/temperature: 22.5 Cel\n');
    expect(w.stderr()).toBe('');
    expect(gw.server.observerCount).toBe(0);
  });

  it('--json: JSON lines with the Observe sequence; Ctrl-C stops cleanly with exit 0', async () => {
    g = memoryGateway('watch-json');
    const alice = g.operator('alice');
    const w = g.start(['watch', 'rack-fan/speed', '--json'], { credential: alice.file });
    const gw = g;
    await gw.until(() => count(w.stdout()) === 1);
    for (const speed of [55, 70]) {
      gw.fan.emit('speed', speed);
      await gw.until(() => w.stdout().includes(`"value":${speed}`));
    }
    w.interrupt();
    expect(await gw.t.clock.settle(w.done, 10)).toBe(0);
    const got = w.stdout().trim().split('\n').map((l) => JSON.parse(l) as { ok: boolean; command: string; seq: number; result: unknown });
    expect(got.map((x) => x.result)).toEqual([
      { value: 40, unit: '%' },
      { value: 55, unit: '%' },
      { value: 70, unit: '%' },
    ]);
    expect(got.every((x) => x.ok && x.command === 'watch')).toBe(true);
    expect(got[1]!.seq).toBeGreaterThan(got[0]!.seq);
    expect(got[2]!.seq).toBeGreaterThan(got[1]!.seq);
    expect(gw.server.observerCount).toBe(0);
  });

  it('a property that cannot be observed: its value once, then exit 6', async () => {
    g = memoryGateway('watch-mode');
    const alice = g.operator('alice');
    const r = await g.run(['watch', 'rack-fan/mode'], { credential: alice.file });
    expect(r.code).toBe(6);
    expect(r.stdout).toBe('rack-fan/mode: auto\n');
    expect(r.stderr).toMatch(/^piactl: watch rack-fan\/mode: rack-fan\/mode cannot be watched \(it answered without Observe, RFC 7641\)/);
  });

  it("an image cannot be watched: exit 6, nothing printed, and the snapshot command named", async () => {
    g = memoryGateway('watch-image');
    const alice = g.operator('alice');
    const r = await g.run(['watch', 'front-cam/snap'], { credential: alice.file });
    expect(r.code).toBe(6);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("piactl: watch front-cam/snap: front-cam/snap is an image (image/jpeg), not a property: it cannot be watched; fetch it with 'piactl snapshot front-cam/snap -o FILE'\n");
  });

  it('a watch the gateway refuses: exit 4 with its reason', async () => {
    g = memoryGateway('watch-refused');
    const camOnly = g.operator('cam-only', { devices: 'front-*', rights: ['read'] });
    const r = await g.run(['watch', 'rack-fan/temperature', '--count', '1'], { credential: camOnly.file });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/not authorized by the gateway \(4\.03 Forbidden\): .*no grant with "read" on device "rack-fan"/);
  });
});

describe('piactl snapshot', () => {
  it('fetches the JPEG block by block and writes it whole; --json says where and how big', async () => {
    g = memoryGateway('snap');
    const alice = g.operator('alice');
    const file = join(dir, 'front.jpg');
    const r = await g.run(['snapshot', 'front-cam/snap', '-o', file, 'size=large'], { credential: alice.file });
    const jpeg = g.camera.jpeg;
    expect(jpeg.length).toBeGreaterThan(4 * 1024); // many Block2 blocks
    expect(r).toEqual({ code: 0, stdout: `front-cam/snap: ${jpeg.length} bytes (image/jpeg) written to ${file}\n`, stderr: '' });
    const written = readFileSync(file);
    expect(Buffer.compare(written, jpeg)).toBe(0);
    expect(decode(written)).toMatchObject({ width: 160, height: 120 });
    const json = await g.run(['snapshot', `coap://[${CAMERA_ADDRESS}]/front-cam/snap`, '-o', file, '--json'], { credential: alice.file });
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, command: 'snapshot', target: `coap://[${CAMERA_ADDRESS}]/front-cam/snap`, code: '2.05', file, bytes: jpeg.length, contentFormat: 22 });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('bytes that are not a whole JPEG: exit 1 and no file; a property is not an image: exit 6', async () => {
    g = memoryGateway('snap-bad');
    const alice = g.operator('alice');
    const file = join(dir, 'fan.jpg');
    const r = await g.run(['snapshot', 'rack-fan/snap', '-o', file], { credential: alice.file }); // FakeDevice: not a JPEG
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^piactl: snapshot rack-fan\/snap: the 102400 bytes received are not a whole JPEG \(it starts 0D 14, not FF D8 \(start of image\)\); nothing written to .*fan\.jpg; try again\n$/);
    expect(existsSync(file)).toBe(false);
    const notImage = await g.run(['snapshot', 'rack-fan/speed', '-o', file], { credential: alice.file });
    expect(notImage.code).toBe(6);
    expect(notImage.stderr).toMatch(/content format 50, not image\/jpeg \(22\): rack-fan\/speed is not an image/);
    expect(readdirSync(dir).filter((f) => f.startsWith('.fan.jpg'))).toEqual([]);
  });

  it('a camera busy with another capture: exit 1 (5.03); an output directory that does not exist: exit 2 before connecting', async () => {
    g = memoryGateway('snap-busy');
    const alice = g.operator('alice');
    g.camera.failNext = new DeviceError('busy', 'front-cam: a capture is in progress');
    const busy = await g.run(['snapshot', 'front-cam/snap', '-o', join(dir, 'busy.jpg')], { credential: alice.file });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/device busy \(5\.03 Service Unavailable\): front-cam: a capture is in progress; retry in 2 s$/m);
    const sentBefore = g.t.net.stats.sent;
    const nodir = await g.run(['snapshot', 'front-cam/snap', '-o', join(dir, 'missing', 'x.jpg')], { credential: alice.file });
    expect(nodir.code).toBe(2);
    expect(nodir.stderr).toMatch(/-o .*missing\/x\.jpg: directory .*missing does not exist; create it first or write elsewhere/);
    expect(g.t.net.stats.sent).toBe(sentBefore);
  });
});
