/**
 * An in-memory copy of the newest part of the DurableQueue, so the sender reads what was
 * just appended without a SQLite query per PUBACK (bench/mqtt-publish.ts: the query was
 * about a fifth of the uplink's time).
 *
 * Must hold (the invariant every method keeps): for every id > `floor`, the message is in
 * `rows` exactly when it is in the SQLite queue. Messages at or below `floor` are only on disk.
 * `rows` is in id order (a Map iterates in insertion order and appends come in id order).
 */
import type { QueuedMessage } from './durable-queue.js';

export class QueueTail {
  private readonly rows = new Map<number, QueuedMessage>();

  /** @param floor the last id already on disk when the queue opened (nothing above it yet) */
  constructor(
    private floor: number,
    private readonly capacity = 4096,
  ) {}

  /** After a commit: the new messages (ids above every held one). Evicts the oldest past the capacity by raising the floor. */
  appended(messages: readonly QueuedMessage[]): void {
    for (const m of messages) this.rows.set(m.id, m);
    for (const id of this.rows.keys()) {
      if (this.rows.size <= this.capacity) break;
      this.rows.delete(id);
      this.floor = id;
    }
  }

  /** After a commit: messages that left the queue (acked or dropped). */
  removed(ids: Iterable<number>): void {
    for (const id of ids) this.rows.delete(id);
  }

  /** Up to `limit` messages with id > `afterSeq` in order, or undefined when the answer needs the disk. */
  peek(limit: number, afterSeq: number): QueuedMessage[] | undefined {
    if (afterSeq < this.floor) return undefined;
    const out: QueuedMessage[] = [];
    for (const m of this.rows.values()) {
      if (out.length >= limit) break;
      if (m.id > afterSeq) out.push(m);
    }
    return out;
  }
}
