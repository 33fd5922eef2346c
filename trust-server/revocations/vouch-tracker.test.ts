/** The vouch tracker (docs/protocol.md §9.11): one entry per pair, pruned when no association can be alive, capped with a count. */
import { describe, expect, it } from 'vitest';
import { VouchTracker } from './vouch-tracker.js';

const A = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const B1 = '00000000-0000-4000-8000-0000000000b1';
const B2 = '00000000-0000-4000-8000-0000000000b2';

describe('VouchTracker', () => {
  it('names the gateways a node was vouched to, once each, in any case', () => {
    const t = new VouchTracker();
    t.record(A, B1, 600, 0);
    t.record(A.toUpperCase(), B1, 600, 1_000); // the same pair again: one entry
    t.record(A, B2, 600, 2_000);
    t.record(B1, A, 600, 2_000); // the other direction is another pair
    expect(t.size).toBe(3);
    expect(t.vouchedTo(A.toUpperCase(), 3_000).sort()).toEqual([B1, B2]);
    expect(t.vouchedTo(B2, 3_000)).toEqual([]);
  });

  it('an entry lives as long as its ticket, never past the 180 s hard limit; a newer decision extends it', () => {
    const t = new VouchTracker();
    t.record(A, B1, 10, 0);
    t.record(A, B2, 600, 0);
    expect(t.vouchedTo(A, 9_999).sort()).toEqual([B1, B2]);
    expect(t.vouchedTo(A, 10_000)).toEqual([B2]);
    expect(t.vouchedTo(A, 180_000)).toEqual([]);
    expect(t.size).toBe(0);
    t.record(A, B1, 600, 200_000);
    t.record(A, B1, 600, 300_000); // the rekey's phase 3
    expect(t.vouchedTo(A, 479_999)).toEqual([B1]);
  });

  it('beyond the cap a new pair is counted, not kept; expired entries make room first', () => {
    const t = new VouchTracker({ cap: 2 });
    t.record(A, B1, 60, 0);
    t.record(A, B2, 600, 0);
    t.record(B1, B2, 600, 1_000);
    expect(t.overflowed).toBe(1);
    expect(t.size).toBe(2);
    t.record(B1, B2, 600, 60_000); // A→B1 has expired: room
    expect(t.overflowed).toBe(1);
    expect(t.vouchedTo(B1, 60_000)).toEqual([B2]);
  });
});
