import { describe, expect, it } from 'vitest';
import { QueueTail } from './queue-tail.js';

const row = (id: number) => ({ id, topic: `t${id}`, payload: String(id), retain: false });

describe('QueueTail', () => {
  it('answers from memory above its floor and sends older reads to the disk', () => {
    const tail = new QueueTail(10);
    expect(tail.peek(5, 9)).toBeUndefined();
    expect(tail.peek(5, 10)).toEqual([]);
    tail.appended([11, 12, 13].map(row));
    expect(tail.peek(5, 10)?.map((m) => m.id)).toEqual([11, 12, 13]);
    expect(tail.peek(1, 11)?.map((m) => m.id)).toEqual([12]);
  });

  it('forgets removed messages', () => {
    const tail = new QueueTail(0);
    tail.appended([1, 2, 3, 4].map(row));
    tail.removed([1, 3, 99]);
    expect(tail.peek(10, 0)?.map((m) => m.id)).toEqual([2, 4]);
  });

  it('past its capacity evicts the oldest and raises the floor, so those reads go to the disk', () => {
    const tail = new QueueTail(0, 3);
    tail.appended([1, 2, 3, 4, 5].map(row));
    expect(tail.peek(10, 0)).toBeUndefined();
    expect(tail.peek(10, 1)).toBeUndefined();
    expect(tail.peek(10, 2)?.map((m) => m.id)).toEqual([3, 4, 5]);
  });
});
