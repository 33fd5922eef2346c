/**
 * Attaches a virtual `SerialDevice` to a real serial device path, normally one end of a
 * `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B` pair, so any program (mbpoll,
 * the gateway, a Python script) can open the other end and talk to the part.
 *
 * Flow:
 *  1. open the path (attached-port.ts): a pty (/dev/pts/*) directly as a non-blocking file
 *     read on the event-loop thread (no threadpool hops), anything else with serialport 13
 *     at the part's settings;
 *  2. every chunk read → `device.receive(chunk)`, on a pty delayed to when its last character
 *     would have arrived at the baud rate (see `fromHost`);
 *  3. every `transmit(bytes)` from the part is queued and paced at the baud rate: a pty does
 *     not enforce baud or timing (docs/hardware.md#serial), so this does. Bytes are cut
 *     into pieces of at most `maxChunkBytes`; each piece is written when its last character
 *     would have arrived on a wire, counting from when the line went idle (or from the end of
 *     the previous piece). So a 9-byte Modbus reply at 9600 8N1 arrives whole, 9.4 ms after
 *     the part sent it, and a 4 KiB JPEG chunk at 38400 arrives in 256-byte pieces over ~1.1 s;
 *     a reply shorter than `maxChunkBytes` (default 256 = a full Modbus ADU) is never split;
 *  4. a part that switches its UART (VC0706 SET_PORT) is followed: pacing uses the new baud
 *     for what it sends next (the reply to SET_PORT itself still goes at the old baud):
 *     - on a real UART the OS port is re-set with `port.update`, which flushes both queues
 *       (bindings-cpp setBaudRate: tcflush TCIOFLUSH), so the reply is written and drained at
 *       the old baud first, then the port switches (as the camera does; the host cannot
 *       answer before the reply is out);
 *     - on a pty the OS baud does not change the bytes: the new baud is only recorded;
 *  5. `close()` stops the part and its timers, then closes the port.
 */
import { realpath } from 'node:fs/promises';
import { systemClock, type Clock, type TimerHandle } from '../../common/index.js';
import { characterTimeMs, type SerialSettings } from '../../drivers/serial/index.js';
import type { SerialDevice } from '../types.js';
import { openAttachedPort, type AttachedPort } from './attached-port.js';

/** A part whose UART speed can change under host command (VC0706 SET_PORT). */
export interface SwitchesBaudRate {
  onBaudRateChange(listener: (baudRate: number) => void): () => void;
}

function switchesBaudRate(device: SerialDevice): device is SerialDevice & SwitchesBaudRate {
  return typeof (device as Partial<SwitchesBaudRate>).onBaudRateChange === 'function';
}

export interface PtyAttachOptions {
  readonly path: string;
  readonly settings: SerialSettings;
  /** Pacing clock; default the system clock (a pty runs in real time). */
  readonly clock?: Clock;
  /** Largest piece written at once; default 256 bytes. */
  readonly maxChunkBytes?: number;
  /** The port failed or vanished (socat killed): the attachment is closed. */
  readonly onError?: (error: Error) => void;
}

export class PtyAttachment {
  private readonly queue: { bytes: Buffer; baudRate: number; startAt: number }[] = [];
  private timer: TimerHandle | undefined;
  private busyUntil = 0;
  /** When the last host character received so far finished arriving on the imaginary wire. */
  private rxBusyUntil = 0;
  private readonly rxTimers = new Set<TimerHandle>();
  private settings: SerialSettings;
  private closed = false;
  /** Runs once the queue is empty (a pending baud switch on a real UART). */
  private onIdle: (() => void) | undefined;
  /** The queue head has a due time (`headDue`) and will be written at or after it. */
  private headScheduled = false;
  private headDue = 0;
  private unsubscribe: (() => void) | undefined;
  /** Set once, right after opening (the port's events need `this`). */
  private port!: AttachedPort;

  private constructor(
    readonly device: SerialDevice,
    private readonly o: PtyAttachOptions,
    private readonly clock: Clock,
  ) {
    this.settings = o.settings;
  }

