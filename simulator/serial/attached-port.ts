/**
 * The OS side of a `PtyAttachment`: the port the part's bytes go through. Two kinds:
 *
 * - a pseudo-terminal (/dev/pts/*, a socat pty link): opened directly as a file
 *   (O_RDWR | O_NOCTTY | O_NONBLOCK), read with a `tty.ReadStream` (libuv tty handle: epoll on
 *   the event-loop thread) and written with `fs.writeSync` on the non-blocking fd. serialport
 *   would hop through the libuv threadpool on every read and write, ~0.1–0.2 ms each way on
 *   a pty, which a Modbus line at 115200 baud notices (bench/modbus-line-rate.ts). A pty has
 *   no baud rate: a baud change is recorded for pacing only (nothing to re-set in the OS);
 * - anything else (a real UART): serialport 13, which sets the line up and can re-set the
 *   baud rate (`port.update`, after the queued bytes are drained).
 *
 * Must hold: bytes are written in the order given and never dropped (a pty that is full
 * answers EAGAIN: the rest is retried on the next turn of the event loop); the port going
 * away (socat stopped: end of file, EIO) is reported once through `events.onClosed` or
 * `events.onError`, never after `close()`.
 */
import { execFile } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { promisify } from 'node:util';
import { SerialPort } from 'serialport';
import type { SerialSettings } from '../../drivers/serial/index.js';

export interface AttachedPortEvents {
  data(chunk: Buffer): void;
  /** The port failed (read or write error). */
  error(error: Error): void;
  /** The port closed by itself (socat stopped); `why` is the cause, if known. */
  closed(why?: Error): void;
}

export interface AttachedPort {
  /** True for a pseudo-terminal: bytes move untimed, the OS baud rate means nothing. */
  readonly isPty: boolean;
  /** The baud rate the OS port is set to (on a pty: the last one recorded). */
  readonly baudRate: number;
  /** Writes `bytes` now (the caller paces them). */
  write(bytes: Buffer): void;
  /** Re-sets the baud rate once the bytes written so far are out; `done` with the failure if any. */
  setBaudRate(baudRate: number, done: (error?: Error) => void): void;
  close(): Promise<void>;
}

/** Opens `path` as a pty (fd + tty handle) when it is one, else with serialport. */
export async function openAttachedPort(path: string, realPath: string, settings: SerialSettings, events: AttachedPortEvents): Promise<AttachedPort> {
  if (realPath.startsWith('/dev/pts/')) return PtyFdPort.open(realPath, settings.baudRate, events);
  return SerialPortPort.open(path, settings, events);
}

const run = promisify(execFile);

class PtyFdPort implements AttachedPort {
  readonly isPty = true;
  private pending: Buffer[] = [];
  private retry: NodeJS.Immediate | undefined;
  private done = false;

  private constructor(
    private readonly fd: number,
    private readonly input: ReadStream,
    public baudRate: number,
    private readonly events: AttachedPortEvents,
  ) {
    input.on('data', (chunk: Buffer) => {
      if (!this.done) events.data(chunk);
    });
    // socat gone: the pty hangs up, a read gives end of file (or EIO).
    input.on('end', () => this.lost());
    input.on('close', () => this.lost());
    input.on('error', (e: Error) => this.lost(e));
  }

  static async open(path: string, baudRate: number, events: AttachedPortEvents): Promise<PtyFdPort> {
    // O_NOCTTY: the pty must never become pia-sim's controlling terminal (socat's hangup
    // would then send it SIGHUP).
    const fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    try {
      // Raw, as serialport would set it (socat's `raw,echo=0` does too, but a pty made
      // without them echoes and turns \n into \r\n): every byte passes as it is.
      await run('stty', ['-F', path, 'raw', '-echo']);
      return new PtyFdPort(fd, new ReadStream(fd), baudRate, events);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  write(bytes: Buffer): void {
    if (this.done) return;
    this.pending.push(bytes);
    if (this.retry === undefined) this.flush();
  }

  setBaudRate(baudRate: number, done: (error?: Error) => void): void {
    this.baudRate = baudRate;
    done();
  }

  close(): Promise<void> {
    this.shut();
    return Promise.resolve();
  }

  private flush(): void {
    this.retry = undefined;
    while (!this.done) {
      const head = this.pending[0];
      if (head === undefined) return;
      let written: number;
      try {
        written = writeSync(this.fd, head);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
          this.retry = setImmediate(() => this.flush());
          return;
        }
        this.lost(e as Error);
        return;
      }
      if (written < head.length) this.pending[0] = head.subarray(written);
      else this.pending.shift();
    }
  }

  private lost(error?: Error): void {
    if (this.done) return;
    this.shut();
    if (error === undefined) this.events.closed();
    else this.events.error(error);
  }

  private shut(): void {
    if (this.done) return;
    this.done = true;
    if (this.retry !== undefined) clearImmediate(this.retry);
    this.pending = [];
    // The tty handle reads through its own descriptor (libuv reopens the pty by name and
    // closes that one); ours, used for writing, is closed here. Should libuv have kept ours
    // (no reopen), it is closed already: EBADF is expected then.
    this.input.destroy();
    try {
      closeSync(this.fd);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EBADF') throw e;
    }
  }
}

class SerialPortPort implements AttachedPort {
  readonly isPty = false;
  private closing = false;

  private constructor(
    private readonly port: SerialPort,
    events: AttachedPortEvents,
  ) {
    port.on('data', (chunk: Buffer) => events.data(chunk));
    port.on('error', (e: Error) => events.error(e));
    port.on('close', (err?: Error | null) => {
      if (!this.closing) events.closed(err ?? undefined);
    });
  }

  static async open(path: string, s: SerialSettings, events: AttachedPortEvents): Promise<SerialPortPort> {
    const port = new SerialPort({ path, baudRate: s.baudRate, dataBits: s.dataBits ?? 8, parity: s.parity ?? 'none', stopBits: s.stopBits ?? 1, autoOpen: false });
    await new Promise<void>((resolve, reject) => {
      port.open((err) => (err === null || err === undefined ? resolve() : reject(err)));
    });
    return new SerialPortPort(port, events);
  }

  get baudRate(): number {
    return this.port.baudRate;
  }

  write(bytes: Buffer): void {
    this.port.write(bytes);
  }

  /** `port.update` flushes both queues (bindings-cpp: tcflush TCIOFLUSH): drain first. */
  setBaudRate(baudRate: number, done: (error?: Error) => void): void {
    this.port.drain(() => {
      if (this.closing) return;
      this.port.update({ baudRate }, (err) => done(err ?? undefined));
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => {
      this.port.close(() => resolve());
    });
  }
}
