/** last-seen.ts: one write per node per interval, concurrent touches in one write, bounded memory, a failed write retried next time. */
import { describe, expect, it } from 'vitest';
import { LastSeenCoalescer } from './last-seen.js';

const at = (s: number): Date => new Date(Date.UTC(2026, 0, 15, 12, 0, s));

function recorder(fail = false): { writes: string[]; write: (ids: readonly string[], now: Date) => Promise<void> } {
  const writes: string[] = [];
  return {
    writes,
    write: (ids, now) => {
      writes.push(`${ids.join(',')}@${now.toISOString()}`);
      return fail ? Promise.reject(new Error('store unavailable')) : Promise.resolve();
    },
  };
}

describe('LastSeenCoalescer', () => {
  it('writes a node once per interval, each node on its own', async () => {
    const r = recorder();
    const c = new LastSeenCoalescer(r.write, { intervalMs: 60_000 });
    await c.touch('a', at(0));
    await c.touch('a', at(30));
    await c.touch('b', at(30));
    await c.touch('a', at(59));
    await c.touch('a', at(60));
    expect(r.writes).toEqual(['a@2026-01-15T12:00:00.000Z', 'b@2026-01-15T12:00:30.000Z', 'a@2026-01-15T12:01:00.000Z']);
  });

  it('writes touches that arrive together in one write, at the latest time; those during a write in the next one', async () => {
    let release: () => void = () => undefined;
    const writes: string[] = [];
    const c = new LastSeenCoalescer((ids, now) => {
      writes.push(`${ids.join(',')}@${now.getUTCSeconds()}`);
      return writes.length === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
    });
    const first = [c.touch('a', at(1)), c.touch('b', at(3)), c.touch('c', at(2))];
    await Promise.resolve();
    await Promise.resolve();
    const second = [c.touch('d', at(4)), c.touch('e', at(5))];
    expect(writes).toEqual(['a,b,c@3']);
    release();
    await Promise.all([...first, ...second]);
    expect(writes).toEqual(['a,b,c@3', 'd,e@5']);
  });

  it('writes again when the wall clock steps back', async () => {
    const r = recorder();
    const c = new LastSeenCoalescer(r.write);
    await c.touch('a', at(30));
    await c.touch('a', at(10));
    expect(r.writes).toHaveLength(2);
  });

  it('forgets a failed write (the next touch tries again) and lets its error out to each caller', async () => {
    const r = recorder(true);
    const c = new LastSeenCoalescer(r.write);
    const both = [c.touch('a', at(0)), c.touch('b', at(0))];
    await expect(both[0]).rejects.toThrow('store unavailable');
    await expect(both[1]).rejects.toThrow('store unavailable');
    await expect(c.touch('a', at(1))).rejects.toThrow('store unavailable');
    expect(r.writes).toEqual(['a,b@2026-01-15T12:00:00.000Z', 'a@2026-01-15T12:00:01.000Z']);
    expect(c.size).toBe(0);
  });

  it('stays within maxNodes: stale entries go first, then the oldest', async () => {
    const r = recorder();
    const c = new LastSeenCoalescer(r.write, { intervalMs: 60_000, maxNodes: 3 });
    await c.touch('a', at(0));
    await c.touch('b', at(10));
    await c.touch('c', at(20));
    await c.touch('d', at(65)); // a is stale: pruned
    expect(c.size).toBe(3);
    await c.touch('b', at(66)); // written 56 s ago: not again
    await c.touch('b', at(71)); // 61 s: written again
    await c.touch('e', at(72)); // full, c (the oldest) goes although fresh
    expect(c.size).toBe(3);
    await c.touch('c', at(73)); // c was dropped: written again
    expect(r.writes.map((w) => w.split('@')[0])).toEqual(['a', 'b', 'c', 'd', 'b', 'e', 'c']);
    expect(c.size).toBe(3);
  });
});
