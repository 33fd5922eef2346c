/**
 * Modbus RTU master over one `SerialLine` (Modbus over Serial Line V1.02 §2).
 *
 * Flow of one call (`readHoldingRegisters`, ...):
 *  1. validate the arguments (RangeError naming the argument and its range), encode the ADU;
 *  2. queue behind other calls on this line (one transaction at a time: `Mutex`);
 *  3. per attempt (1 + `retries`):
 *     a. wait until the line has been silent ≥ t3.5 since the last byte sent or received;
 *     b. open the reception window (stray bytes before it are discarded), write the request;
 *     c. broadcast (unit 0): no reply exists; wait the turnaround delay and succeed;
 *     d. collect the reply by length (`ReplyAssembler`) until complete, broken, or the
 *        response timeout; a frame whose length cannot be known ends at t3.5 of silence;
 *     e. decode: registers/echo → done; exception → `ModbusExceptionError` at once (the
 *        device answered; asking again gives the same answer); bad frame or silence → retry;
 *  4. after the last attempt: `ModbusTimeoutError` or `ModbusFrameError` whose message names
 *     the unit, the function, the address, what was wrong and what to check.
 * Bytes arriving while no request is pending are discarded but still count as line activity
 * for the silence rule.
 */
import { Mutex, systemClock, type Clock, type TimerHandle } from '../../common/index.js';
import type { SerialLine } from '../serial/index.js';
import {
  FRAME_PROBLEM_FIX,
  ModbusExceptionError,
  ModbusFrameError,
  ModbusTimeoutError,
  functionLabel,
} from './errors.js';
import { decodeReply, encodeRequest, type ModbusReply } from './frame.js';
import type { ModbusRequest } from './request.js';
import { ReplyAssembler } from './reply-assembler.js';
import { describeSettings, rtuTiming, type RtuTiming } from './timing.js';

export interface RtuMasterOptions {
  readonly clock?: Clock;
  /** Wait for a reply after the request has been sent; default 1000 ms. */
  readonly timeoutMs?: number;
  /** Further attempts after a timeout or a bad frame (not after an exception); default 2. */
  readonly retries?: number;
  /** Turnaround delay after a broadcast, for the devices to act on it; default 100 ms. */
  readonly broadcastDelayMs?: number;
  /**
   * Apply the t1.5 inter-character rule to replies. Only where chunk arrival times reflect
   * the wire (virtual lines, native UARTs); default false (ptys, USB adapters batch bytes).
   */
  readonly checkCharacterGaps?: boolean;
}

/** Counters for metrics; attempts and calls counted separately. */
export interface RtuMasterStats {
  /** Calls made (each may take several attempts). */
  requests: number;
  broadcasts: number;
  /** Retry attempts made. */
  retries: number;
  /** Attempts with no reply at all. */
  timeouts: number;
  /** Attempts whose reply had a bad CRC. */
  crcErrors: number;
  /** Attempts whose reply was otherwise malformed (short, wrong unit/function/length, echo). */
  frameErrors: number;
  /** Exception replies. */
  exceptions: number;
  /** Calls that ended in an error. */
  failures: number;
  /** Bytes received outside any reply. */
  discardedBytes: number;
}

type Outcome = { kind: 'reply'; reply: ModbusReply } | { kind: 'timeout' } | { kind: 'bad'; error: ModbusFrameError };

interface Reception {
  readonly assembler: ReplyAssembler;
  settle(outcome: Outcome): void;
}