  /** Opens `path` and wires `device` to it. Rejects with a message naming the path and the fix. */
  static async open(device: SerialDevice, o: PtyAttachOptions): Promise<PtyAttachment> {
    const a = new PtyAttachment(device, o, o.clock ?? systemClock());
    const real = await realpath(o.path).catch(() => o.path);
    try {
      a.port = await openAttachedPort(o.path, real, o.settings, {
        data: (chunk) => a.fromHost(chunk),
        error: (e) => a.fail(new Error(`${o.path}: serial port error: ${e.message} (was socat stopped?)`)),
        closed: (err) => {
          const why = err === undefined ? '' : ` (${err.message})`;
          a.fail(new Error(`${o.path}: serial port closed under the simulator${why}; was socat stopped?`));
        },
      });
    } catch (e) {
      throw new Error(`${o.path}: cannot open serial port: ${(e as Error).message}; check the path (a socat pty link?) and its permissions`);
    }
    device.attach((bytes, startAt) => a.enqueue(bytes, startAt));
    if (switchesBaudRate(device)) a.unsubscribe = device.onBaudRateChange((b) => a.switchBaud(b));
    return a;
  }

  /** The path is a pseudo-terminal: host bytes are paced here too (see `fromHost`). */
  get isPty(): boolean {
    return this.port.isPty;
  }

  /** Current line settings (the baud follows the part). */
  get lineSettings(): SerialSettings {
    return this.settings;
  }

  /** The baud the OS port is set to (follows `lineSettings` once queued bytes are out). */
  get portBaudRate(): number {
    return this.port.baudRate;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    await this.port.close();
  }

  /**
   * Host → part. A pty hands over a whole write at once; a wire would take
   * `length × characterTime` for it, back to back with what came before. So on a pty each
   * chunk reaches the part when its last character would have arrived (the part's silence
   * timing, Modbus t3.5, counts from there). On a real UART the bytes already took that time.
   */
  private fromHost(chunk: Buffer): void {
    if (this.closed) return;
    if (!this.port.isPty) {
      this.device.receive(chunk);
      return;
    }
    const now = this.clock.now();
    const arrives = Math.max(now, this.rxBusyUntil) + chunk.length * characterTimeMs(this.settings);
    this.rxBusyUntil = arrives;
    const timer = this.clock.setTimeout(() => {
      this.rxTimers.delete(timer);
      if (!this.closed) this.device.receive(chunk, arrives);
    }, arrives - now);
    this.rxTimers.add(timer);
  }

  private enqueue(bytes: Buffer, startAt?: number): void {
    if (this.closed || bytes.length === 0) return;
    const max = this.o.maxChunkBytes ?? 256;
    const start = startAt ?? this.clock.now();
    for (let i = 0; i < bytes.length; i += max) this.queue.push({ bytes: Buffer.from(bytes.subarray(i, i + max)), baudRate: this.settings.baudRate, startAt: start });
    if (!this.headScheduled) this.pump();
  }

  /** Writes the head of the queue when its wire time is over; one timer at a time keeps order. */
  private pump(): void {
    const head = this.queue[0];
    if (head === undefined || this.closed) return;
    const now = this.clock.now();
    const wireMs = head.bytes.length * characterTimeMs({ ...this.settings, baudRate: head.baudRate });
    // `busyUntil`: when the previous piece's last character left the imaginary wire.
    this.headDue = Math.max(head.startAt, this.busyUntil) + wireMs;
    this.busyUntil = this.headDue;
    this.headScheduled = true;
    this.timer = this.clock.setTimeout(() => this.writeHead(), Math.max(0, this.headDue - now));
  }

  private writeHead(): void {
    this.timer = undefined;
    if (this.closed) return;
    // Node timers round to whole milliseconds and may fire a little early: never write early.
    const early = this.headDue - this.clock.now();
    if (early > 0) {
      this.timer = this.clock.setTimeout(() => this.writeHead(), early);
      return;
    }
    const head = this.queue.shift();
    this.headScheduled = false;
    if (head === undefined) return;
    this.port.write(head.bytes);
    if (this.queue.length > 0) this.pump();
    else this.onIdle?.();
  }

  private switchBaud(baudRate: number): void {
    this.settings = { ...this.settings, baudRate };
    const apply = (): void => {
      this.onIdle = undefined;
      this.port.setBaudRate(baudRate, (err) => {
        if (err !== undefined) this.fail(new Error(`${this.o.path}: cannot switch to ${baudRate} baud: ${err.message}`));
      });
    };
    if (this.port.isPty) {
      apply(); // nothing to flush or race on a pty: the baud is only recorded
      return;
    }
    if (!this.headScheduled) apply();
    else this.onIdle = apply;
  }

  private stop(): void {
    for (const t of this.rxTimers) this.clock.clearTimeout(t);
    this.rxTimers.clear();
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.headScheduled = false;
    this.unsubscribe?.();
    this.device.close();
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    this.o.onError?.(error);
  }
}
