import { describe, expect, it } from 'vitest';
import { MANUAL_WALL_START_MS, ManualClock, systemClock, wallTime } from './clock.js';

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

describe('wall-clock time beside the monotonic clock', () => {
  it('ManualClock: the wall time starts where told, moves with advance and jumps only with setWall', async () => {
    const clock = new ManualClock(5_000, Date.parse('2026-12-07T10:40:00.000Z'));
    expect(wallTime(clock)).toBe('2026-12-07T10:40:00.000Z');
    await clock.advance(1_500);
    expect(wallTime(clock)).toBe('2026-12-07T10:40:01.500Z');
    clock.setWall('2027-01-01T00:00:00.000Z'); // NTP sets the clock: the monotonic time does not move
    expect(clock.now()).toBe(6_500);
    expect(clock.wallNow()).toBe(Date.parse('2027-01-01T00:00:00.000Z'));
    expect(new ManualClock(123).wallNow()).toBe(MANUAL_WALL_START_MS);
    expect(() => clock.setWall('yesterday')).toThrow(/"yesterday" is not a time; give Unix ms or an ISO 8601 string/);
  });

  it('systemClock: wallNow is Unix ms (Date.now)', () => {
    const before = Date.now();
    const wall = systemClock().wallNow();
    expect(wall).toBeGreaterThanOrEqual(before);
    expect(wall).toBeLessThanOrEqual(Date.now());
  });
});
