import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from './clock.js';

describe('systemClock', () => {
  it('never fires a timer before its fractional due time (Node would truncate 1.75 ms to 1 ms)', async () => {
    const clock = systemClock();
    for (const ms of [0.3, 1.75, 2.5, 12.2]) {
      const start = clock.now();
      await clock.sleep(ms);
      expect(clock.now() - start).toBeGreaterThanOrEqual(ms);
    }
  });

  it('cancels a pending timer', async () => {
    const clock = systemClock();
    let fired = false;
    const h = clock.setTimeout(() => (fired = true), 1);
    clock.clearTimeout(h);
    await clock.sleep(5);
    expect(fired).toBe(false);
  });
});

describe('ManualClock', () => {
  it('fires timers in due order as time advances, and only those due', async () => {
    const clock = new ManualClock();
    const order: string[] = [];
    clock.setTimeout(() => order.push('b'), 20);
    clock.setTimeout(() => order.push('a'), 10);
    clock.setTimeout(() => order.push('c'), 30);
    await clock.advance(25);
    expect(order).toEqual(['a', 'b']);
    expect(clock.now()).toBe(25);
    await clock.advance(5);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('lets a chain of sleeps advance as in real time', async () => {
    const clock = new ManualClock();
    let steps = 0;
    const run = (async () => {
      for (let i = 0; i < 5; i++) {
        await clock.sleep(10);
        steps++;
      }
    })();
    await clock.advance(35);
    expect(steps).toBe(3);
    await clock.advance(100);
    await run;
    expect(steps).toBe(5);
  });
});

describe('systemClock callbacks', () => {
  it('never runs a callback synchronously, even with a zero delay', async () => {
    const clock = systemClock();
    let ran = false;
    clock.setTimeout(() => (ran = true), 0);
    expect(ran).toBe(false);
    await clock.sleep(1);
    expect(ran).toBe(true);
  });
});

describe('systemClock ordering', () => {
  it('fires timers due at the same time in the order they were set, and earlier ones first', async () => {
    const clock = systemClock();
    const fired: number[] = [];
    // 15 ms: armed as a Node timer, finished by polling (< 10 ms left); the later 0.2 ms timer is
    // due first unless setting the 50 took 14.8 ms (a 1.5 ms margin failed on a loaded machine).
    for (let i = 0; i < 50; i++) clock.setTimeout(() => fired.push(i), 15);
    clock.setTimeout(() => fired.push(-1), 0.2);
    await clock.sleep(40);
    expect(fired).toEqual([-1, ...Array.from({ length: 50 }, (_, i) => i)]);
  });
});

describe('ManualClock.settle', () => {
  it('advances time until the promise settles, and reports a promise that never does', async () => {
    const clock = new ManualClock();
    await expect(clock.settle(clock.sleep(25).then(() => 'done'), 10)).resolves.toBe('done');
    expect(clock.now()).toBe(30);
    await expect(clock.settle(new Promise<never>(() => undefined), 10, 100)).rejects.toThrow(/did not settle within 100 simulated ms/);
  });
});
