/**
 * Anti-replay window for one inbound SA (RFC 4303 §3.4.3), 128 packets wide (docs/protocol.md
 * §3), kept as an RFC 6479 bitmap: a ring of 32-bit blocks with one spare block, so sliding the
 * window forward clears whole blocks and never shifts bits.
 *
 * Use (docs/protocol.md §6, inbound order):
 *   1. seq = inferEsn(low32 from the wire, window)      -- RFC 4303 Appendix A2
 *   2. window.check(seq) === 'ok'                        -- cheap pre-check, no state change
 *   3. AEAD open with the AAD built from seq             -- the ICV authenticates the high bits
 *   4. window.accept(seq)                                -- ONLY after the ICV verified
 * A forged packet (any sequence number, however far ahead) fails step 3 and never reaches
 * step 4, so it cannot move the window.
 *
 * Sequence numbers are 64-bit in ESP (ESN, RFC 4303 §2.2.1) and held here as JS numbers, exact
 * up to Number.MAX_SAFE_INTEGER (2^53 − 1). The spec's hard limit (2^60 packets, §3) lies above
 * that; this implementation caps at 2^53 − 1 instead ('out-of-range' beyond it), which no SA
 * can reach: rekeying happens after 2^32 packets and 2^53 packets at 10^6/s take 285 years.
 */

export const REPLAY_WINDOW_SIZE = 128;
const BLOCK_BITS = 32;
/** RFC 6479 §2: window / 32 blocks plus one, so the block being cleared is never inside the window. */
const BLOCKS = REPLAY_WINDOW_SIZE / BLOCK_BITS + 1;
const TWO_32 = 2 ** 32;

/**
 * - 'ok': new, may be processed;
 * - 'replay': already accepted;
 * - 'too-old': left of the window (or 0, or before the first subspace);
 * - 'out-of-range': not a sequence number this implementation can hold (> 2^53 − 1, not an integer).
 */
export type ReplayVerdict = 'ok' | 'replay' | 'too-old' | 'out-of-range';

export class ReplayWindow {
  /** Highest sequence number accepted so far; 0 before the first (a sender starts at 1). */
  #top = 0;
  readonly #blocks = new Uint32Array(BLOCKS);

  get highest(): number {
    return this.#top;
  }

  /** The verdict for `seq`, without changing anything. */
  check(seq: number): ReplayVerdict {
    if (!Number.isSafeInteger(seq)) return 'out-of-range';
    if (seq < 1) return 'too-old';
    if (seq > this.#top) return 'ok';
    if (this.#top - seq >= REPLAY_WINDOW_SIZE) return 'too-old';
    return (this.#blocks[blockIndex(seq)]! & bitOf(seq)) !== 0 ? 'replay' : 'ok';
  }

  /**
   * Marks `seq` as received, sliding the window when it is the new highest. Call only after the
   * packet's ICV verified. Returns false (and changes nothing) unless `check(seq)` is 'ok'.
   */
  accept(seq: number): boolean {
    if (this.check(seq) !== 'ok') return false;
    if (seq > this.#top) {
      const oldBlock = Math.floor(this.#top / BLOCK_BITS);
      const steps = Math.min(Math.floor(seq / BLOCK_BITS) - oldBlock, BLOCKS);
      for (let i = 1; i <= steps; i++) this.#blocks[(oldBlock + i) % BLOCKS] = 0;
      this.#top = seq;
    }
    this.#blocks[blockIndex(seq)]! |= bitOf(seq);
    return true;
  }
}

function blockIndex(seq: number): number {
  return Math.floor(seq / BLOCK_BITS) % BLOCKS;
}

function bitOf(seq: number): number {
  return 1 << seq % BLOCK_BITS;
}

/**
 * RFC 4303 Appendix A2.2: the full 64-bit sequence number a packet whose low 32 bits are `low32`
 * most likely carries, given the window's highest accepted number T (Tl, Th its low and high
 * halves) and the window size W, with Bl = Tl − W + 1 the window's bottom:
 *   Case A (Tl ≥ W − 1, the window lies in one subspace):  Seql ≥ Bl → Th,      else Th + 1
 *   Case B (Tl < W − 1, the window spans two subspaces):   Seql ≥ Bl (mod 2^32) → Th − 1, else Th
 * The guess is only a candidate: the ICV (whose AAD carries the high bits) decides. A result
 * below 1 (Case B before the first wrap) is left of everything and `check` calls it 'too-old'.
 * Appendix A3 (resynchronising after 2^32 lost packets) is not needed: SAs rekey before that.
 */
export function inferEsn(low32: number, window: Pick<ReplayWindow, 'highest'>): number {
  if (!Number.isInteger(low32) || low32 < 0 || low32 >= TWO_32) {
    throw new RangeError(`inferEsn: low32 must be an integer in 0..2^32-1, got ${low32}`);
  }
  const top = window.highest;
  const tl = top % TWO_32;
  const th = Math.floor(top / TWO_32);
  const w = REPLAY_WINDOW_SIZE;
  let high: number;
  if (tl >= w - 1) {
    high = low32 >= tl - w + 1 ? th : th + 1;
  } else {
    high = low32 >= tl - w + 1 + TWO_32 ? th - 1 : th;
  }
  return high * TWO_32 + low32;
}
