/**
 * `SerialLine` on node-serialport 13: a USB-serial adapter, a Pi UART or a socat pty.
 *
 * Flow:
 *  1. `open()` makes one attempt; on failure it rejects with the path, the cause and the fix,
 *     and the line stays 'closed'.
 *  2. While 'open', received chunks go to every `onData` listener; `write` resolves after the
 *     port's write callback and `drain` (the bytes have left the process).
 *  3. When the port closes or fails under us (USB unplug, socat gone), the line goes
 *     'reopening', pending writes reject, and a fresh port object is opened after
 *     `backoffDelayMs(attempt)` (exponential, jittered, capped; clock and random injected),
 *     again and again until one opens ('open') or `close()` is called. Listeners stay
 *     subscribed across reopens.
 *  4. `close()` stops all of that: state 'closed', timers cancelled, port closed.
 *
 * Must hold: modem lines are never touched (`set({dtr, rts})` fails on ptys, and RS-485
 * direction is the transceiver's job); a port object that was lost is never reused (its
 * stream may still have reads queued for an 'open' that never comes).
 */
import { SerialPort } from 'serialport';
import { systemClock, type Clock, type TimerHandle } from '../../common/index.js';
import { backoffDelayMs, type BackoffOptions } from './backoff.js';
import type { Parity, SerialLine, SerialLineState, SerialSettings } from './types.js';

/** Options handed to the port factory for each (re)open. */
export interface PortOpenOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly dataBits: 7 | 8;
  readonly parity: Parity;
  readonly stopBits: 1 | 2;
}

/** The part of node-serialport's `SerialPortStream` this line uses (also `SerialPortMock`). */
export interface SerialPortLike {
  readonly isOpen: boolean;
  /** The binding's port object once open (LinuxPortBinding carries a `poller`). */
  readonly port?: unknown;
  open(callback: (err: Error | null) => void): void;
  write(data: Buffer, callback: (err: Error | null | undefined) => void): boolean;
  drain(callback: (err: Error | null) => void): void;
  close(callback?: (err: Error | null) => void): void;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close', listener: (err?: Error | null) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  removeAllListeners(): unknown;
}

/** Makes a new, not yet opened port object. */
export type SerialPortFactory = (options: PortOpenOptions) => SerialPortLike;

export interface SerialPortLineOptions {
  readonly clock?: Clock;
  /** [0, 1); default Math.random. */
  readonly random?: () => number;
  readonly backoff?: BackoffOptions;
  /** Default: node-serialport's `SerialPort` with the platform binding. */
  readonly portFactory?: SerialPortFactory;
}

/** The production factory: node-serialport with the auto-detected native binding. */
export const nodeSerialPortFactory: SerialPortFactory = (o) =>
  new SerialPort({ path: o.path, baudRate: o.baudRate, dataBits: o.dataBits, parity: o.parity, stopBits: o.stopBits, autoOpen: false });

type StateListener = (state: SerialLineState, error?: Error) => void;

export class SerialPortLine implements SerialLine {
  private currentState: SerialLineState = 'closed';
  private port: SerialPortLike | undefined;
  private reopenTimer: TimerHandle | undefined;
  private attempt = 0;
  private lastFailure: Error | undefined;
  private readonly dataListeners = new Set<(chunk: Buffer) => void>();
  private readonly stateListeners = new Set<StateListener>();
  private readonly pendingWrites = new Set<(err: Error) => void>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly factory: SerialPortFactory;

  constructor(
    readonly path: string,
    readonly settings: SerialSettings,
    private readonly options: SerialPortLineOptions = {},
  ) {
    this.clock = options.clock ?? systemClock();
    this.random = options.random ?? Math.random;
    this.factory = options.portFactory ?? nodeSerialPortFactory;
  }

  get state(): SerialLineState {
    return this.currentState;
  }

  /** The error of the latest failed (re)open attempt, for status pages. */
  get lastError(): Error | undefined {
    return this.lastFailure;
  }

  /** Opens the port once; rejects (state stays 'closed') if that attempt fails. */
  async open(): Promise<void> {
    if (this.currentState !== 'closed') throw new Error(`${this.path}: serial line is already ${this.currentState}`);
    this.setState('opening');
    let port: SerialPortLike;
    try {
      port = await this.openPort();
    } catch (err) {
      this.lastFailure = asError(err);
      if (this.stillIs('opening')) this.setState('closed', this.lastFailure);
      throw new Error(
        `${this.path}: cannot open serial port (${this.lastFailure.message}); check that the path exists ` +
          `(prefer a stable /dev/serial/by-id/... link), that no other program holds it, and that you may read it (group dialout)`,
        { cause: err },
      );
    }
    if (!this.stillIs('opening')) return discard(port); // closed while opening
    this.attach(port);
    this.setState('open');
  }

