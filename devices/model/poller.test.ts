import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { Poller } from './poller.js';

/** A poll whose outcome the test switches; records the clock time of each call. */
function scripted(clock: ManualClock) {
  const calls: number[] = [];
  let failing = false;
  return {
    calls,
    setFailing: (f: boolean) => (failing = f),
    poll: (): Promise<void> => {
      calls.push(clock.now());
      if (failing) return Promise.reject(new Error('sensor gone'));
      return Promise.resolve();
    },
  };
}

describe('Poller', () => {
  it('polls at once on start, then every intervalMs', async () => {
    const clock = new ManualClock();
    const s = scripted(clock);
    const poller = new Poller({ clock, intervalMs: 1000, poll: s.poll });
    poller.start();
    await clock.advance(3500);
    expect(s.calls).toEqual([0, 1000, 2000, 3000]);
    await poller.stop();
  });

  it('start(firstDelayMs) waits before the first poll', async () => {
    const clock = new ManualClock();
    const s = scripted(clock);
    const poller = new Poller({ clock, intervalMs: 1000, poll: s.poll });
    poller.start(500);
    await clock.advance(2000);
    expect(s.calls).toEqual([500, 1500]);
    await poller.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('backs off exponentially while failing, up to the maximum, and recovers by itself', async () => {
    const clock = new ManualClock();
    const s = scripted(clock);
    const failures: string[] = [];
    let successes = 0;
    const poller = new Poller({
      clock,
      intervalMs: 100,
      maxIntervalMs: 1000,
      random: () => 0,
      poll: s.poll,
      onFailure: (e) => failures.push((e as Error).message),
      onSuccess: () => successes++,
    });
    s.setFailing(true);
    poller.start();
    await clock.advance(0);
    // failures at 0, then waits 200, 400, 800, 1000 (capped), 1000
    await clock.advance(3400);
    expect(s.calls).toEqual([0, 200, 600, 1400, 2400, 3400]);
    expect(failures).toHaveLength(6);
    expect(poller.consecutiveFailures).toBe(6);
    s.setFailing(false);
    await clock.advance(1000); // the poll at 4400 succeeds
    await clock.advance(250); // then back to 100 ms
    expect(s.calls.slice(6)).toEqual([4400, 4500, 4600]);
    expect(successes).toBe(3);
    expect(poller.consecutiveFailures).toBe(0);
    await poller.stop();
  });

  it('takes jitter off backed-off waits using the injected random, never below the interval', async () => {
    const clock = new ManualClock();
    const s = scripted(clock);
    s.setFailing(true);
    const poller = new Poller({ clock, intervalMs: 100, jitter: 0.5, random: () => 0.5, poll: s.poll });
    poller.start();
    await clock.advance(0);
    expect(poller.nextDelayMs()).toBe(150); // 200 × (1 − 0.5 × 0.5)
    await clock.advance(150);
    expect(s.calls).toEqual([0, 150]);
    const neverBelow = new Poller({ clock, intervalMs: 100, jitter: 1, random: () => 0.99, poll: s.poll });
    neverBelow.start();
    await clock.advance(0);
    expect(neverBelow.nextDelayMs()).toBe(100);
    await poller.stop();
    await neverBelow.stop();
  });

  it('never lets a synchronous throw or a throwing listener escape', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const poller = new Poller({
      clock,
      intervalMs: 10,
      random: () => 0,
      poll: () => {
        calls++;
        throw new Error('boom');
      },
      onFailure: () => {
        throw new Error('listener boom');
      },
    });
    poller.start();
    await clock.advance(100);
    expect(calls).toBeGreaterThan(2);
    await poller.stop();
  });

  it('stop() waits for the poll in flight and nothing runs afterwards', async () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const poller = new Poller({
      clock,
      intervalMs: 10,
      poll: async () => {
        log.push(`begin ${clock.now()}`);
        await clock.sleep(50);
        log.push(`end ${clock.now()}`);
      },
    });
    poller.start();
    await clock.advance(20);
    let stopped = false;
    const stopping = poller.stop().then(() => (stopped = true));
    await clock.advance(10);
    expect(stopped).toBe(false);
    await clock.settle(stopping);
    expect(log).toEqual(['begin 0', 'end 50']);
    await clock.advance(1000);
    expect(log).toHaveLength(2);
    expect(clock.pendingTimers).toBe(0);
  });

  it('never overlaps polls: pollNow joins the one in flight', async () => {
    const clock = new ManualClock();
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    const poller = new Poller({
      clock,
      intervalMs: 5,
      poll: async () => {
        calls++;
        active++;
        maxActive = Math.max(maxActive, active);
        await clock.sleep(20);
        active--;
      },
    });
    poller.start();
    const joined = poller.pollNow();
    await clock.settle(joined);
    expect(calls).toBe(1);
    await clock.advance(200);
    expect(maxActive).toBe(1);
    await clock.settle(poller.stop());
  });

  it('refuses a non-positive interval', () => {
    const clock = new ManualClock();
    expect(() => new Poller({ clock, intervalMs: 0, poll: () => Promise.resolve() })).toThrow(/intervalMs must be > 0/);
  });
});
