import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { Debouncer } from './debounce.js';

describe('Debouncer', () => {
  it('fires once, waitMs after the last trigger', async () => {
    const clock = new ManualClock();
    const at: number[] = [];
    const d = new Debouncer(clock, 10, () => at.push(clock.now()));
    d.trigger();
    await clock.advance(4);
    d.trigger();
    await clock.advance(4);
    d.trigger();
    expect(d.pending).toBe(true);
    await clock.advance(30);
    expect(at).toEqual([18]);
    expect(d.pending).toBe(false);
  });

  it('cancel drops the pending call', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const d = new Debouncer(clock, 5, () => calls++);
    d.trigger();
    d.cancel();
    await clock.advance(20);
    expect(calls).toBe(0);
  });

  it('refuses a negative wait', () => {
    expect(() => new Debouncer(new ManualClock(), -1, () => undefined)).toThrow(RangeError);
  });
});
