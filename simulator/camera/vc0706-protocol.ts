/**
 * VC0706 serial protocol facts (docs/hardware.md#vc0706; cross-checked with the Adafruit VC0706
 * Arduino and CircuitPython libraries).
 *
 *   host:   56 <serial> <cmd> <len> <len bytes of arguments>
 *   camera: 76 <serial> <cmd> <status> <len> <len bytes of data>
 *
 * Status 0 means done. The libraries only test status == 0; the codes used for refusals
 * follow the VC0706 protocol manual's list: 1 command not recognised, 2 wrong data length,
 * 3 data format error, 4 cannot execute now.
 */

export const HOST_MARK = 0x56;
export const CAMERA_MARK = 0x76;

export const Command = {
  GenVersion: 0x11,
  SetPort: 0x24,
  SystemReset: 0x26,
  ReadData: 0x30,
  WriteData: 0x31,
  ReadFbuf: 0x32,
  GetFbufLen: 0x34,
  FbufCtrl: 0x36,
  CommMotionCtrl: 0x37,
  CommMotionStatus: 0x38,
} as const;

export const Status = {
  Ok: 0,
  NotRecognised: 1,
  DataLength: 2,
  DataFormat: 3,
  CannotExecuteNow: 4,
} as const;
export type Status = (typeof Status)[keyof typeof Status];

/** FBUF_CTRL control flags (Adafruit: STOPCURRENTFRAME 0, STOPNEXTFRAME 1, STEPFRAME 2, RESUMEFRAME 3). */
export const FbufControl = { StopCurrent: 0x00, StopNext: 0x01, Step: 0x02, Resume: 0x03 } as const;

/** SET_PORT divider words (docs/hardware.md#vc0706). */
export const BAUD_BY_DIVIDER: ReadonlyMap<number, number> = new Map([
  [0xaec8, 9600],
  [0x56e4, 19200],
  [0x2af2, 38400],
  [0x1c1c, 57600],
  [0x0da6, 115200],
]);

export interface ImageSize {
  readonly code: number;
  readonly width: number;
  readonly height: number;
}

/** Image-size codes written at EEPROM address 0x0019 (docs/hardware.md#vc0706). */
export const IMAGE_SIZES: readonly ImageSize[] = [
  { code: 0x00, width: 640, height: 480 },
  { code: 0x11, width: 320, height: 240 },
  { code: 0x22, width: 160, height: 120 },
];

export function imageSizeByCode(code: number): ImageSize | undefined {
  return IMAGE_SIZES.find((s) => s.code === code);
}

/** Memory address of the image-size byte (WRITE_DATA/READ_DATA type 04, 1 byte, 0x0019). */
export const IMAGE_SIZE_ADDRESS = 0x0019;
/** Chip register holding the JPEG compression ratio (Adafruit setCompression: type 01, 0x1204). */
export const COMPRESSION_ADDRESS = 0x1204;

export const VERSION_TEXT = 'VC0703 1.00';
/**
 * Printed after a reset (docs/hardware.md#vc0706). Only the last line is certain; the lines
 * before it are what module owners report seeing; drivers wait for "Init end\r\n" and ignore
 * the rest.
 */
export const BOOT_TEXT = 'VC0703 1.00\r\nCtrl infr exist\r\nUser-defined sensor\r\n525\r\nInit end\r\n';

/** A reply: 76 <serial> <cmd> <status> <len> <data>. */
export function reply(serial: number, cmd: number, status: Status, data: Uint8Array = new Uint8Array(0)): Buffer {
  return Buffer.concat([Buffer.from([CAMERA_MARK, serial, cmd, status, data.length]), data]);
}

export interface HostCommand {
  readonly serial: number;
  readonly cmd: number;
  /** The length byte as sent. */
  readonly declaredLength: number;
  readonly args: Buffer;
}

/**
 * Cuts host commands out of the byte stream. Bytes before a 0x56 are dropped (noise, or the
 * tail of a command the camera did not understand).
 *
 * GEN_VERSION is complete after its 4 header bytes whatever its length byte says:
 * docs/hardware.md#vc0706 shows `56 00 11 00`, and both Adafruit libraries send `56 00 11 01`
 * with no argument byte, and the module answers both.
 */
export class CommandAssembler {
  private buf = Buffer.alloc(0);

  /** True while part of a command is waiting for more bytes. */
  get pending(): boolean {
    return this.buf.length > 0;
  }

  push(bytes: Buffer): HostCommand[] {
    this.buf = Buffer.concat([this.buf, bytes]);
    const out: HostCommand[] = [];
    for (;;) {
      const start = this.buf.indexOf(HOST_MARK);
      if (start < 0) {
        this.buf = Buffer.alloc(0);
        break;
      }
      if (start > 0) this.buf = this.buf.subarray(start);
      if (this.buf.length < 4) break;
      const cmd = this.buf[2] ?? 0;
      const declared = this.buf[3] ?? 0;
      const argLength = cmd === Command.GenVersion ? 0 : declared;
      if (this.buf.length < 4 + argLength) break;
      out.push({ serial: this.buf[1] ?? 0, cmd, declaredLength: declared, args: Buffer.from(this.buf.subarray(4, 4 + argLength)) });
      this.buf = this.buf.subarray(4 + argLength);
    }
    return out;
  }

  clear(): void {
    this.buf = Buffer.alloc(0);
  }
}
