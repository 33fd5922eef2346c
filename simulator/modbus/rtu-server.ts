/**
 * A Modbus RTU server (slave) as a `SerialDevice`: any register bank behind it.
 *
 * Flow, per frame:
 *  1. `receive` hands chunks to the `RtuFrameAssembler`, which cuts frames at t3.5 of silence
 *     and discards those with a gap > t1.5 inside (rtu-framer.ts).
 *  2. A frame whose CRC is wrong, or addressed to another unit, gets no reply (Modbus over
 *     Serial Line V1.02 §2.4.1, §2.5.1.2: "the frame is discarded").
 *  3. An armed fault is taken (simulator/faults.ts): unplug / nack / timeout → the request is
 *     not executed and nothing is sent; crc / garbage → executed, reply spoiled.
 *  4. The PDU is decoded (drivers/modbus/server-pdu.ts) and executed; `deviceFailure` answers 04 to every
 *     decodable request.
 *  5. Broadcast (unit 0): writes are executed, nothing is sent back; reads are ignored
 *     (§2.1: broadcast requests are writes, and "no response is returned").
 *  6. The reply (unit echoed, CRC low byte first) is transmitted `turnaroundMs` after the frame
 *     ended. One `onEvent` per frame tells a log what happened.
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import {
  decodeRequestPdu,
  encodeReplyAdu,
  exceptionName,
  exceptionPdu,
  hasValidCrc,
  ModbusExceptionCode,
  readResponsePdu,
  writeResponsePdu,
  type ModbusRegisterBank,
  type ModbusRequestPdu,
} from '../../drivers/modbus/index.js';
import type { SerialSettings } from '../../drivers/serial/index.js';
import { corruptLastByte, FaultInjector, garbageBytes } from '../faults.js';
import type { SerialDevice } from '../types.js';
import { rtuRequestLength, RtuFrameAssembler } from './rtu-framer.js';

export interface ModbusServedEvent {
  /** Unit byte of the frame (0 = broadcast); undefined when the frame was too short to tell. */
  readonly unit: number | undefined;
  readonly outcome: 'reply' | 'exception' | 'broadcast' | 'ignored' | 'fault';
  /** One concise line, e.g. "fc03 read holding 28302×2 → 1 6". */
  readonly text: string;
}

export interface ModbusRtuServerOptions {
  readonly clock: Clock;
  readonly bank: ModbusRegisterBank;
  readonly unitId: number;
  readonly settings: SerialSettings;
  readonly part?: string;
  /** Delay between the end of the request (t3.5 detected) and the reply, in ms. Default 5. */
  readonly turnaroundMs?: number;
  /** See rtu-framer.ts: 0 with a ManualClock, a few ms on a pty. */
  readonly slackMs?: number;
  /** Randomness for the 'garbage' fault. Default Math.random. */
  readonly random?: () => number;
  readonly faults?: FaultInjector;
  readonly onEvent?: (event: ModbusServedEvent) => void;
}

export class ModbusRtuServer implements SerialDevice {
  readonly part: string;
  readonly faults: FaultInjector;
  /** The unit address answered to (1–247); may change at run time (a unit-address register). */
  unitId: number;
  /** When true, every decodable request gets exception 04 (server device failure). */
  deviceFailure = false;
  private transmit: ((bytes: Buffer, startAt?: number) => void) | undefined;
  private readonly framer: RtuFrameAssembler;
  private readonly pending = new Set<TimerHandle>();
  private closed = false;

  constructor(private readonly o: ModbusRtuServerOptions) {
    this.part = o.part ?? 'Modbus RTU server';
    this.faults = o.faults ?? new FaultInjector();
    this.unitId = o.unitId;
    this.framer = new RtuFrameAssembler({
      clock: o.clock,
      settings: o.settings,
      ...(o.slackMs === undefined ? {} : { slackMs: o.slackMs }),
      expectedLength: rtuRequestLength,
      onFrame: (frame, endedAt) => this.onFrame(frame, endedAt),
      onDiscard: (bytes, reason) => this.emit(bytes[0], 'ignored', `${bytes.length} bytes discarded: ${reason}`),
    });
  }

  attach(transmit: (bytes: Buffer, startAt?: number) => void): void {
    this.transmit = transmit;
  }

  receive(bytes: Buffer, arrivedAt?: number): void {
    if (!this.closed) this.framer.push(bytes, arrivedAt);
  }

  close(): void {
    this.closed = true;
    this.framer.close();
    for (const t of this.pending) this.o.clock.clearTimeout(t);
    this.pending.clear();
  }

