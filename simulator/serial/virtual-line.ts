/**
 * A `SerialLine` wired to a virtual `SerialDevice`, with the wire's timing: each direction
 * carries one character every `characterTimeMs` (start + data + parity + stop bits at the
 * baud rate), so a 8-byte Modbus request at 9600 8E1 takes 9.17 ms to arrive.
 *
 * Flow:
 *  1. host `write(bytes)` queues behind earlier host bytes; the device `receive`s them when
 *     their last bit would have arrived; `write` resolves then (as a drained UART would).
 *  2. the device's `transmit(bytes)` likewise queues on the other direction and reaches the
 *     host's `onData` listeners when the last bit has arrived.
 *  3. `unplug()` / `replug()` model a USB adapter vanishing: state goes 'reopening', writes
 *     reject, nothing is delivered; then 'open' again.
 * The device's `faults` are its own business (it decides how to answer); this line only
 * handles 'unplug' armed on the device when a write arrives.
 */
import type { Clock } from '../../common/index.js';
import { characterTimeMs, type SerialLine, type SerialLineState, type SerialSettings } from '../../drivers/serial/index.js';
import type { SerialDevice } from '../types.js';

export class VirtualSerialLine implements SerialLine {
  readonly path: string;
  readonly settings: SerialSettings;
  private currentState: SerialLineState = 'open';
  private readonly dataListeners = new Set<(chunk: Buffer) => void>();
  private readonly stateListeners = new Set<(state: SerialLineState, error?: Error) => void>();
  private hostBusyUntil = 0;
  private deviceBusyUntil = 0;

  constructor(
    private readonly device: SerialDevice,
    private readonly clock: Clock,
    settings: SerialSettings,
    path = `virtual:${device.part}`,
  ) {
    this.path = path;
    this.settings = settings;
    device.attach((bytes, startAt) => this.fromDevice(bytes, startAt));
  }

  get state(): SerialLineState {
    return this.currentState;
  }

  write(data: Uint8Array): Promise<void> {
    if (this.device.faults.peek() === 'unplug') this.unplug();
    if (this.currentState !== 'open') {
      return Promise.reject(new Error(`${this.path}: serial line is ${this.currentState}; check the cable or USB adapter`));
    }
    const bytes = Buffer.from(data);
    const done = Math.max(this.clock.now(), this.hostBusyUntil) + bytes.length * characterTimeMs(this.settings);
    this.hostBusyUntil = done;
    return new Promise((resolve) => {
      this.clock.setTimeout(() => {
        if (this.currentState === 'open') this.device.receive(bytes, done);
        resolve();
      }, done - this.clock.now());
    });
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  onState(listener: (state: SerialLineState, error?: Error) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** The adapter vanishes (USB unplug). */
  unplug(): void {
    this.setState('reopening', new Error(`${this.path}: device disappeared`));
  }

  /** The adapter is back. */
  replug(): void {
    this.device.faults.clear();
    this.setState('open');
  }

  close(): Promise<void> {
    this.setState('closed');
    this.device.close();
    return Promise.resolve();
  }

  private fromDevice(bytes: Buffer, startAt?: number): void {
    if (this.currentState !== 'open') return;
    const copy = Buffer.from(bytes);
    const done = Math.max(startAt ?? this.clock.now(), this.deviceBusyUntil) + copy.length * characterTimeMs(this.settings);
    this.deviceBusyUntil = done;
    this.clock.setTimeout(() => {
      if (this.currentState !== 'open') return;
      for (const l of this.dataListeners) l(copy);
    }, done - this.clock.now());
  }

  private setState(state: SerialLineState, error?: Error): void {
    if (state === this.currentState) return;
    this.currentState = state;
    for (const l of this.stateListeners) l(state, error);
  }
}
