/**
 * "Last seen" at a coarse resolution (docs/protocol.md §9.5: a node's last seen is updated once
 * its MAC verifies): the store is written for a node at most once per `intervalMs` (default
 * 60 s), so a busy node costs one write a minute rather than one per authorization. A node's
 * `lastSeen` may thus lag by up to the interval; the console's "online" window
 * (web/api-nodes.ts, 3 minutes) is wider.
 *
 * Writes are batched: the touches that arrive while a write is under way are written together
 * by the next one (one UPDATE on PostgreSQL, one transaction and one fsync on SQLite), with the
 * latest of their times. `touch` resolves once its node is written, so an authorization still
 * waits for its "last seen" as before.
 *
 * Must hold: bounded memory — at most `maxNodes` entries (default 100,000); once full, entries
 * older than the interval go, then the oldest ones (a node dropped is merely written again on
 * its next authorization). A failed write is forgotten, so the next touch tries again, and its
 * error goes to every caller of that batch unchanged (the authority answers "unavailable").
 * Times come from the caller's wall clock (`now`), so tests drive them.
 */
export interface LastSeenOptions {
  readonly intervalMs?: number;
  readonly maxNodes?: number;
}

interface Batch {
  readonly ids: string[];
  now: Date;
  done: Promise<void>;
}

export class LastSeenCoalescer {
  readonly #write: (ids: readonly string[], now: Date) => Promise<void>;
  readonly #intervalMs: number;
  readonly #maxNodes: number;
  /** Node → when it was last written (ms), oldest first (a write moves it to the end). */
  readonly #written = new Map<string, number>();
  /** The batch still taking touches (it is written once the write before it is done). */
  #open: Batch | undefined;
  #queue: Promise<void> = Promise.resolve();

  constructor(write: (ids: readonly string[], now: Date) => Promise<void>, options: LastSeenOptions = {}) {
    this.#write = write;
    this.#intervalMs = options.intervalMs ?? 60_000;
    this.#maxNodes = Math.max(1, options.maxNodes ?? 100_000);
  }

  /** Nodes remembered (for tests and metrics). */
  get size(): number {
    return this.#written.size;
  }

  /** Records that `id` (canonical text) was seen at `now`: writes it unless written within the interval. */
  touch(id: string, now: Date): Promise<void> {
    const t = now.getTime();
    const last = this.#written.get(id);
    if (last !== undefined && t - last < this.#intervalMs && t >= last) return Promise.resolve();
    this.#written.delete(id);
    if (this.#written.size >= this.#maxNodes) this.#prune(t);
    this.#written.set(id, t);
    let batch = this.#open;
    if (batch === undefined) {
      const fresh: Batch = { ids: [], now, done: Promise.resolve() };
      fresh.done = this.#queue.then(() => this.#flush(fresh));
      this.#queue = fresh.done.catch(() => undefined);
      this.#open = batch = fresh;
    }
    batch.ids.push(id);
    if (t > batch.now.getTime()) batch.now = now;
    return batch.done;
  }

  async #flush(batch: Batch): Promise<void> {
    if (this.#open === batch) this.#open = undefined;
    try {
      await this.#write(batch.ids, batch.now);
    } catch (err) {
      for (const id of batch.ids) this.#written.delete(id);
      throw err;
    }
  }

  #prune(t: number): void {
    for (const [id, at] of this.#written) {
      if (t - at < this.#intervalMs && this.#written.size < this.#maxNodes) break;
      this.#written.delete(id);
    }
  }
}
