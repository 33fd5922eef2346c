/**
 * Peers by their next deadline (docs/protocol.md §3 timers), so neither a datagram nor a
 * timer fire walks every peer: a binary min-heap with lazy deletion.
 *
 * Must hold:
 * - `schedule(item, at)` makes the item come out of `popDue` no later than `at`. A deadline
 *   that moved later is not re-queued: the earlier entry comes out early, the caller finds
 *   nothing due yet and schedules the real deadline (an early wake costs one check);
 * - an item comes out of one `popDue` at most once; entries left behind by an earlier
 *   schedule, or by an item that was forgotten (`forget`), are skipped when they surface;
 * - each `schedule` that changes something adds one entry and each entry is removed once, so
 *   the heap holds at most one live entry per item plus the stale ones not yet surfaced.
 */
export interface Queued {
  /** The deadline of the item's live entry; undefined when it has none. Owned by the queue. */
  queuedAt: number | undefined;
}

interface Entry<T> {
  readonly at: number;
  readonly item: T;
}

export class DeadlineQueue<T extends Queued> {
  readonly #heap: Entry<T>[] = [];

  schedule(item: T, at: number | undefined): void {
    if (at === undefined || !Number.isFinite(at)) return;
    if (item.queuedAt !== undefined && item.queuedAt <= at) return;
    item.queuedAt = at;
    this.#push({ at, item });
  }

  /** The item will not come out again until scheduled anew. */
  forget(item: T): void {
    item.queuedAt = undefined;
  }

  /** The earliest live deadline, undefined when none. */
  next(): number | undefined {
    this.#dropStale();
    return this.#heap[0]?.at;
  }

  /** Removes and returns every item whose live deadline is ≤ `now` (each once). */
  popDue(now: number): T[] {
    const out: T[] = [];
    for (;;) {
      this.#dropStale();
      const top = this.#heap[0];
      if (top === undefined || top.at > now) return out;
      this.#pop();
      top.item.queuedAt = undefined;
      out.push(top.item);
    }
  }

  get size(): number {
    return this.#heap.length;
  }

  #dropStale(): void {
    for (let top = this.#heap[0]; top !== undefined && top.item.queuedAt !== top.at; top = this.#heap[0]) this.#pop();
  }

  #push(entry: Entry<T>): void {
    const h = this.#heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((h[parent] as Entry<T>).at <= entry.at) break;
      h[i] = h[parent] as Entry<T>;
      i = parent;
    }
    h[i] = entry;
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= h.length) break;
      const right = left + 1;
      const child = right < h.length && (h[right] as Entry<T>).at < (h[left] as Entry<T>).at ? right : left;
      if ((h[child] as Entry<T>).at >= last.at) break;
      h[i] = h[child] as Entry<T>;
      i = child;
    }
    h[i] = last;
  }
}
