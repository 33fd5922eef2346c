/**
 * Virtual VC0706 serial JPEG camera (38400 8N1 at power-up), per docs/hardware.md#vc0706.
 *
 * Flow, per host command:
 *  1. `receive` feeds the `CommandAssembler`; a partial command with no byte for
 *     `partialTimeoutMs` is dropped (the datasheet gives no inter-byte timeout: a choice here,
 *     so one stray 0x56 cannot wedge the parser). Bytes received while booting are ignored.
 *  2. A command for another serial number is ignored. An armed fault is taken:
 *     unplug / nack / timeout → not executed, no reply; crc → executed, one bit of the reply's
 *     last byte flipped (the protocol has no checksum: the host sees a wrong byte);
 *     garbage → executed, random bytes of the reply's length instead.
 *  3. The command runs `responseDelayMs` later and replies:
 *     - reset: `76 00 26 00 00`, then after `bootMs` the boot text ending `Init end\r\n`;
 *       the video runs again and a pending image size takes effect;
 *     - version: `76 00 11 00 0B VC0703 1.00`;
 *     - FBUF_CTRL stop (00/01/02): the current scene is frozen and encoded; resume (03) unfreezes;
 *     - GET_FBUF_LEN: u32 big-endian length of the frozen JPEG;
 *     - READ_FBUF: header, the bytes after the requested delay (units of 0.01 ms), trailer;
 *       the address must be a multiple of 4 (chunks are read in 4-byte words); bytes past
 *       the end of the JPEG read as 0x00;
 *     - SET_PORT: the reply goes out at the old baud, then the UART switches: listeners of
 *       `onBaudRateChange` (the pty attachment) are told. The baud survives a reset command
 *       (the CircuitPython driver probes every baud after a reset for this reason);
 *     - WRITE_DATA of the image size (type 04, 0x0019): stored, effective after the next reset
 *       (so on the real module: the tessel and Adafruit Raspberry Pi drivers reset after
 *       setting it); READ_DATA reads the stored value back;
 *     - anything else: `76 00 <cmd> 01 00` (not recognised).
 *  Frames refused for bad length answer status 2, bad arguments 3, no frozen frame 4.
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import { corruptLastByte, FaultInjector, garbageBytes } from '../faults.js';
import type { SerialDevice } from '../types.js';
import { TestScene, type FrameSource } from './test-scene.js';
import {
  BAUD_BY_DIVIDER,
  BOOT_TEXT,
  Command,
  CommandAssembler,
  COMPRESSION_ADDRESS,
  FbufControl,
  IMAGE_SIZE_ADDRESS,
  imageSizeByCode,
  reply,
  Status,
  VERSION_TEXT,
  type HostCommand,
  type ImageSize,
} from './vc0706-protocol.js';

/** One piece of a reply: sent `afterMs` after the previous piece; `then` runs once it is handed over. */
interface Outgoing {
  bytes: Buffer;
  readonly afterMs?: number;
  readonly then?: () => void;
}

export interface Vc0706Event {
  readonly command: number;
  readonly text: string;
}

export interface Vc0706Options {
  readonly clock: Clock;
  readonly source?: FrameSource;
  readonly faults?: FaultInjector;
  readonly random?: () => number;
  /** Serial number the camera answers to (byte 2 of every frame). Default 0. */
  readonly serialNumber?: number;
  /** UART baud at power-up. Default 38400. */
  readonly baudRate?: number;
  /** Image-size code at power-up (0x00 640×480, 0x11 320×240, 0x22 160×120). Default 0x00. */
  readonly imageSizeCode?: number;
  /** Time from a reset command's reply to the boot text, ms. Default 200. */
  readonly bootMs?: number;
  /** Time the camera takes before it answers a command, ms. Default 2. */
  readonly responseDelayMs?: number;
  /** A partial command is dropped after this much silence, ms. Default 100. */
  readonly partialTimeoutMs?: number;
  readonly onEvent?: (event: Vc0706Event) => void;
}

export class Vc0706Camera implements SerialDevice {
  readonly part = 'VC0706';
  readonly faults: FaultInjector;
  private transmit: ((bytes: Buffer) => void) | undefined;
  private readonly assembler = new CommandAssembler();
  private readonly source: FrameSource;
  private readonly serial: number;
  private readonly baudListeners = new Set<(baudRate: number) => void>();
  private readonly timers = new Set<TimerHandle>();
  private partialTimer: TimerHandle | undefined;
  private baud: number;
  private size: ImageSize;
  private storedSizeCode: number;
  private compression = 0x35;
  private readonly memory = new Map<string, number>();
  private frozen: Buffer | undefined;
  private booting = false;
  private closed = false;

