import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { SystemdNotifier, watchdogInterval } from './notifier.js';

const quiet = { info: () => undefined, warn: () => undefined };

function recording(): { sent: string[][]; send: (a: readonly string[]) => Promise<void> } {
  const sent: string[][] = [];
  return { sent, send: (a) => (sent.push([...a]), Promise.resolve()) };
}

describe('SystemdNotifier (a recording sender, ManualClock)', () => {
  it('does nothing without NOTIFY_SOCKET', () => {
    expect(SystemdNotifier.fromEnv({ env: {}, clock: new ManualClock(), log: quiet })).toBeUndefined();
  });

  it('READY=1 with a status, WATCHDOG=1 every WATCHDOG_USEC / 2 while running, STOPPING=1 ends the pings', async () => {
    const clock = new ManualClock();
    const r = recording();
    const n = SystemdNotifier.fromEnv({ env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '3000000' }, clock, log: quiet, pid: 42, send: r.send })!;
    expect(n.watchdogIntervalMs).toBe(1_500);
    await n.ready('serving 3 device(s)');
    expect(r.sent).toEqual([['READY=1', 'STATUS=serving 3 device(s)']]);
    await clock.advance(4_600);
    expect(r.sent.filter((m) => m[0] === 'WATCHDOG=1')).toHaveLength(3);
    await n.stopping();
    await clock.advance(10_000);
    expect(r.sent.slice(-1)[0]?.[0]).toBe('STOPPING=1');
    expect(r.sent.filter((m) => m[0] === 'WATCHDOG=1')).toHaveLength(3);
  });

  it('a slow send does not stretch the watchdog period: the next ping is due one period after the last one began', async () => {
    const clock = new ManualClock();
    const pings: number[] = [];
    const send = async (a: readonly string[]): Promise<void> => {
      if (a[0] !== 'WATCHDOG=1') return;
      pings.push(clock.now());
      await clock.sleep(1_000); // the barrier's wait for a busy service manager
    };
    const n = SystemdNotifier.fromEnv({ env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '3000000' }, clock, log: quiet, send })!;
    await n.ready('up');
    await clock.advance(6_100);
    expect(pings).toEqual([1_500, 3_000, 4_500, 6_000]);
    await n.stopping();
  });

  it('a send slower than the period is followed at once by the next, never two at a time', async () => {
    const clock = new ManualClock();
    const pings: number[] = [];
    let inFlight = 0;
    let most = 0;
    const send = async (a: readonly string[]): Promise<void> => {
      if (a[0] !== 'WATCHDOG=1') return;
      pings.push(clock.now());
      most = Math.max(most, ++inFlight);
      await clock.sleep(2_000);
      inFlight--;
    };
    const n = SystemdNotifier.fromEnv({ env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '2000000' }, clock, log: quiet, send })!;
    await n.ready('up');
    await clock.advance(7_100);
    expect(pings).toEqual([1_000, 3_000, 5_000, 7_000]);
    expect(most).toBe(1);
    await n.stopping();
    await clock.advance(5_000);
    expect(pings).toHaveLength(4);
  });

  it('the watchdog is ours only when WATCHDOG_PID is unset or our pid (sd_watchdog_enabled)', () => {
    expect(watchdogInterval({ WATCHDOG_USEC: '20000000' }, 7)).toBe(10_000);
    expect(watchdogInterval({ WATCHDOG_USEC: '20000000', WATCHDOG_PID: '7' }, 7)).toBe(10_000);
    expect(watchdogInterval({ WATCHDOG_USEC: '20000000', WATCHDOG_PID: '8' }, 7)).toBeUndefined();
    expect(watchdogInterval({ WATCHDOG_USEC: 'x' }, 7)).toBeUndefined();
    expect(watchdogInterval({}, 7)).toBeUndefined();
  });

  it('a failing sender is logged, not thrown', async () => {
    const warnings: string[] = [];
    const n = SystemdNotifier.fromEnv({ env: { NOTIFY_SOCKET: '/run/x' }, clock: new ManualClock(), log: { info: () => undefined, warn: (m) => void warnings.push(m) }, send: () => Promise.reject(new Error('systemd-notify failed: nope')) })!;
    await n.ready('x');
    expect(warnings).toEqual(['systemd: could not send READY=1: systemd-notify failed: nope']);
  });
});
