import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { SystemdNotifier, watchdogInterval } from './systemd.js';

const quiet = { info: () => undefined, warn: () => undefined };

function recording(): { sent: string[][]; send: (a: readonly string[]) => Promise<void> } {
  const sent: string[][] = [];
  return { sent, send: (a) => (sent.push([...a]), Promise.resolve()) };
}

describe('systemd notify (fake sender, ManualClock)', () => {
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
