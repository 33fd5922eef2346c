/**
 * Which gateway the trusted server vouched which node to, when, and for how long (docs/protocol.md
 * §9.11): from its own phase-3 decisions (§9.5), so that a revocation reaches exactly the
 * gateways that may hold an association with the revoked node.
 *
 * Must hold:
 * - at most one entry per (requester A, responder B) pair: a new decision for the pair replaces
 *   the old one (the later ticket is the one that can still be alive);
 * - an entry lives as long as an association it vouched for can: the ticket lifetime, and never
 *   past the §3 hard limit of 180 s after which a rekey asked S again (`maxAgeMs`); expired
 *   entries are pruned from the oldest on every record, all of them on every query and when
 *   full, so what is kept is bounded by the rate of decisions;
 * - at most `cap` entries: beyond it a decision is not tracked and counted (`overflowed`); its
 *   association then converges at the next rekey, the fallback of §9.4.
 */

/** §3: an SA pair's hard limit; an association older than this went through phase 3 again. */
export const SA_HARD_LIMIT_MS = 180_000;
export const DEFAULT_TRACKER_CAP = 65_536;

interface Entry {
  readonly a: string;
  readonly b: string;
  readonly atMs: number;
  readonly untilMs: number;
}

export class VouchTracker {
  readonly #entries = new Map<string, Entry>();
  readonly #cap: number;
  readonly #maxAgeMs: number;
  #overflowed = 0;

  constructor(o: { readonly cap?: number; readonly maxAgeMs?: number } = {}) {
    this.#cap = o.cap ?? DEFAULT_TRACKER_CAP;
    this.#maxAgeMs = o.maxAgeMs ?? SA_HARD_LIMIT_MS;
  }

  /** S vouched A to B at `nowMs` with a ticket of `lifetimeS` (A and B as UUID text). */
  record(a: string, b: string, lifetimeS: number, nowMs: number): void {
    const key = `${a.toLowerCase()} ${b.toLowerCase()}`;
    const entry = { a: a.toLowerCase(), b: b.toLowerCase(), atMs: nowMs, untilMs: nowMs + Math.min(lifetimeS * 1000, this.#maxAgeMs) };
    for (const [k, e] of this.#entries) {
      if (e.untilMs > nowMs) break;
      this.#entries.delete(k);
    }
    if (!this.#entries.has(key) && this.#entries.size >= this.#cap) {
      this.prune(nowMs);
      if (this.#entries.size >= this.#cap) {
        this.#overflowed++;
        return;
      }
    }
    this.#entries.delete(key); // re-inserted last: the map stays in the order of decisions
    this.#entries.set(key, entry);
  }

  /** The responders (gateways) `nodeId` was vouched to and may still hold an association with. */
  vouchedTo(nodeId: string, nowMs: number): string[] {
    this.prune(nowMs);
    const id = nodeId.toLowerCase();
    const out = new Set<string>();
    for (const e of this.#entries.values()) if (e.a === id) out.add(e.b);
    return [...out];
  }

  /** Drops the entries whose association cannot be alive any more. */
  prune(nowMs: number): void {
    for (const [key, e] of this.#entries) if (e.untilMs <= nowMs) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Decisions not tracked because the tracker was full. */
  get overflowed(): number {
    return this.#overflowed;
  }
}