export class RtuMaster {
  private readonly clock: Clock;
  private readonly timing: RtuTiming;
  private readonly mutex = new Mutex();
  private readonly counters: RtuMasterStats = {
    requests: 0, broadcasts: 0, retries: 0, timeouts: 0, crcErrors: 0, frameErrors: 0, exceptions: 0, failures: 0, discardedBytes: 0,
  };
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly broadcastDelayMs: number;
  private lastActivityAt = Number.NEGATIVE_INFINITY;
  private reception: Reception | undefined;
  private silenceTimer: TimerHandle | undefined;
  private disposed = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly line: SerialLine,
    private readonly options: RtuMasterOptions = {},
  ) {
    this.clock = options.clock ?? systemClock();
    this.timing = rtuTiming(line.settings);
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.retries = options.retries ?? 2;
    this.broadcastDelayMs = options.broadcastDelayMs ?? 100;
    if (!(this.timeoutMs > 0) || !Number.isInteger(this.retries) || this.retries < 0 || !(this.broadcastDelayMs >= 0)) {
      throw new RangeError(`Modbus master on ${line.path}: need timeoutMs > 0, retries an integer ≥ 0, broadcastDelayMs ≥ 0`);
    }
    this.unsubscribe = line.onData((chunk) => this.onChunk(chunk));
  }

  async readHoldingRegisters(unit: number, address: number, count: number): Promise<number[]> {
    return registers(await this.transact({ fn: 0x03, unit, address, count }));
  }

  async readInputRegisters(unit: number, address: number, count: number): Promise<number[]> {
    return registers(await this.transact({ fn: 0x04, unit, address, count }));
  }

  async writeSingleRegister(unit: number, address: number, value: number): Promise<void> {
    await this.transact({ fn: 0x06, unit, address, value });
  }

  async writeMultipleRegisters(unit: number, address: number, values: readonly number[]): Promise<void> {
    await this.transact({ fn: 0x10, unit, address, values: [...values] });
  }

  /** A snapshot of the counters. */
  stats(): RtuMasterStats {
    return { ...this.counters };
  }

  /** Stops listening to the line (the line itself stays open: it is not ours). */
  dispose(): void {
    this.disposed = true;
    this.unsubscribe();
    this.endReception({ kind: 'timeout' });
  }

  /** Steps 1–4 for one request. */
  private transact(req: ModbusRequest): Promise<ModbusReply | undefined> {
    const adu = encodeRequest(req); // step 1: throws RangeError before anything is queued
    this.counters.requests++;
    return this.mutex.run(async () => {
      try {
        return await this.attempts(req, adu);
      } catch (err) {
        this.counters.failures++;
        throw err;
      }
    });
  }

  private async attempts(req: ModbusRequest, adu: Buffer): Promise<ModbusReply | undefined> {
    const context = `Modbus unit ${req.unit}, ${functionLabel(req.fn)} at address ${req.address} on ${this.line.path}`;
    let last: Outcome = { kind: 'timeout' };
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (this.disposed) throw new Error(`${context}: the Modbus master for this line was disposed`);
      if (attempt > 0) this.counters.retries++;
      await this.waitForSilence(); // 3a
      if (req.unit === 0) {
        await this.send(adu, context); // 3c
        this.counters.broadcasts++;
        await this.clock.sleep(this.broadcastDelayMs);
        return undefined;
      }
      last = await this.exchange(req, adu, context); // 3b, 3d
      if (last.kind === 'reply') {
        if (last.reply.kind !== 'exception') return last.reply;
        this.counters.exceptions++; // 3e
        throw new ModbusExceptionError(req.unit, req.fn, last.reply.code, context);
      }
      if (last.kind === 'timeout') this.counters.timeouts++;
      else if (last.error.problem === 'crc') this.counters.crcErrors++;
      else this.counters.frameErrors++;
    }
    const attempts = this.retries + 1;
    if (last.kind === 'bad') {
      throw new ModbusFrameError(
        last.error.problem,
        `${context}: bad reply (${attempts} attempt${attempts === 1 ? '' : 's'}): ${last.error.message}; ${FRAME_PROBLEM_FIX[last.error.problem]}`,
        { cause: last.error },
      );
    }
    throw new ModbusTimeoutError(req.unit, req.fn, this.timeoutMs, attempts, context, describeSettings(this.line.settings));
  }

  /** 3a: silence of at least t3.5 since the last byte on the line, either direction. */
  private async waitForSilence(): Promise<void> {
    for (;;) {
      const wait = this.lastActivityAt + this.timing.t35Ms - this.clock.now();
      if (wait <= 0) return;
      await this.clock.sleep(wait);
    }
  }

  private async send(adu: Buffer, context: string): Promise<void> {
    try {
      await this.line.write(adu);
    } catch (err) {
      throw new Error(`${context}: cannot send the request (${err instanceof Error ? err.message : String(err)})`, { cause: err });
    } finally {
      this.lastActivityAt = Math.max(this.lastActivityAt, this.clock.now());
    }
  }

  /** 3b, 3d: one request and its reply (or the lack of one). */
  private async exchange(req: ModbusRequest, adu: Buffer, context: string): Promise<Outcome> {
    const assembler = new ReplyAssembler(req, this.timing, this.options.checkCharacterGaps ?? false);
    let settle: (o: Outcome) => void = () => undefined;
    const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
    this.reception = { assembler, settle };
    try {
      await this.send(adu, context);
    } catch (err) {
      this.endReception({ kind: 'timeout' });
      throw err;
    }
    const timer = this.clock.setTimeout(() => this.endReception(this.incompleteOutcome(assembler)), this.timeoutMs);
    const result = await outcome;
    this.clock.clearTimeout(timer);
    this.counters.discardedBytes += assembler.discarded;
    return result;
  }

  /** Received bytes: into the pending reply, or discarded. */
  private onChunk(chunk: Buffer): void {
    this.lastActivityAt = this.clock.now();
    const r = this.reception;
    if (r === undefined) {
      this.counters.discardedBytes += chunk.length;
      return;
    }
    const result = r.assembler.push(chunk, this.lastActivityAt);
    switch (result.kind) {
      case 'incomplete':
        if (r.assembler.needsSilence) this.armSilenceEnd(r);
        return;
      case 'broken':
        this.endReception({ kind: 'bad', error: result.error });
        return;
      case 'complete':
        try {
          this.endReception({ kind: 'reply', reply: decodeReply(r.assembler.request, result.adu) });
        } catch (err) {
          if (!(err instanceof ModbusFrameError)) throw err;
          this.endReception({ kind: 'bad', error: err });
        }
        return;
    }
  }

  /** A frame of unknowable length ends after t3.5 without bytes. */
  private armSilenceEnd(r: Reception): void {
    if (this.silenceTimer !== undefined) this.clock.clearTimeout(this.silenceTimer);
    this.silenceTimer = this.clock.setTimeout(() => {
      this.silenceTimer = undefined;
      if (this.reception === r) this.endReception(this.incompleteOutcome(r.assembler));
    }, this.timing.t35Ms);
  }

  /** What a reply that stopped coming amounts to: nothing → timeout; some bytes → bad frame. */
  private incompleteOutcome(assembler: ReplyAssembler): Outcome {
    const n = assembler.received;
    if (n === 0) return { kind: 'timeout' };
    const expected = assembler.expected;
    if (expected === null) {
      const fn = assembler.request.fn;
      const got = assembler.bytes[1] ?? 0;
      return {
        kind: 'bad',
        error: new ModbusFrameError('function', `reply has function byte ${hex(got)}, expected ${hex(fn)} or exception ${hex(fn | 0x80)} (${n} bytes discarded)`),
      };
    }
    const of = expected === undefined ? '' : ` of ${expected}`;
    return { kind: 'bad', error: new ModbusFrameError('short', `reply stopped after ${n}${of} bytes`) };
  }

  private endReception(outcome: Outcome): void {
    const r = this.reception;
    this.reception = undefined;
    if (this.silenceTimer !== undefined) this.clock.clearTimeout(this.silenceTimer);
    this.silenceTimer = undefined;
    r?.settle(outcome);
  }
}

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

function registers(reply: ModbusReply | undefined): number[] {
  return reply?.kind === 'registers' ? reply.values : [];
}
