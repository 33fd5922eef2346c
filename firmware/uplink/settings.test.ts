import { describe, expect, it } from 'vitest';
import { reconnectDelay, resolveSettings } from './settings.js';

describe('uplink settings', () => {
  it('fills the defaults', () => {
    expect(resolveSettings({ url: 'mqtt://b:1883' })).toEqual({
      format: 'pia',
      prefix: 'pia',
      drainRatePerSec: 500,
      maxInFlight: 100,
      reconnectMinMs: 1000,
      reconnectMaxMs: 30_000,
      reconnectJitter: 0.5,
      healthIntervalMs: 30_000,
      keepaliveSec: 30,
    });
  });

  it('refuses a number out of range, a ceiling below the floor and an unknown format, naming the setting and the fix', () => {
    expect(() => resolveSettings({ url: 'mqtt://b', keepaliveSec: 70_000 })).toThrow(/keepaliveSec 70000 is out of range; give a number from 0 to 65535 \(mqtt.keepaliveSec/);
    expect(() => resolveSettings({ url: 'mqtt://b', reconnectJitter: 1.5 })).toThrow(/reconnectJitter 1.5 is out of range; give a number from 0 to 1/);
    expect(() => resolveSettings({ url: 'mqtt://b', maxInFlight: 0 })).toThrow(/maxInFlight 0 is out of range/);
    expect(() => resolveSettings({ url: 'mqtt://b', reconnectMinMs: 5000, reconnectMaxMs: 1000 })).toThrow(/reconnectMaxMs 1000 is below reconnectMinMs 5000; the ceiling must be at least the floor/);
    expect(() => resolveSettings({ url: 'mqtt://b', format: 'sparkplug' as 'pia' })).toThrow(/format "sparkplug" is unknown; write pia or thingsboard/);
  });

  it('doubles the delay from the floor to the ceiling, drawn in [d·(1 − jitter), d]', () => {
    const s = { reconnectMinMs: 100, reconnectMaxMs: 1000, reconnectJitter: 0.5 };
    expect([1, 2, 3, 4, 5, 40].map((n) => reconnectDelay(s, n, 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 40].map((n) => reconnectDelay(s, n, 0.999999)).map(Math.round)).toEqual([100, 200, 400, 800, 1000, 1000]);
    // no jitter: exactly d; the floor as the ceiling: every retry at the floor
    expect(reconnectDelay({ ...s, reconnectJitter: 0 }, 3, 0.7)).toBe(400);
    expect([1, 2, 9].map((n) => reconnectDelay({ reconnectMinMs: 1000, reconnectMaxMs: 1000, reconnectJitter: 0.2 }, n, 0.5))).toEqual([900, 900, 900]);
  });
});
