import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineQueue, type Queued } from './deadline-queue.js';

interface Item extends Queued {
  readonly name: number;
}

const item = (name: number): Item => ({ name, queuedAt: undefined });

describe('DeadlineQueue', () => {
  it('hands out items in deadline order, each once; a later schedule keeps the earlier entry', () => {
    const q = new DeadlineQueue<Item>();
    const [a, b, c] = [item(1), item(2), item(3)];
    q.schedule(a, 30);
    q.schedule(b, 10);
    q.schedule(c, 20);
    q.schedule(b, 40); // later: b still comes out at 10 (an early wake)
    q.schedule(c, 5); // earlier: re-queued
    expect(q.next()).toBe(5);
    expect(q.popDue(15).map((i) => i.name)).toEqual([3, 2]);
    expect(q.popDue(25)).toEqual([]); // c's stale entry at 20 is skipped
    expect(q.popDue(100).map((i) => i.name)).toEqual([1]);
    expect(q.next()).toBeUndefined();
  });

  it('a forgotten item never comes out; undefined and infinite deadlines queue nothing', () => {
    const q = new DeadlineQueue<Item>();
    const a = item(1);
    q.schedule(a, 10);
    q.forget(a);
    q.schedule(item(2), undefined);
    q.schedule(item(3), Infinity);
    expect(q.popDue(1_000)).toEqual([]);
    expect(q.size).toBe(0);
  });

  it('property: popDue(t) returns exactly the items whose earliest deadline since they last came out is ≤ t', () => {
    const op = fc.record({ who: fc.integer({ min: 0, max: 7 }), at: fc.integer({ min: 0, max: 1000 }), pop: fc.boolean() });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const q = new DeadlineQueue<Item>();
        const items = Array.from({ length: 8 }, (_, i) => item(i));
        const model = new Map<number, number>(); // who → earliest deadline not yet handed out
        let now = 0;
        for (const o of ops) {
          if (o.pop) {
            now = Math.max(now, o.at);
            const got = q.popDue(now).map((i) => i.name).sort((x, y) => x - y);
            const want = [...model].filter(([, at]) => at <= now).map(([who]) => who).sort((x, y) => x - y);
            expect(got).toEqual(want);
            for (const w of want) model.delete(w);
          } else {
            const at = Math.max(now, o.at);
            q.schedule(items[o.who] as Item, at);
            model.set(o.who, Math.min(model.get(o.who) ?? Infinity, at));
          }
        }
      }),
    );
  });
});
