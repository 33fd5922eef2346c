/** The history ring: one sample a second at most, 3600 at most, the last hour only. */
import { describe, expect, it } from 'vitest';
import { CAPACITY, History, HistoryRing, WINDOW_MS } from './history.js';

describe('HistoryRing', () => {
  it('keeps one sample per second: a faster source replaces the second’s sample with its latest value', () => {
    const r = new HistoryRing();
    r.add(1000, 1);
    r.add(1500, 2);
    r.add(1999, 3);
    r.add(2000, 4);
    expect(r.samples(2000)).toEqual([
      [1999, 3],
      [2000, 4],
    ]);
  });

  it('holds at most CAPACITY samples, dropping the oldest, and returns only the last hour', () => {
    const r = new HistoryRing();
    for (let i = 0; i < CAPACITY + 100; i++) r.add(i * 1000, i);
    expect(r.length).toBe(CAPACITY);
    const now = (CAPACITY + 99) * 1000;
    const s = r.samples(now);
    expect(s[0]).toEqual([100_000, 100]);
    expect(s[s.length - 1]).toEqual([now, CAPACITY + 99]);
    const later = r.samples(now + 30 * 60 * 1000);
    expect(later.every(([t]) => t >= now + 30 * 60 * 1000 - WINDOW_MS)).toBe(true);
    expect(later.length).toBeLessThan(s.length);
  });

  it('ignores what is not a finite number and a sample older than the last', () => {
    const r = new HistoryRing();
    r.add(5000, 1);
    r.add(6000, Number.NaN);
    r.add(3000, 2);
    expect(r.samples(6000)).toEqual([[5000, 1]]);
  });
});

describe('History', () => {
  it('one ring per gateway, device and property; non-numbers are not charted; a device can be forgotten', () => {
    const h = new History();
    h.add('g', 'fan', 'rpm', 1000, 1200);
    h.add('g', 'fan', 'mode', 1000, 'auto');
    h.add('g', 'temp', 'temperature', 1000, 21.5);
    expect(h.all(1000).map((e) => `${e.device}/${e.property}`).sort()).toEqual(['fan/rpm', 'temp/temperature']);
    h.forgetDevice('g', 'fan');
    expect(h.all(1000).map((e) => e.device)).toEqual(['temp']);
  });
});
