/**
 * Host side of the VC0706 serial JPEG camera protocol (docs/hardware.md#vc0706):
 * `56 00 <cmd> <len> <args>` out, `76 00 <cmd> <status> <len> <data>` back.
 *
 * Snapshot flow:
 *  1. FBUF_CTRL stop-current-frame (`36 01 00`): the camera freezes one frame;
 *  2. GET_FBUF_LEN (`34 01 00`): its length, u32 big-endian;
 *  3. READ_FBUF (`32 0C 00 0A <addr u32> <len u32> 00 0A`) in chunks that are multiples of
 *     4 bytes: each answer is `76 00 32 00 00`, the bytes, `76 00 32 00 00` again;
 *  4. FBUF_CTRL resume (`36 01 03`), also when a step failed, so the camera runs again.
 * The JPEG must start `FF D8` and end `FF D9`, or the snapshot is refused; a frame length
 * above `maxFrameBytes` (a garbled reply) is refused before any buffer is allocated.
 *
 * Image size (docs/hardware.md#vc0706): WRITE_DATA `31 05 04 01 00 19 <code>` (type 04,
 * 1 byte at 0x0019; 00 = 640×480, 11 = 320×240, 22 = 160×120) stores the size, which takes
 * effect at the next reset, so `setImageSize` then resets (`26 00`: reply `76 00 26 00 00`,
 * then the boot text ending `Init end\r\n`, before which the camera ignores commands);
 * READ_DATA `30 04 04 01 00 19` reads the stored code back.
 * One command at a time per line (a Mutex); every wait is bounded by `timeoutMs`
 * (`resetTimeoutMs` for a reset's boot).
 */
import { Mutex, type Clock } from '../../common/index.js';
import type { SerialLine } from '../../drivers/index.js';

const HOST = 0x56;
const CAMERA = 0x76;
const CMD = { version: 0x11, reset: 0x26, readData: 0x30, writeData: 0x31, readFbuf: 0x32, fbufLen: 0x34, fbufCtrl: 0x36 } as const;

/** Image sizes and their codes at 0x0019 (docs/hardware.md#vc0706). */
export const VC0706_IMAGE_SIZES = { '640x480': 0x00, '320x240': 0x11, '160x120': 0x22 } as const;
export type Vc0706ImageSize = keyof typeof VC0706_IMAGE_SIZES;
const IMAGE_SIZE_ADDRESS = [0x00, 0x19] as const;
const IMAGE_SIZE_TYPE = 0x04;
const BOOT_END = 'Init end\r\n';

export class Vc0706Error extends Error {
  override readonly name = 'Vc0706Error';
}

export interface Vc0706ClientOptions {
  readonly clock: Clock;
  /** Camera serial number (byte 2 of every frame); default 0. */
  readonly serialNumber?: number;
  /** Longest wait for one reply; default 2000 ms (a 4 KiB chunk at 38400 baud takes ~1.1 s). */
  readonly timeoutMs?: number;
  /** READ_FBUF chunk size, a multiple of 4; default 1024. */
  readonly chunkBytes?: number;
  /** Longest wait for the boot text after a reset; default 3000 ms. */
  readonly resetTimeoutMs?: number;
  /** Largest frame accepted; default 512 KiB (a 640×480 JPEG is tens of KiB). */
  readonly maxFrameBytes?: number;
}

export class Vc0706Client {
  private readonly mutex = new Mutex();
  private readonly serial: number;
  private readonly timeoutMs: number;
  private readonly chunkBytes: number;

  constructor(
    private readonly line: SerialLine,
    private readonly o: Vc0706ClientOptions,
  ) {
    this.serial = o.serialNumber ?? 0;
    this.timeoutMs = o.timeoutMs ?? 2000;
    this.chunkBytes = o.chunkBytes ?? 1024;
    if (this.chunkBytes <= 0 || this.chunkBytes % 4 !== 0) {
      throw new RangeError(`VC0706 chunkBytes must be a positive multiple of 4, got ${this.chunkBytes}`);
    }
  }

  /** The firmware version text, e.g. "VC0703 1.00". */
  version(): Promise<string> {
    return this.mutex.run(async () => (await this.command(CMD.version, [])).toString('latin1'));
  }

  /** Freezes a frame, reads it whole, resumes video; resolves to the JPEG bytes. */
  snapshot(): Promise<Buffer> {
    return this.mutex.run(async () => {
      await this.command(CMD.fbufCtrl, [0x00]);
      try {
        const lenData = await this.command(CMD.fbufLen, [0x00]);
        if (lenData.length !== 4) throw new Vc0706Error(`${this.line.path}: VC0706 frame length reply has ${lenData.length} bytes, expected 4`);
        const length = lenData.readUInt32BE(0);
        const max = this.o.maxFrameBytes ?? 512 * 1024;
        if (length < 4 || length > max) throw new Vc0706Error(`${this.line.path}: VC0706 frame length ${length} is outside 4–${max} bytes (a garbled reply?); retry the snapshot`);
        const jpeg = Buffer.alloc(length);
        for (let at = 0; at < length; at += this.chunkBytes) {
          const want = Math.min(this.chunkBytes, length - at);
          const padded = Math.ceil(want / 4) * 4;
          const chunk = await this.readChunk(at, padded);
          chunk.copy(jpeg, at, 0, want);
        }
        checkJpeg(jpeg, this.line.path);
        return jpeg;
      } finally {
        await this.command(CMD.fbufCtrl, [0x03]);
      }
    });
  }