  private onFrame(frame: Buffer, endedAt: number): void {
    const unit = frame[0];
    if (frame.length < 4 || !hasValidCrc(frame)) {
      this.emit(unit, 'ignored', `${frame.length} bytes ignored: bad CRC`);
      return;
    }
    if (unit !== 0 && unit !== this.unitId) {
      this.emit(unit, 'ignored', `ignored: for unit ${unit}`);
      return;
    }
    if (this.faults.peek() === 'unplug') {
      this.emit(unit, 'fault', 'fault unplug: silent');
      return;
    }
    const fault = unit === 0 ? undefined : this.faults.take();
    if (fault === 'nack' || fault === 'timeout') {
      this.emit(unit, 'fault', `fault ${fault}: no reply`);
      return;
    }
    const pdu = frame.subarray(1, frame.length - 2);
    const request = decodeRequestPdu(pdu);
    if (unit === 0) {
      if ('exception' in request || request.fn === 0x03 || request.fn === 0x04) {
        this.emit(0, 'ignored', `broadcast fc${pad2(pdu[0] ?? 0)} ignored (broadcast is for writes)`);
        return;
      }
      const r = this.execute(request);
      this.emit(0, 'broadcast', `broadcast ${r.text} (no reply)`);
      return;
    }
    const r = 'exception' in request ? { pdu: exceptionPdu(request.fn, request.exception), text: `fc${pad2(request.fn)} → ${excText(request.exception)}` } : this.execute(request);
    let reply = encodeReplyAdu(unit, r.pdu);
    if (fault === 'crc') reply = corruptLastByte(reply);
    if (fault === 'garbage') reply = garbageBytes(reply.length, this.o.random);
    const outcome = fault !== undefined ? 'fault' : r.pdu[0] !== undefined && r.pdu[0] & 0x80 ? 'exception' : 'reply';
    this.emit(unit, outcome, fault === undefined ? r.text : `${r.text} [fault ${fault}: reply spoiled]`);
    this.send(reply, endedAt);
  }

  private execute(req: ModbusRequestPdu): { pdu: Buffer; text: string } {
    const fail = (code: ModbusExceptionCode, what: string): { pdu: Buffer; text: string } => ({ pdu: exceptionPdu(req.fn, code), text: `${what} → ${excText(code)}` });
    switch (req.fn) {
      case 0x03:
      case 0x04: {
        const kind = req.fn === 0x03 ? 'holding' : 'input';
        const what = `fc${pad2(req.fn)} read ${kind} ${req.address}×${req.count}`;
        if (this.deviceFailure) return fail(ModbusExceptionCode.ServerDeviceFailure, what);
        const words = this.o.bank.read(kind, req.address, req.count);
        if (typeof words === 'number') return fail(words, what);
        return { pdu: readResponsePdu(req.fn, words), text: `${what} → ${words.join(' ')}` };
      }
      case 0x06: {
        const what = `fc06 write ${req.address}=${req.value}`;
        if (this.deviceFailure) return fail(ModbusExceptionCode.ServerDeviceFailure, what);
        const code = this.o.bank.write(req.address, [req.value]);
        if (code !== undefined) return fail(code, what);
        return { pdu: writeResponsePdu(req), text: `${what} → ok` };
      }
      case 0x10: {
        const what = `fc16 write ${req.address}=${req.values.join(',')}`;
        if (this.deviceFailure) return fail(ModbusExceptionCode.ServerDeviceFailure, what);
        const code = this.o.bank.write(req.address, req.values);
        if (code !== undefined) return fail(code, what);
        return { pdu: writeResponsePdu(req), text: `${what} → ok` };
      }
    }
  }

  /** Transmits `turnaroundMs` after the request's nominal end (not after this late callback). */
  private send(reply: Buffer, endedAt: number): void {
    const startAt = endedAt + (this.o.turnaroundMs ?? 5);
    const handle = this.o.clock.setTimeout(() => {
      this.pending.delete(handle);
      if (!this.closed) this.transmit?.(reply, startAt);
    }, Math.max(0, startAt - this.o.clock.now()));
    this.pending.add(handle);
  }

  private emit(unit: number | undefined, outcome: ModbusServedEvent['outcome'], text: string): void {
    this.o.onEvent?.({ unit, outcome, text });
  }
}

/** Function and exception codes as Modbus documents write them: decimal, two digits. */
function pad2(n: number): string {
  return n.toString(10).padStart(2, '0');
}

function excText(code: ModbusExceptionCode): string {
  return `exception ${pad2(code)} ${exceptionName(code)}`;
}
