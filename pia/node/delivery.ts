/**
 * Delivery of a datagram to the node's data listeners (docs/protocol.md §7), per packet and
 * without allocating:
 * - the listeners sit in an array replaced on change (copy on write), walked by index: no
 *   iterator, no closure per call, and a listener that adds or removes one mid-walk changes
 *   the next delivery, not this one; a listener that throws is reported, the others still run;
 * - the security context of a pair is made once and reused while it holds (`cachedContext`):
 *   the same peer endpoint and, on a phase-3 pair, the same grants with the same whole seconds
 *   left (phase3-context.ts `grantsUnchanged`); contexts are immutable, listeners may keep them.
 */
import type { SecurityContext } from '../discovery/index.js';
import type { InnerInfo } from './node-types.js';
import type { Peer } from './peer.js';
import { grantsUnchanged } from './phase3-context.js';
import type { SaPair } from './sa.js';

/**
 * A delivered datagram. `payload` is a view into the node's inbound buffer: valid only during
 * the call (the next datagram overwrites it); a listener that keeps the bytes past its return
 * (or past an await) copies them (`payload.slice()`). `ctx` and `inner` are immutable and may
 * be kept.
 */
export type DataListener = (payload: Uint8Array, ctx: SecurityContext, inner: InnerInfo) => void;

export class DataListeners {
  #list: readonly DataListener[] = [];

  /** `warn`: the line a throwing listener is reported with (listenerThrew). */
  constructor(private readonly warn: (message: string) => void) {}

  /** Returns the function that removes it again. */
  add(listener: DataListener): () => void {
    if (!this.#list.includes(listener)) this.#list = [...this.#list, listener];
    return () => {
      this.#list = this.#list.filter((l) => l !== listener);
    };
  }

  deliver(payload: Uint8Array, ctx: SecurityContext, inner: InnerInfo): void {
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(payload, ctx, inner);
      } catch (err) {
        this.warn(listenerThrew(err));
      }
    }
  }
}

/** The pair's cached context while it holds, else `make()`'s (then cached). */
export function cachedContext(peer: Peer, pair: SaPair, nowMs: number, make: { context(peer: Peer, pair: SaPair): SecurityContext }): SecurityContext {
  const cached = pair.context;
  if (cached !== undefined && cached.peer === peer.endpoint) {
    if (pair.phase3 === undefined) return cached;
    if (cached.phase === 3 && grantsUnchanged(cached.grants, pair.phase3, nowMs)) return cached;
  }
  const ctx = make.context(peer, pair);
  pair.context = ctx;
  return ctx;
}

/** The warning for a listener that threw: the pipeline that called it goes on. */
export function listenerThrew(err: unknown): string {
  return `PIA node: a listener threw (${err instanceof Error ? err.message : String(err)}); fix the listener`;
}
