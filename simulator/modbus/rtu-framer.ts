/**
 * Modbus RTU frame assembly by silence (Modbus over Serial Line V1.02 §2.5.1.1).
 *
 * Must hold:
 *  - a frame ends after ≥ 3.5 character times of silence (t3.5);
 *  - a silence > 1.5 character times (t1.5) inside a frame makes the whole frame "not OK":
 *    it is discarded when it ends (the spec's state diagram, fig. 14);
 *  - above 19200 baud both are fixed: t1.5 = 0.75 ms, t3.5 = 1.75 ms (§2.5.1.1, note);
 *    all three limits come from drivers/modbus (`rtuTiming`, `MAX_ADU_LENGTH`);
 *  - an ADU is at most 256 bytes (§2.5.1): a longer run is discarded.
 *
 * Chunks, not characters. A transport hands us chunks (a UART FIFO, a pty read), each
 * timestamped when it is received, i.e. when its LAST byte has arrived. Its first byte
 * therefore started `length × characterTime` earlier, and the silence before the chunk is
 * `arrival − length × characterTime − previous arrival` (never below 0). With a
 * `VirtualSerialLine` this is exact. On a pty there is no wire: a master's write comes as one
 * chunk (or several read at once), so the subtraction sees no gap, as wanted.
 *
 * Chunks in flight. A chunk is seen only when its last byte is in, so when t3.5 has passed
 * since the previous chunk, the next one may already be on the wire (a master that wrote a
 * frame in two pieces, back to back). When the bytes so far are a request shorter than its
 * function code implies (`expectedLength`, e.g. 8 bytes for 03/04/06), the frame end waits
 * for the missing bytes' wire time (plus one character); a chunk that then arrives with no
 * real silence before its first byte continues the frame. A real UART-level slave sees each
 * character and never ends such a frame early; this keeps the same outcome with chunks.
 *
 * Slack. When time is read from a real event loop (a pty, `pia-sim`), timers fire late and
 * data events wait behind them, by a few ms under load. `slackMs` is added to BOTH limits so
 * a frame is split or discarded only by a pause the master really made; replies come
 * `slackMs` later, which no master notices (mbpoll waits 1 s). With a ManualClock: 0.
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import { MAX_ADU_LENGTH, rtuTiming, type RtuTiming } from '../../drivers/modbus/index.js';
import type { SerialSettings } from '../../drivers/serial/index.js';

export interface RtuFramerOptions {
  readonly clock: Clock;
  readonly settings: SerialSettings;
  /** Added to t1.5 and t3.5 when time comes from a real event loop (see header). Default 0. */
  readonly slackMs?: number;
  /** A complete frame (CRC not checked here). */
  /** A complete frame and the nominal time it ended (its last byte + t3.5). */
  readonly onFrame: (frame: Buffer, endedAt: number) => void;
  /** Bytes a frame starting with `head` must have, when known (see `rtuRequestLength`). */
  readonly expectedLength?: (head: Buffer) => number | undefined;
  /** A frame thrown away, and why (for logs). */
  readonly onDiscard?: (bytes: Buffer, reason: string) => void;
}

export class RtuFrameAssembler {
  private readonly parts: Buffer[] = [];
  private length = 0;
  private lastArrival = Number.NEGATIVE_INFINITY;
  /** Nominal time the current frame ends unless more bytes come. */
  private endsAt = 0;
  private problem: string | undefined;
  private extended = false;
  private timer: TimerHandle | undefined;
  private readonly timings: RtuTiming;
  private readonly slackMs: number;

  constructor(private readonly o: RtuFramerOptions) {
    this.timings = rtuTiming(o.settings);
    this.slackMs = o.slackMs ?? 0;
  }

  /** Bytes just received; `arrivedAt` (default `clock.now()`) is when their last byte arrived. */
  push(chunk: Buffer, arrivedAt?: number): void {
    if (chunk.length === 0) return;
    const now = arrivedAt ?? this.o.clock.now();
    if (this.length > 0) {
      const silence = Math.max(0, now - chunk.length * this.timings.characterMs - this.lastArrival);
      // The frame-end timer may not have run yet (a late event loop): the old frame is over.
      if (silence >= this.timings.t35Ms + this.slackMs) this.finish();
      else if (silence > this.timings.t15Ms + this.slackMs) {
        this.problem ??= `silence of ${silence.toFixed(2)} ms inside the frame (> t1.5 = ${this.timings.t15Ms.toFixed(2)} ms)`;
      }
    }
    this.parts.push(Buffer.from(chunk));
    this.length += chunk.length;
    if (this.length > MAX_ADU_LENGTH) this.problem ??= `frame longer than ${MAX_ADU_LENGTH} bytes`;
    this.lastArrival = now;
    this.endsAt = now + this.timings.t35Ms + this.slackMs;
    this.schedule(() => this.silenceReached());
  }

  /** Drops any partial frame and stops the timer. */
  close(): void {
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.reset();
  }

  private silenceReached(): void {
    const expected = this.problem === undefined && !this.extended ? this.o.expectedLength?.(Buffer.concat(this.parts, this.length)) : undefined;
    if (expected !== undefined && expected > this.length && expected <= MAX_ADU_LENGTH) {
      // The missing bytes may be on the wire right now (header: "Chunks in flight").
      this.extended = true;
      this.endsAt += (expected - this.length + 1) * this.timings.characterMs;
      this.schedule(() => this.finish());
      return;
    }
    this.finish();
  }

  private finish(): void {
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.length === 0) return;
    const frame = Buffer.concat(this.parts, this.length);
    const problem = this.problem;
    const endedAt = Math.min(this.endsAt, this.o.clock.now());
    this.reset();
    if (problem === undefined) this.o.onFrame(frame, endedAt);
    else this.o.onDiscard?.(frame, problem);
  }

  /** Runs `fn` at `endsAt` (an absolute clock time, so a late push does not delay the frame end). */
  private schedule(fn: () => void): void {
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = this.o.clock.setTimeout(fn, Math.max(0, this.endsAt - this.o.clock.now()));
  }

  private reset(): void {
    this.parts.length = 0;
    this.length = 0;
    this.problem = undefined;
    this.extended = false;
  }
}

/**
 * Length of a request ADU from its first bytes (unit, function, …, CRC), for the functions a
 * server commonly meets: 01–06 are 8 bytes; 15 and 16 are 9 + byte count. Undefined when the
 * function is unknown or the byte count has not arrived yet.
 */
export function rtuRequestLength(head: Buffer): number | undefined {
  const fn = head[1];
  if (fn === undefined) return undefined;
  if (fn >= 0x01 && fn <= 0x06) return 8;
  if (fn === 0x0f || fn === 0x10) {
    const count = head[6];
    return count === undefined ? 7 : 9 + count;
  }
  return undefined;
}
