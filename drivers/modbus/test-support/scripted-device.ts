/**
 * A Modbus server for tests whose every answer is scripted, on a `VirtualSerialLine`.
 * It records when each request frame arrived and when each reply was sent (simulated time),
 * so tests can check the master's timing on the wire.
 *
 * The virtual line hands over each host write as one `receive` call when its last byte has
 * arrived, so one call is one request frame here. Faults armed on `faults` are applied to the
 * next reply: 'nack'/'timeout' → silence, 'crc' → last byte corrupted, 'garbage' → bytes
 * of the reply's length that are not a frame.
 */
import type { Clock } from '../../../common/index.js';
import { FaultInjector, corruptLastByte } from '../../../simulator/index.js';
import type { SerialDevice } from '../../../simulator/index.js';
import type { ModbusRequest } from '../request.js';
import { decodeRequest } from '../server-codec.js';

/** What to send back: bytes in one go, several parts with pauses, or nothing. */
export type ScriptedAnswer =
  | Buffer
  | { readonly parts: ReadonlyArray<{ readonly bytes: Buffer; readonly afterMs: number }> }
  | undefined;

export type Script = (request: ModbusRequest | undefined, frame: Buffer, index: number) => ScriptedAnswer;

export interface ReceivedFrame {
  /** Simulated time at which the last byte arrived. */
  readonly at: number;
  readonly bytes: Buffer;
  readonly request: ModbusRequest | undefined;
}

export interface SentReply {
  /** Simulated time at which the device started sending (the line then takes length × character time). */
  readonly at: number;
  readonly bytes: Buffer;
}

export class ScriptedModbusDevice implements SerialDevice {
  readonly part = 'scripted-modbus';
  readonly faults = new FaultInjector();
  readonly received: ReceivedFrame[] = [];
  readonly sent: SentReply[] = [];
  private transmit: ((bytes: Buffer) => void) | undefined;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly script: Script,
    /** Pause between the request's last byte and the reply's first; default 2 ms. */
    private readonly turnaroundMs = 2,
  ) {}

  attach(transmit: (bytes: Buffer) => void): void {
    this.transmit = transmit;
  }

  receive(bytes: Buffer): void {
    const frame = Buffer.from(bytes);
    const request = decodeRequest(frame);
    this.received.push({ at: this.clock.now(), bytes: frame, request });
    const answer = this.script(request, frame, this.received.length - 1);
    if (answer === undefined) return;
    const fault = this.faults.take();
    const parts = Buffer.isBuffer(answer) ? [{ bytes: answer, afterMs: 0 }] : answer.parts;
    let at = this.turnaroundMs;
    for (const part of parts) {
      at += part.afterMs;
      const bytes = applyFault(fault, part.bytes);
      if (bytes === undefined) return;
      this.clock.setTimeout(() => this.send(bytes), at);
    }
  }

  /** Sends bytes nobody asked for (noise, another device). */
  sendUnsolicited(bytes: Buffer): void {
    this.send(bytes);
  }

  close(): void {
    this.closed = true;
  }

  private send(bytes: Buffer): void {
    if (this.closed || this.transmit === undefined) return;
    this.sent.push({ at: this.clock.now(), bytes });
    this.transmit(bytes);
  }
}

function applyFault(fault: ReturnType<FaultInjector['take']>, bytes: Buffer): Buffer | undefined {
  switch (fault) {
    case undefined:
      return bytes;
    case 'nack':
    case 'timeout':
    case 'unplug':
      return undefined;
    case 'crc':
      return corruptLastByte(bytes);
    case 'garbage':
      // Not a frame: a function byte no request uses, then filler.
      return Buffer.from(bytes.map((_, i) => (i === 1 ? 0x5a : (i * 37 + 11) & 0xff)));
  }
}
