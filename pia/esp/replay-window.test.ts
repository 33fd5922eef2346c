import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REPLAY_WINDOW_SIZE, ReplayWindow, inferEsn, type ReplayVerdict } from './replay-window.js';

const TWO_32 = 2 ** 32;

/** Accepts each of `seqs` (as if its ICV verified) and returns the window. */
function windowAfter(...seqs: number[]): ReplayWindow {
  const w = new ReplayWindow();
  for (const s of seqs) expect(w.accept(s), `accept ${s}`).toBe(true);
  return w;
}

describe('ReplayWindow (RFC 4303 §3.4.3, 128 packets)', () => {
  const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  const table: { name: string; accepted: number[]; seq: number; verdict: ReplayVerdict }[] = [
    { name: 'first packet', accepted: [], seq: 1, verdict: 'ok' },
    { name: 'in order', accepted: range(1, 200), seq: 201, verdict: 'ok' },
    { name: 'duplicate of the highest', accepted: range(1, 5), seq: 5, verdict: 'replay' },
    { name: 'duplicate inside the window', accepted: range(1, 200), seq: 150, verdict: 'replay' },
    { name: 'reordered: a gap inside the window', accepted: [...range(1, 10), 20], seq: 15, verdict: 'ok' },
    { name: 'oldest slot of the window (top − 127)', accepted: [200], seq: 73, verdict: 'ok' },
    { name: 'just outside the window (top − 128)', accepted: [200], seq: 72, verdict: 'too-old' },
    { name: 'far ahead', accepted: range(1, 10), seq: 1_000_000, verdict: 'ok' },
    { name: 'after a far jump, the old packets are too old', accepted: [...range(1, 10), 10_000], seq: 10, verdict: 'too-old' },
    { name: 'after a far jump, the new window bottom is free', accepted: [...range(1, 10), 10_000], seq: 10_000 - 127, verdict: 'ok' },
    { name: 'sequence number 0 is never sent', accepted: [], seq: 0, verdict: 'too-old' },
    { name: 'negative (before the first subspace)', accepted: [], seq: -5, verdict: 'too-old' },
    { name: 'beyond 2^53 − 1', accepted: [], seq: 2 ** 53, verdict: 'out-of-range' },
    { name: 'not an integer', accepted: [], seq: 1.5, verdict: 'out-of-range' },
  ];
  it.each(table)('$name → $verdict', ({ accepted, seq, verdict }) => {
    const w = windowAfter(...accepted);
    const top = w.highest;
    expect(w.check(seq)).toBe(verdict);
    expect(w.highest).toBe(top); // check never changes state
    expect(w.accept(seq)).toBe(verdict === 'ok');
    if (verdict === 'ok') expect(w.check(seq)).toBe('replay');
  });

  it('a forged high sequence number that fails the ICV never moves the window', () => {
    const w = windowAfter(1, 2, 3);
    const forged = 2 ** 40;
    expect(w.check(forged)).toBe('ok'); // the pre-check lets it through to the AEAD …
    // … the ICV fails, so the caller never calls accept(forged).
    expect(w.highest).toBe(3);
    expect(w.check(4)).toBe('ok');
    expect(w.check(2)).toBe('replay');
    expect(w.accept(4)).toBe(true);
  });

  it('slides by exactly one block, by several blocks, and by more than the ring, clearing stale bits', () => {
    for (const jump of [1, 31, 32, 33, 64, 96, 127, 128, 129, 160, 161, 1000]) {
      const w = windowAfter(...Array.from({ length: 200 }, (_, i) => i + 1));
      expect(w.accept(200 + jump)).toBe(true);
      for (let s = 200 + jump - REPLAY_WINDOW_SIZE + 1; s < 200 + jump; s++) {
        expect(w.check(s), `jump ${jump}, seq ${s}`).toBe(s <= 200 ? 'replay' : 'ok');
      }
      expect(w.check(200 + jump - REPLAY_WINDOW_SIZE)).toBe('too-old');
    }
  });

  it('agrees with a set-based model on random arrival orders', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 600 }), { maxLength: 300 }), (arrivals) => {
        const w = new ReplayWindow();
        const seen = new Set<number>();
        let top = 0;
        for (const s of arrivals) {
          const expected: ReplayVerdict = s > top ? 'ok' : top - s >= REPLAY_WINDOW_SIZE ? 'too-old' : seen.has(s) ? 'replay' : 'ok';
          expect(w.check(s)).toBe(expected);
          expect(w.accept(s)).toBe(expected === 'ok');
          if (expected === 'ok') {
            seen.add(s);
            top = Math.max(top, s);
          }
        }
        expect(w.highest).toBe(top);
      }),
      { numRuns: 300 },
    );
  });
});

describe('inferEsn (RFC 4303 Appendix A2)', () => {
  const table: { name: string; top: number; low32: number; seq: number }[] = [
    { name: 'fresh SA, first packet', top: 0, low32: 1, seq: 1 },
    { name: 'fresh SA, a low32 just below 2^32 lies before the first subspace', top: 0, low32: TWO_32 - 1, seq: -1 },
    { name: 'case A: inside the window, same subspace', top: 1000, low32: 950, seq: 950 },
    { name: 'case A: ahead, same subspace', top: 1000, low32: 5000, seq: 5000 },
    { name: 'case A: below the window bottom → next subspace', top: TWO_32 - 10, low32: 3, seq: TWO_32 + 3 },
    { name: 'case A: inside the window near the top of the subspace', top: TWO_32 - 10, low32: TWO_32 - 100, seq: TWO_32 - 100 },
    { name: 'case B: window spans the wrap, late packet from the previous subspace', top: TWO_32 + 5, low32: TWO_32 - 16, seq: TWO_32 - 16 },
    { name: 'case B: current subspace', top: TWO_32 + 5, low32: 7, seq: TWO_32 + 7 },
    { name: 'case B: far ahead in the current subspace', top: TWO_32 + 5, low32: 0x8000_0000, seq: TWO_32 + 0x8000_0000 },
    { name: 'case A boundary: Tl = W − 1, window bottom 0', top: 127, low32: 0, seq: 0 },
    { name: 'case A: Tl = W, a 0 lies below the bottom → next subspace', top: 128, low32: 0, seq: TWO_32 },
    { name: 'case B boundary: Tl = W − 2', top: TWO_32 + 126, low32: TWO_32 - 1, seq: TWO_32 - 1 },
  ];
  it.each(table)('$name', ({ top, low32, seq }) => {
    expect(inferEsn(low32, { highest: top })).toBe(seq);
  });

  it('a wrap across 2^32 is accepted in order and reordered, and replays across it are caught', () => {
    const w = windowAfter(TWO_32 - 10);
    const arrivals = [TWO_32 - 3, TWO_32 - 1, TWO_32 + 1, TWO_32 - 2, TWO_32, TWO_32 + 2];
    for (const full of arrivals) {
      const seq = inferEsn(full % TWO_32, w);
      expect(seq).toBe(full);
      expect(w.check(seq)).toBe('ok');
      expect(w.accept(seq)).toBe(true);
    }
    expect(w.highest).toBe(TWO_32 + 2);
    for (const full of arrivals) expect(w.check(inferEsn(full % TWO_32, w))).toBe('replay');
  });

  it('refuses a low32 outside 0..2^32−1', () => {
    expect(() => inferEsn(TWO_32, new ReplayWindow())).toThrow(RangeError);
    expect(() => inferEsn(-1, new ReplayWindow())).toThrow(RangeError);
  });
});
