import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { DROP_WARNING_MS, DropWarning } from './drop-warning.js';

function logger(): { lines: { dropped: number }[]; info: () => void; warn: (f: object) => void } {
  const lines: { dropped: number }[] = [];
  return { lines, info: () => undefined, warn: (f) => lines.push(f as { dropped: number }) };
}

describe('DropWarning', () => {
  it('warns at once, then at most once per minute with the count; every drop is counted once', async () => {
    const clock = new ManualClock();
    const log = logger();
    const w = new DropWarning(clock, log, '10 messages');
    w.dropped(1);
    expect(log.lines.map((l) => l.dropped)).toEqual([1]);
    for (let i = 0; i < 80; i++) {
      w.dropped(1);
      await clock.advance(100);
    }
    expect(log.lines.map((l) => l.dropped)).toEqual([1]); // 8 s: still inside the minute
    await clock.advance(DROP_WARNING_MS);
    expect(log.lines.map((l) => l.dropped)).toEqual([1, 80]);
    w.dropped(0);
    await clock.advance(DROP_WARNING_MS * 3);
    expect(log.lines).toHaveLength(2); // nothing new, nothing said
    w.dropped(5);
    w.dropped(2);
    expect(log.lines.map((l) => l.dropped)).toEqual([1, 80, 5]);
    w.close();
    expect(log.lines.map((l) => l.dropped)).toEqual([1, 80, 5, 2]);
  });
});
