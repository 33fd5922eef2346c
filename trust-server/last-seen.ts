/**
 * "Last seen" at a coarse resolution (docs/protocol.md §9.5: a node's last seen is updated once
 * its MAC verifies): the store is written for a node at most once per `intervalMs` (default
 * 60 s), so a busy node costs one UPDATE (and, on SQLite, one fsync) a minute rather than one
 * per authorization. A node's `lastSeen` may thus lag by up to the interval; the console's
 * "online" window (web/api-nodes.ts, 3 minutes) is wider.
 *
 * Must hold: bounded memory — at most `maxNodes` entries (default 100,000); once full, entries
 * older than the interval go, then the oldest ones (a node dropped is merely written again on
 * its next authorization). A failed write is forgotten, so the next one tries again, and its
 * error goes to the caller unchanged (the authority answers "unavailable"). Times come from the
 * caller's wall clock (`now`), so a ManualClock drives it in tests.
 */
export interface LastSeenOptions {
  readonly intervalMs?: number;
  readonly maxNodes?: number;
}

export class LastSeenCoalescer {
  readonly #write: (id: string, now: Date) => Promise<void>;
  readonly #intervalMs: number;
  readonly #maxNodes: number;
  /** Node → when it was last written (ms), oldest first (a write moves it to the end). */
  readonly #written = new Map<string, number>();

  constructor(write: (id: string, now: Date) => Promise<void>, options: LastSeenOptions = {}) {
    this.#write = write;
    this.#intervalMs = options.intervalMs ?? 60_000;
    this.#maxNodes = Math.max(1, options.maxNodes ?? 100_000);
  }

  /** Nodes remembered (for tests and metrics). */
  get size(): number {
    return this.#written.size;
  }

  /** Records that `id` (canonical text) was seen at `now`: writes it unless written within the interval. */
  async touch(id: string, now: Date): Promise<void> {
    const t = now.getTime();
    const last = this.#written.get(id);
    if (last !== undefined && t - last < this.#intervalMs && t >= last) return;
    this.#written.delete(id);
    if (this.#written.size >= this.#maxNodes) this.#prune(t);
    this.#written.set(id, t);
    try {
      await this.#write(id, now);
    } catch (err) {
      if (this.#written.get(id) === t) this.#written.delete(id);
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
