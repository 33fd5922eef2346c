import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { HealthTracker, errorMessage } from './health.js';
import type { DeviceEvent, HealthStatus } from './types.js';

/** The wall time at monotonic 1000 ms: the times in health and events must be this scale, not 1000. */
const WALL = Date.parse('2026-12-07T10:40:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function tracker(failAfter = 3) {
  const clock = new ManualClock(1000, WALL);
  const events: DeviceEvent[] = [];
  const transitions: string[] = [];
  const health = new HealthTracker({
    device: 'rack1-temp',
    clock,
    failAfter,
    failedEventKind: 'sensor-failed',
    emit: (e) => events.push(e),
    onStatusChange: (from: HealthStatus, to: HealthStatus) => transitions.push(`${from}>${to}`),
  });
  return { clock, events, transitions, health };
}

describe('HealthTracker', () => {
  it('goes ok → degraded → failed on consecutive failures, with the last error and its wall-clock time', async () => {
    const { clock, events, health } = tracker(3);
    expect(health.health()).toEqual({ status: 'ok', failures: 0 });
    health.ok();
    expect(health.health().lastOkAt).toBe('2026-12-07T10:40:00.000Z');
    await clock.advance(500);
    health.fail(new Error('i2c-1 0x44: nack'));
    expect(health.status).toBe('degraded');
    health.fail(new Error('second'));
    expect(health.status).toBe('degraded');
    expect(events).toHaveLength(0);
    await clock.advance(500);
    health.fail('third');
    expect(health.health()).toEqual({ status: 'failed', failures: 3, lastError: { message: 'third', at: iso(WALL + 1000) }, lastOkAt: iso(WALL) });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ device: 'rack1-temp', kind: 'sensor-failed', severity: 'alarm', at: '2026-12-07T10:40:01.000Z', by: 'device' });
    expect(events[0]!.message).toContain('third');
    health.fail('fourth'); // still failed: no second alarm
    expect(events).toHaveLength(1);
  });

  it('one success recovers, emits "recovered" once, and keeps the last error for the operator', async () => {
    const { clock, events, transitions, health } = tracker(2);
    health.fail('a');
    health.fail('b');
    await clock.advance(100);
    health.ok();
    expect(health.health()).toEqual({ status: 'ok', failures: 0, lastError: { message: 'b', at: iso(WALL) }, lastOkAt: iso(WALL + 100) });
    expect(events.map((e) => [e.kind, e.at, e.by])).toEqual([
      ['sensor-failed', iso(WALL), 'device'],
      ['recovered', iso(WALL + 100), 'device'],
    ]);
    expect(events.map((e) => e.kind)).toEqual(['sensor-failed', 'recovered']);
    expect(transitions).toEqual(['ok>degraded', 'degraded>failed', 'failed>ok']);
  });

  it('a glitch (degraded then ok) emits no event', () => {
    const { events, health } = tracker(3);
    health.fail('glitch');
    health.ok();
    expect(health.status).toBe('ok');
    expect(events).toHaveLength(0);
  });

  it('a standing fault keeps the device degraded until cleared', () => {
    const { health, transitions } = tracker(3);
    health.setFault('stall', 'fan stalled');
    expect(health.status).toBe('degraded');
    expect(health.health().lastError?.message).toBe('fan stalled');
    health.ok();
    expect(health.status).toBe('degraded');
    health.setFault('stall', undefined);
    expect(health.status).toBe('ok');
    expect(transitions).toEqual(['ok>degraded', 'degraded>ok']);
  });

  it('failAfter 1 fails on the first error', () => {
    const { health } = tracker(1);
    health.fail('x');
    expect(health.status).toBe('failed');
  });

  it('a throwing listener does not break it', () => {
    const health = new HealthTracker({
      device: 'd',
      clock: new ManualClock(),
      failAfter: 1,
      emit: () => {
        throw new Error('listener');
      },
      onStatusChange: () => {
        throw new Error('listener');
      },
    });
    expect(() => health.fail('x')).not.toThrow();
    expect(health.status).toBe('failed');
  });

  it('errorMessage reads Errors, strings and other thrown values', () => {
    expect(errorMessage(new Error('m'))).toBe('m');
    expect(errorMessage('s')).toBe('s');
    expect(errorMessage({ code: 5 })).toBe('{"code":5}');
    expect(errorMessage(undefined)).toBe('undefined');
  });
});