  /** Stores the image size and resets the camera so that it takes effect; resolves once it has booted. */
  setImageSize(size: Vc0706ImageSize): Promise<void> {
    const code = VC0706_IMAGE_SIZES[size];
    if (code === undefined) throw new RangeError(`VC0706 image size "${String(size)}" is not one of ${Object.keys(VC0706_IMAGE_SIZES).join(', ')}`);
    return this.mutex.run(async () => {
      await this.command(CMD.writeData, [IMAGE_SIZE_TYPE, 0x01, ...IMAGE_SIZE_ADDRESS, code]);
      await this.resetNow();
    });
  }

  /** The stored image size (the one in force since the last reset, unless changed since). */
  imageSize(): Promise<Vc0706ImageSize> {
    return this.mutex.run(async () => {
      const data = await this.command(CMD.readData, [IMAGE_SIZE_TYPE, 0x01, ...IMAGE_SIZE_ADDRESS]);
      const size = (Object.keys(VC0706_IMAGE_SIZES) as Vc0706ImageSize[]).find((k) => VC0706_IMAGE_SIZES[k] === data[0]);
      if (data.length !== 1 || size === undefined) throw new Vc0706Error(`${this.line.path}: VC0706 image size reads ${data.toString('hex') || 'nothing'}, not one of 00, 11, 22; reset the camera`);
      return size;
    });
  }

  /** Resets the camera; resolves once its boot text has ended (`Init end\r\n`). */
  reset(): Promise<void> {
    return this.mutex.run(() => this.resetNow());
  }

  private async resetNow(): Promise<void> {
    const header = Buffer.from([CAMERA, this.serial, CMD.reset, 0x00, 0x00]);
    const reply = await this.exchange(
      Buffer.from([HOST, this.serial, CMD.reset, 0x00]),
      (r) => {
        const end = r.indexOf(BOOT_END, 5, 'latin1');
        return end < 0 ? undefined : end + BOOT_END.length;
      },
      this.o.resetTimeoutMs ?? 3000,
    );
    if (!reply.subarray(0, 5).equals(header)) {
      throw new Vc0706Error(`${this.line.path}: VC0706 reply to reset starts ${reply.subarray(0, 5).toString('hex')}, expected ${header.toString('hex')}; check the baud rate`);
    }
  }

  private async readChunk(address: number, length: number): Promise<Buffer> {
    const args = Buffer.alloc(12);
    args.writeUInt16BE(0x000a, 0); // 0x0A: data through the UART, MCU mode
    args.writeUInt32BE(address, 2);
    args.writeUInt32BE(length, 6);
    args.writeUInt16BE(0x000a, 10); // delay in 0.01 ms units
    const header = [CAMERA, this.serial, CMD.readFbuf, 0x00, 0x00];
    const reply = await this.exchange(Buffer.from([HOST, this.serial, CMD.readFbuf, args.length, ...args]), 5 + length + 5);
    if (!reply.subarray(0, 5).equals(Buffer.from(header)) || !reply.subarray(5 + length).equals(Buffer.from(header))) {
      throw new Vc0706Error(`${this.line.path}: VC0706 READ_FBUF at ${address}: reply is not framed by 76 ${hex(this.serial)} 32 00 00; check the baud rate and cable`);
    }
    return reply.subarray(5, 5 + length);
  }

  /** Sends a command and returns the data its reply carries (length from the reply header). */
  private async command(cmd: number, args: number[]): Promise<Buffer> {
    const reply = await this.exchange(Buffer.from([HOST, this.serial, cmd, args.length, ...args]), (r) => (r.length >= 5 ? 5 + (r[4] ?? 0) : undefined));
    if (reply[0] !== CAMERA || reply[1] !== this.serial || reply[2] !== cmd) {
      throw new Vc0706Error(`${this.line.path}: VC0706 reply to command 0x${hex(cmd)} starts ${reply.subarray(0, 3).toString('hex')}, expected 76${hex(this.serial)}${hex(cmd)}; check the baud rate`);
    }
    if (reply[3] !== 0) throw new Vc0706Error(`${this.line.path}: VC0706 refused command 0x${hex(cmd)} with status ${reply[3]}`);
    return reply.subarray(5);
  }

  /** Writes `request` and collects bytes until `expected` (a count, or a function of what came) is reached. */
  private exchange(request: Buffer, expected: number | ((r: Buffer) => number | undefined), timeoutMs = this.timeoutMs): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      let got = Buffer.alloc(0);
      const finish = (error?: Error): void => {
        unsubscribe();
        this.o.clock.clearTimeout(timer);
        if (error) reject(error);
        else resolve(got);
      };
      const unsubscribe = this.line.onData((chunk) => {
        got = Buffer.concat([got, chunk]);
        const need = typeof expected === 'number' ? expected : expected(got);
        if (need !== undefined && got.length >= need) {
          got = got.subarray(0, need);
          finish();
        }
      });
      const timer = this.o.clock.setTimeout(
        () => finish(new Vc0706Error(`${this.line.path}: VC0706 did not answer command 0x${hex(request[2] ?? 0)} within ${timeoutMs} ms (got ${got.length} bytes); check power, wiring and baud rate (default 38400)`)),
        timeoutMs,
      );
      this.line.write(request).catch((e: unknown) => finish(e instanceof Error ? e : new Error(String(e))));
    });
  }
}

function checkJpeg(jpeg: Buffer, path: string): void {
  const ok = jpeg.length >= 4 && jpeg[0] === 0xff && jpeg[1] === 0xd8 && jpeg[jpeg.length - 2] === 0xff && jpeg[jpeg.length - 1] === 0xd9;
  if (!ok) throw new Vc0706Error(`${path}: VC0706 frame of ${jpeg.length} bytes is not a whole JPEG (must start FF D8 and end FF D9); retry the snapshot`);
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
