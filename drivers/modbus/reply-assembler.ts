/**
 * Collects the reply to one request from the chunks a serial line delivers.
 *
 * Framing is by length, not by silence: a reply is complete as soon as its length (known
 * from the function byte, and for 03/04 from the byte count) has arrived, or at 5 bytes for
 * an exception. Why: the RTU rule "a gap > t1.5 inside a frame breaks it" (Serial Line
 * §2.5.1.1) assumes we see every character's arrival time. A pty delivers bytes in batches,
 * and a USB adapter every few milliseconds (FTDI latency timer: 16 ms by default), so
 * timestamps of chunks say little about gaps on the wire. The gap rule is applied only when
 * the caller says the line's timing is faithful (`checkGaps`: a virtual line, or a native
 * UART with low latency). A chunk's first byte is taken to have started
 * `chunk.length · characterMs` before the chunk arrived.
 *
 * When the function byte is neither the request's nor its exception, the length cannot be
 * known: `needsSilence` turns true and the caller ends the frame after t3.5 of silence.
 * Bytes past the expected length are dropped (counted in `discarded`).
 *
 * Must hold: never holds more than 256 bytes (the longest RTU frame).
 */
import { MAX_ADU_LENGTH, replyLength } from './frame.js';
import type { ModbusRequest } from './request.js';
import { ModbusFrameError } from './errors.js';
import type { RtuTiming } from './timing.js';

export type AssemblyResult =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'complete'; readonly adu: Buffer }
  | { readonly kind: 'broken'; readonly error: ModbusFrameError };

const INCOMPLETE: AssemblyResult = { kind: 'incomplete' };
/** Float slack when comparing computed gaps, far below one bit time at any baud rate. */
const EPSILON_MS = 1e-6;

export class ReplyAssembler {
  private readonly buffer = Buffer.alloc(MAX_ADU_LENGTH);
  private length = 0;
  private lastByteAt: number | undefined;
  /** Bytes received beyond the frame. */
  discarded = 0;

  constructor(
    readonly request: ModbusRequest,
    private readonly timing: RtuTiming,
    private readonly checkGaps: boolean,
  ) {}

  /** Bytes collected so far. */
  get received(): number {
    return this.length;
  }

  /** The expected total, when the bytes so far tell it. */
  get expected(): number | undefined | null {
    return replyLength(this.request, this.buffer.subarray(0, this.length));
  }

  /** True when the frame can only end by silence (unknown function byte). */
  get needsSilence(): boolean {
    return this.expected === null;
  }

  /** The bytes collected so far (for a frame ended by silence or timeout). */
  get bytes(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }

  push(chunk: Uint8Array, now: number): AssemblyResult {
    if (this.checkGaps && this.lastByteAt !== undefined) {
      const gap = now - chunk.length * this.timing.characterMs - this.lastByteAt;
      if (gap > this.timing.t15Ms + EPSILON_MS) {
        return {
          kind: 'broken',
          error: new ModbusFrameError(
            'gap',
            `reply paused ${gap.toFixed(2)} ms after ${this.length} bytes; more than 1.5 character times (${this.timing.t15Ms.toFixed(2)} ms) breaks an RTU frame`,
          ),
        };
      }
    }
    this.lastByteAt = now;
    for (let i = 0; i < chunk.length; i++) {
      const want = this.expected;
      if (typeof want === 'number' && this.length >= want) {
        this.discarded += chunk.length - i;
        break;
      }
      if (this.length >= MAX_ADU_LENGTH) {
        return { kind: 'broken', error: new ModbusFrameError('length', `reply exceeds ${MAX_ADU_LENGTH} bytes, the longest RTU frame`) };
      }
      this.buffer[this.length++] = chunk[i] ?? 0;
    }
    const want = this.expected;
    if (typeof want === 'number' && this.length >= want) return { kind: 'complete', adu: this.bytes };
    return INCOMPLETE;
  }
}