  constructor(private readonly o: Vc0706Options) {
    this.faults = o.faults ?? new FaultInjector();
    this.source = o.source ?? new TestScene(o.clock);
    this.serial = o.serialNumber ?? 0;
    this.baud = o.baudRate ?? 38400;
    this.storedSizeCode = o.imageSizeCode ?? 0x00;
    this.size = imageSizeByCode(this.storedSizeCode) ?? { code: 0, width: 640, height: 480 };
  }

  /** Current UART baud rate. */
  get baudRate(): number {
    return this.baud;
  }

  /** Image size in force (changes at a reset after an image-size write). */
  get imageSize(): ImageSize {
    return this.size;
  }

  /** The transport follows the camera's UART: called after a SET_PORT reply has been sent. */
  onBaudRateChange(listener: (baudRate: number) => void): () => void {
    this.baudListeners.add(listener);
    return () => this.baudListeners.delete(listener);
  }

  attach(transmit: (bytes: Buffer) => void): void {
    this.transmit = transmit;
  }

  receive(bytes: Buffer): void {
    if (this.closed || this.booting) return;
    if (this.partialTimer !== undefined) this.o.clock.clearTimeout(this.partialTimer);
    this.partialTimer = undefined;
    for (const c of this.assembler.push(bytes)) this.onCommand(c);
    if (this.assembler.pending) {
      this.partialTimer = this.o.clock.setTimeout(() => this.assembler.clear(), this.o.partialTimeoutMs ?? 100);
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) this.o.clock.clearTimeout(t);
    this.timers.clear();
    if (this.partialTimer !== undefined) this.o.clock.clearTimeout(this.partialTimer);
  }

  private onCommand(c: HostCommand): void {
    if (c.serial !== this.serial) return;
    if (this.faults.peek() === 'unplug') return this.emit(c.cmd, 'fault unplug: silent');
    const fault = this.faults.take();
    if (fault === 'nack' || fault === 'timeout') return this.emit(c.cmd, `fault ${fault}: no reply`);
    this.later(this.o.responseDelayMs ?? 2, () => {
      const parts = this.execute(c);
      const total = parts.reduce((n, p) => n + p.bytes.length, 0);
      if (fault === 'garbage') {
        this.send(garbageBytes(total, this.o.random));
        return;
      }
      if (fault === 'crc') {
        const last = parts.at(-1);
        if (last !== undefined) last.bytes = corruptLastByte(last.bytes);
      }
      let at = 0;
      for (const p of parts) {
        at += p.afterMs ?? 0;
        const go = (): void => {
          this.send(p.bytes);
          p.then?.();
        };
        if (at === 0) go();
        else this.later(at, go);
      }
    });
  }

  /** Runs one command; returns what to send (with delays for read-frame data and boot text). */
  private execute(c: HostCommand): Outgoing[] {
    const ok = (data?: Uint8Array): Outgoing[] => [{ bytes: reply(this.serial, c.cmd, Status.Ok, data) }];
    const refuse = (status: Status, why: string): Outgoing[] => {
      this.emit(c.cmd, `cmd 0x${c.cmd.toString(16)} refused (status ${status}): ${why}`);
      return [{ bytes: reply(this.serial, c.cmd, status) }];
    };
    const a = c.args;
    switch (c.cmd) {
      case Command.SystemReset:
        this.booting = true;
        this.frozen = undefined;
        this.size = imageSizeByCode(this.storedSizeCode) ?? this.size;
        this.emit(c.cmd, `reset → booting, then ${this.size.width}×${this.size.height}`);
        this.later(this.o.bootMs ?? 200, () => {
          this.booting = false;
          this.assembler.clear();
        });
        return [...ok(), { bytes: Buffer.from(BOOT_TEXT, 'latin1'), afterMs: this.o.bootMs ?? 200 }];
      case Command.GenVersion:
        this.emit(c.cmd, `version → ${VERSION_TEXT}`);
        return ok(Buffer.from(VERSION_TEXT, 'latin1'));
      case Command.FbufCtrl: {
        if (a.length !== 1 || c.declaredLength !== 1) return refuse(Status.DataLength, 'FBUF_CTRL takes 1 byte');
        const flag = a[0];
        if (flag === FbufControl.Resume) {
          this.frozen = undefined;
          this.emit(c.cmd, 'resume video');
          return ok();
        }
        if (flag !== FbufControl.StopCurrent && flag !== FbufControl.StopNext && flag !== FbufControl.Step) return refuse(Status.DataFormat, `control ${flag}`);
        this.frozen = this.source.capture(this.size.width, this.size.height, this.quality());
        this.emit(c.cmd, `take picture → ${this.size.width}×${this.size.height} JPEG, ${this.frozen.length} bytes`);
        return ok();
      }
      case Command.GetFbufLen: {
        if (a.length !== 1) return refuse(Status.DataLength, 'GET_FBUF_LEN takes 1 byte');
        if (this.frozen === undefined) return refuse(Status.CannotExecuteNow, 'no frame frozen (take a picture first)');
        const len = Buffer.alloc(4);
        len.writeUInt32BE(this.frozen.length);
        this.emit(c.cmd, `frame length → ${this.frozen.length}`);
        return ok(len);
      }
      case Command.ReadFbuf:
        return this.readFrame(c, refuse);
      case Command.SetPort: {
        if (a.length !== 3 || a[0] !== 0x01) return refuse(Status.DataLength, 'SET_PORT takes 01 <divider u16>');
        const baud = BAUD_BY_DIVIDER.get(a.readUInt16BE(1));
        if (baud === undefined) return refuse(Status.DataFormat, `unknown divider 0x${a.readUInt16BE(1).toString(16)}`);
        this.emit(c.cmd, `set baud ${this.baud} → ${baud}`);
        this.baud = baud;
        // The reply leaves at the old baud; the transport switches once it has it queued.
        return [{ bytes: reply(this.serial, c.cmd, Status.Ok), then: () => this.baudListeners.forEach((l) => l(baud)) }];
      }
      case Command.WriteData:
      case Command.ReadData:
        return this.memoryAccess(c, refuse);
      default:
        return refuse(Status.NotRecognised, 'command not modelled');
    }
  }

