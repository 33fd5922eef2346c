/**
 * The node's one timer (lifecycle.ts DeadlineTimer): never later than the earliest deadline
 * given since it last fired; a deadline that moved later does not re-arm it (it fires early and
 * the handler recomputes).
 */
import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { DeadlineTimer } from './lifecycle.js';

function timer(): { clock: ManualClock; timer: DeadlineTimer; fired: number[] } {
  const clock = new ManualClock();
  const fired: number[] = [];
  return { clock, fired, timer: new DeadlineTimer(clock, () => fired.push(clock.now())) };
}

describe('DeadlineTimer', () => {
  it('fires at the earliest deadline it was given, once', async () => {
    const { clock, timer: t, fired } = timer();
    t.arm(300);
    t.arm(100); // earlier: re-armed
    t.arm(200); // later: ignored until the next fire
    await clock.advance(1000);
    expect(fired).toEqual([100]);
  });

  it('ignores undefined and infinite deadlines, and can be armed again after it fired', async () => {
    const { clock, timer: t, fired } = timer();
    t.arm(undefined);
    t.arm(Infinity);
    await clock.advance(50);
    expect(fired).toEqual([]);
    t.arm(80);
    await clock.advance(50);
    t.arm(120);
    await clock.advance(100);
    expect(fired).toEqual([80, 120]);
  });

  it('a deadline already past fires at once; cancel stops it', async () => {
    const { clock, timer: t, fired } = timer();
    await clock.advance(10);
    t.arm(5);
    await clock.advance(0);
    expect(fired).toEqual([10]);
    t.arm(40);
    t.cancel();
    await clock.advance(100);
    expect(fired).toEqual([10]);
  });
});