  write(data: Uint8Array): Promise<void> {
    const port = this.port;
    if (this.currentState !== 'open' || port === undefined) {
      return Promise.reject(
        new Error(`${this.path}: cannot write, serial line is ${this.currentState}; wait until it is open again (check the cable or USB adapter)`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => {
        this.pendingWrites.delete(fail);
        reject(new Error(`${this.path}: write failed (${err.message}); the port was lost or closed`, { cause: err }));
      };
      this.pendingWrites.add(fail);
      port.write(Buffer.from(data), (err) => {
        if (err) return fail(err);
        port.drain((drainErr) => {
          if (drainErr) return fail(drainErr);
          this.pendingWrites.delete(fail);
          resolve();
        });
      });
    });
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  onState(listener: StateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.reopenTimer !== undefined) this.clock.clearTimeout(this.reopenTimer);
    this.reopenTimer = undefined;
    const port = this.port;
    this.port = undefined;
    this.setState('closed');
    this.failPendingWrites(new Error('serial line closed'));
    if (port !== undefined) await discard(port);
  }

  private openPort(): Promise<SerialPortLike> {
    const s = this.settings;
    const port = this.factory({
      path: this.path,
      baudRate: s.baudRate,
      dataBits: s.dataBits ?? 8,
      parity: s.parity ?? 'none',
      stopBits: s.stopBits ?? 1,
    });
    port.on('error', () => undefined); // open errors arrive through the callback below
    return new Promise((resolve, reject) => {
      port.open((err) => {
        if (err) {
          port.removeAllListeners();
          reject(err);
        } else resolve(port);
      });
    });
  }

  private attach(port: SerialPortLike): void {
    this.port = port;
    this.attempt = 0;
    port.removeAllListeners();
    port.on('data', (chunk) => {
      if (this.port !== port) return;
      for (const l of this.dataListeners) l(chunk);
    });
    port.on('close', (err) => this.lost(port, err ?? new Error('port closed')));
    port.on('error', (err) => {
      if (!port.isOpen) this.lost(port, err);
    });
    watchHangup(port, (err) => this.lost(port, err));
  }

  /** Step 3: the port went away under us. */
  private lost(port: SerialPortLike, err: Error): void {
    if (this.port !== port || this.currentState !== 'open') return;
    this.port = undefined;
    void discard(port);
    this.lastFailure = err;
    this.setState('reopening', new Error(`${this.path}: serial port lost (${err.message}); reopening`, { cause: err }));
    this.failPendingWrites(err);
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    const delay = backoffDelayMs(this.attempt++, this.random, this.options.backoff);
    this.reopenTimer = this.clock.setTimeout(() => {
      this.reopenTimer = undefined;
      void this.tryReopen();
    }, delay);
  }

  private async tryReopen(): Promise<void> {
    if (this.currentState !== 'reopening') return;
    let port: SerialPortLike;
    try {
      port = await this.openPort();
    } catch (err) {
      this.lastFailure = asError(err);
      if (this.stillIs('reopening')) this.scheduleReopen();
      return;
    }
    if (!this.stillIs('reopening')) return discard(port);
    this.attach(port);
    this.setState('open');
  }

  private failPendingWrites(err: Error): void {
    const pending = [...this.pendingWrites];
    this.pendingWrites.clear();
    for (const fail of pending) fail(err);
  }

  /** State check that TypeScript does not narrow away across awaits. */
  private stillIs(state: SerialLineState): boolean {
    return this.currentState === state;
  }

  private setState(state: SerialLineState, error?: Error): void {
    if (state === this.currentState) return;
    this.currentState = state;
    for (const l of this.stateListeners) l(state, error);
  }
}

/**
 * When the far end of a pty goes away (socat or pia-sim exits), Linux makes `read` on our
 * end return 0 bytes, which bindings-cpp retries forever instead of reporting a disconnect;
 * only the fd poller sees the hang-up (EPOLLHUP). So on the Linux binding we also ask its
 * poller for 'disconnect'. A canceled event is our own close and means nothing.
 */
function watchHangup(port: SerialPortLike, onHangup: (err: Error) => void): void {
  const poller = (port.port as { poller?: unknown } | undefined)?.poller as
    | { once?: (event: 'disconnect', cb: (err: (Error & { canceled?: boolean }) | null) => void) => unknown }
    | undefined;
  if (typeof poller?.once !== 'function') return;
  poller.once('disconnect', (err) => {
    if (err?.canceled === true) return;
    onHangup(err ?? new Error('the other end hung up'));
  });
}

/** Drops a port object for good: no more events reach us; closes it if still open. */
function discard(port: SerialPortLike): Promise<void> {
  port.removeAllListeners();
  port.on('error', () => undefined);
  if (!port.isOpen) return Promise.resolve();
  return new Promise((resolve) => port.close(() => resolve()));
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