  private readFrame(c: HostCommand, refuse: (s: Status, why: string) => Outgoing[]): Outgoing[] {
    const a = c.args;
    if (a.length !== 12) return refuse(Status.DataLength, 'READ_FBUF takes 12 bytes');
    if (this.frozen === undefined) return refuse(Status.CannotExecuteNow, 'no frame frozen (take a picture first)');
    const address = a.readUInt32BE(2);
    const length = a.readUInt32BE(6);
    if (address % 4 !== 0) return refuse(Status.DataFormat, `address ${address} is not a multiple of 4`);
    const data = Buffer.alloc(length);
    this.frozen.copy(data, 0, Math.min(address, this.frozen.length), Math.min(address + length, this.frozen.length));
    const delayMs = a.readUInt16BE(10) / 100;
    this.emit(c.cmd, `read frame @${address} +${length}`);
    const marker = reply(this.serial, c.cmd, Status.Ok);
    return [{ bytes: marker }, { bytes: data, afterMs: delayMs }, { bytes: Buffer.from(marker) }];
  }

  private memoryAccess(c: HostCommand, refuse: (s: Status, why: string) => Outgoing[]): Outgoing[] {
    const a = c.args;
    const write = c.cmd === Command.WriteData;
    const count = a[1] ?? 0;
    if (a.length < 4 || count < 1 || a.length !== 4 + (write ? count : 0)) return refuse(Status.DataLength, 'READ/WRITE_DATA: type, count, address u16[, data]');
    const type = a[0] ?? 0;
    const address = a.readUInt16BE(2);
    const key = (i: number): string => `${type}:${address + i}`;
    if (write) {
      const value = a[4] ?? 0;
      if (type === 0x04 && address === IMAGE_SIZE_ADDRESS) {
        if (imageSizeByCode(value) === undefined) return refuse(Status.DataFormat, `image size code 0x${value.toString(16)}`);
        this.storedSizeCode = value;
        this.emit(c.cmd, `image size 0x${value.toString(16)} stored (takes effect at reset)`);
      } else if (type === 0x01 && address === COMPRESSION_ADDRESS) {
        this.compression = value;
        this.emit(c.cmd, `compression ${value}`);
      } else this.emit(c.cmd, `write data type ${type} @0x${address.toString(16)}`);
      for (let i = 0; i < count; i++) this.memory.set(key(i), a[4 + i] ?? 0);
      return [{ bytes: reply(this.serial, c.cmd, Status.Ok) }];
    }
    const data = Buffer.alloc(count);
    for (let i = 0; i < count; i++) data[i] = this.memory.get(key(i)) ?? 0;
    if (type === 0x04 && address === IMAGE_SIZE_ADDRESS) data[0] = this.storedSizeCode;
    if (type === 0x01 && address === COMPRESSION_ADDRESS) data[0] = this.compression;
    this.emit(c.cmd, `read data type ${type} @0x${address.toString(16)} → ${[...data].join(' ')}`);
    return [{ bytes: reply(this.serial, c.cmd, Status.Ok, data) }];
  }

  /** JPEG quality from the compression ratio (0x00 least … 0xFF most compressed). */
  private quality(): number {
    return Math.max(10, Math.round(95 - (this.compression * 85) / 255));
  }

  private send(bytes: Buffer): void {
    if (!this.closed && bytes.length > 0) this.transmit?.(bytes);
  }

  private later(ms: number, fn: () => void): void {
    const h = this.o.clock.setTimeout(() => {
      this.timers.delete(h);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(h);
  }

  private emit(command: number, text: string): void {
    this.o.onEvent?.({ command, text });
  }
}
