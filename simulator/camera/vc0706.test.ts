import { decode } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { VirtualSerialLine } from '../serial/virtual-line.js';
import { Vc0706Camera, type Vc0706Options } from './vc0706.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');

function makeCamera(o: Partial<Vc0706Options> = {}) {
  const clock = new ManualClock(10_000);
  const camera = new Vc0706Camera({ clock, random: () => 0.5, ...o });
  const line = new VirtualSerialLine(camera, clock, { baudRate: 38400 });
  const received: Buffer[] = [];
  line.onData((b) => received.push(b));
  return {
    clock,
    camera,
    line,
    /** Sends `bytes`, lets `waitMs` of simulated time pass, returns everything that came back. */
    async send(bytes: Buffer, waitMs = 50): Promise<Buffer> {
      received.length = 0;
      void line.write(bytes);
      await clock.advance(waitMs);
      return Buffer.concat(received);
    },
  };
}

type Cam = ReturnType<typeof makeCamera>;

/** Freeze, read the length, read in `chunk`-byte pieces (a multiple of 4), resume. */
async function capture(cam: Cam, chunk = 1024): Promise<Buffer> {
  expect(await cam.send(hex('56 00 36 01 00'))).toEqual(hex('76 00 36 00 00'));
  const lenReply = await cam.send(hex('56 00 34 01 00'));
  expect(lenReply.subarray(0, 5)).toEqual(hex('76 00 34 00 04'));
  const length = lenReply.readUInt32BE(5);
  const parts: Buffer[] = [];
  for (let addr = 0; addr < length; addr += chunk) {
    const cmd = Buffer.concat([hex('56 00 32 0C 00 0A'), u32(addr), u32(chunk), hex('00 0A')]);
    const r = await cam.send(cmd, Math.ceil(((chunk + 20) * 10 * 1000) / 38400) + 20);
    expect(r.subarray(0, 5)).toEqual(hex('76 00 32 00 00'));
    expect(r.subarray(-5)).toEqual(hex('76 00 32 00 00'));
    expect(r).toHaveLength(chunk + 10);
    parts.push(r.subarray(5, -5));
  }
  expect(await cam.send(hex('56 00 36 01 03'))).toEqual(hex('76 00 36 00 00'));
  return Buffer.concat(parts).subarray(0, length);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

describe('VC0706: replies byte for byte (the docs/hardware.md#vc0706 table)', () => {
  it('reset: status reply, then the boot text ending Init end', async () => {
    const cam = makeCamera();
    const r = await cam.send(hex('56 00 26 00'), 400);
    expect(r.subarray(0, 5)).toEqual(hex('76 00 26 00 00'));
    expect(r.subarray(5).toString('latin1').endsWith('Init end\r\n')).toBe(true);
  });

  it('version, as docs/hardware.md#vc0706 writes it and as the Adafruit libraries send it', async () => {
    const cam = makeCamera();
    const expected = Buffer.concat([hex('76 00 11 00 0B'), ascii('VC0703 1.00')]);
    expect(await cam.send(hex('56 00 11 00'))).toEqual(expected);
    expect(await cam.send(hex('56 00 11 01'))).toEqual(expected);
  });

  it('take picture, frame length, resume', async () => {
    const cam = makeCamera();
    expect(await cam.send(hex('56 00 36 01 00'))).toEqual(hex('76 00 36 00 00'));
    const r = await cam.send(hex('56 00 34 01 00'));
    expect(r).toHaveLength(9);
    expect(r.subarray(0, 5)).toEqual(hex('76 00 34 00 04'));
    expect(r.readUInt32BE(5)).toBeGreaterThan(1000);
    expect(await cam.send(hex('56 00 36 01 03'))).toEqual(hex('76 00 36 00 00'));
  });

  it('read frame: header, exactly the asked bytes (starting FF D8), trailer', async () => {
    const cam = makeCamera();
    await cam.send(hex('56 00 36 01 00'));
    const r = await cam.send(hex('56 00 32 0C 00 0A 00000000 00000020 00 0A'));
    expect(r).toHaveLength(5 + 32 + 5);
    expect(r.subarray(0, 7)).toEqual(hex('76 00 32 00 00 FF D8'));
    expect(r.subarray(-5)).toEqual(hex('76 00 32 00 00'));
  });

  it('set baud: the reply at the old baud, then the transport is told', async () => {
    for (const [divider, baud] of [
      ['AE C8', 9600],
      ['56 E4', 19200],
      ['2A F2', 38400],
      ['1C 1C', 57600],
      ['0D A6', 115200],
    ] as const) {
      const cam = makeCamera();
      const told: number[] = [];
      cam.camera.onBaudRateChange((b) => told.push(b));
      expect(await cam.send(hex(`56 00 24 03 01 ${divider}`))).toEqual(hex('76 00 24 00 00'));
      expect(told).toEqual([baud]);
      expect(cam.camera.baudRate).toBe(baud);
    }
  });

  it('image size: acknowledged, read back, in force only after a reset', async () => {
    const cam = makeCamera();
    expect(await cam.send(hex('56 00 31 05 04 01 00 19 22'))).toEqual(hex('76 00 31 00 00'));
    expect(await cam.send(hex('56 00 30 04 04 01 00 19'))).toEqual(hex('76 00 30 00 01 22'));
    expect(cam.camera.imageSize.width).toBe(640);
    await cam.send(hex('56 00 26 00'), 400);
    expect(cam.camera.imageSize).toMatchObject({ width: 160, height: 120 });
    const jpeg = await capture(cam);
    expect(decode(jpeg, { useTArray: true })).toMatchObject({ width: 160, height: 120 });
  });

  it('refusals: unknown command, bad arguments, nothing frozen', async () => {
    const cam = makeCamera();
    expect(await cam.send(hex('56 00 44 02 01 01'))).toEqual(hex('76 00 44 01 00'));
    expect(await cam.send(hex('56 00 24 03 01 12 34'))).toEqual(hex('76 00 24 03 00'));
    expect(await cam.send(hex('56 00 31 05 04 01 00 19 33'))).toEqual(hex('76 00 31 03 00'));
    expect(await cam.send(hex('56 00 34 01 00'))).toEqual(hex('76 00 34 04 00'));
    expect(await cam.send(hex('56 00 32 0C 00 0A 00000000 00000020 00 0A'))).toEqual(hex('76 00 32 04 00'));
    await cam.send(hex('56 00 36 01 00'));
    expect(await cam.send(hex('56 00 32 0C 00 0A 00000002 00000020 00 0A'))).toEqual(hex('76 00 32 03 00'));
  });

  it('ignores noise before a command, and commands for another serial number', async () => {
    const cam = makeCamera();
    expect(await cam.send(hex('00 FF 13 56 00 11 00'))).toEqual(Buffer.concat([hex('76 00 11 00 0B'), ascii('VC0703 1.00')]));
    expect(await cam.send(hex('56 01 11 00'))).toHaveLength(0);
  });
});

describe('VC0706: pictures', () => {
  it('a full capture in 4-byte-multiple chunks is a valid 640×480 JPEG', async () => {
    const cam = makeCamera();
    const jpeg = await capture(cam, 2048);
    expect(jpeg.subarray(0, 2)).toEqual(hex('FF D8'));
    expect(jpeg.subarray(-2)).toEqual(hex('FF D9'));
    expect(decode(jpeg, { useTArray: true })).toMatchObject({ width: 640, height: 480 });
  });

  it('two captures some simulated seconds apart differ; the frozen frame does not change', async () => {
    const cam = makeCamera({ imageSizeCode: 0x22 });
    const first = await capture(cam);
    await cam.clock.advance(3000);
    const second = await capture(cam);
    expect(second.equals(first)).toBe(false);
    await cam.send(hex('56 00 36 01 00'));
    const len = (await cam.send(hex('56 00 34 01 00'))).readUInt32BE(5);
    await cam.clock.advance(5000);
    expect((await cam.send(hex('56 00 34 01 00'))).readUInt32BE(5)).toBe(len);
  });
});

describe('VC0706: faults', () => {
  it('nack and timeout: no reply; unplug: silent until cleared', async () => {
    const cam = makeCamera();
    cam.camera.faults.inject('nack', 1);
    expect(await cam.send(hex('56 00 11 00'))).toHaveLength(0);
    cam.camera.faults.inject('timeout', 1);
    expect(await cam.send(hex('56 00 11 00'))).toHaveLength(0);
    cam.camera.faults.inject('unplug');
    cam.camera.receive(hex('56 00 11 00'));
    await cam.clock.advance(50);
    cam.camera.faults.clear();
    expect(await cam.send(hex('56 00 11 00'))).toHaveLength(16);
  });

  it('crc: one wrong bit in the last byte; garbage: random bytes of the same length', async () => {
    const cam = makeCamera({ random: () => 0.25 });
    const good = hex('76 00 36 00 00');
    cam.camera.faults.inject('crc', 1);
    const bad = await cam.send(hex('56 00 36 01 03'));
    expect(bad).toHaveLength(5);
    expect(bad.subarray(0, 4)).toEqual(good.subarray(0, 4));
    expect(bad[4]).toBe(0x01);
    cam.camera.faults.inject('garbage', 1);
    expect(await cam.send(hex('56 00 36 01 03'))).toEqual(Buffer.alloc(5, 0x40));
  });
});
