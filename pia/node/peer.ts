/**
 * What a node knows about one PIA peer (docs/protocol.md §3): its current SA pair, older
 * inbound SAs still in their grace period, the exchange in progress (ours, as initiator), the
 * callers waiting in `connect()`, and the timestamps the lifecycle timers run from.
 *
 * `due(now)` is the lifecycle as a pure decision, the node carries it out:
 *   1. retire: an older pair whose grace (30 s after the rekey) or hard age limit ran out;
 *   2. expire: the current pair reached its hard age limit (180 s) → torn down;
 *   3. dead: we sent data and nothing authenticated came back for 35 s → torn down;
 *   4. keepalive: data came in and we sent nothing in the 10 s since → one dummy packet (59);
 *   5. rekey: the current pair is older than its jittered rekey time, no exchange running, and
 *      we initiated to this peer (§3: a node that only ever answered a peer never starts one);
 *   6. promote: a rekeyed pair held for phase 3 (§9.4) waited `phase3HoldMs`: it becomes current.
 * `nextDeadline()` is the earliest time one of these can become true.
 */
import type { PeerEndpoint } from '../discovery/index.js';
import type { Initiator } from '../handshake/index.js';
import type { Queued } from './deadline-queue.js';
import type { SaLimits } from './node-types.js';
import type { SaPair } from './sa.js';

export interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export interface PeerDue {
  readonly retire: readonly SaPair[];
  readonly expire: boolean;
  readonly dead: boolean;
  readonly keepalive: boolean;
  readonly rekey: boolean;
  /** §9.4: the held pair waited its longest for phase 3: it becomes current at phase 2. */
  readonly promote: boolean;
}

export class Peer implements Queued {
  /** Where we send (updated on NAT rebinding); canonical address text. */
  endpoint: PeerEndpoint;
  /** The node table's keys for this peer (its first endpoint and NAT aliases). Owned by SaTable. */
  readonly tableKeys: string[] = [];
  /** Inbound SAs in the node's table that lead here (provisional ones too). Owned by SaTable. */
  inboundSas = 0;
  /** The deadline queue's live entry. Owned by DeadlineQueue. */
  queuedAt: number | undefined;
  current: SaPair | undefined;
  /** §9.4: a rekeyed phase-2 pair held back while phase 3 runs over it (the phase-3 pair stays current). */
  pending: SaPair | undefined;
  readonly previous: SaPair[] = [];
  /** Why the last phase 3 with this peer ended without one (authentic denial or failure), for `phase3Ready`. */
  phase3Error: string | undefined;
  /** The partner the application expects here (phase 3, §9.2 `ID_B*`), UUID text; any when undefined. */
  expectPeer: string | undefined;
  /** Our exchange toward this peer (first connect or a rekey), while it runs. */
  initiator: Initiator | undefined;
  waiters: Waiter[] = [];
  /** When the current pair is to be rekeyed (jittered), or retried after a failed rekey. */
  rekeyAt: number | undefined;
  /** Data came in and nothing has gone out since: a keepalive is owed at this time. */
  keepaliveAt: number | undefined;
  /** The first data packet sent since the last authenticated inbound one (dead-peer timer). */
  dpdSince: number | undefined;
  /** Last time the latch store's lastSeen was refreshed for this peer. */
  touchedAt = Number.NEGATIVE_INFINITY;
  /** No rekey by packet count before this (set after a failed rekey). */
  rekeyHoldUntil = Number.NEGATIVE_INFINITY;
  /**
   * We started an exchange toward this peer (connect, or discovery for us) at least once: it
   * matters (its death is reported) and we rekey with it (docs/protocol.md §3). A peer that
   * only ever initiated to us gets neither.
   */
  initiated = false;
  /** §6: our inner source address toward this peer, when the node is bound to `::` (looked up once). */
  innerSource: string | undefined;

  constructor(endpoint: PeerEndpoint) {
    this.endpoint = endpoint;
  }

  /**
   * Holds nothing the node must keep: no SA (not even a provisional one), no exchange, nobody
   * waiting. Such a peer is forgotten (its next packet makes a fresh record), so an endpoint
   * that only began an exchange costs nothing once the exchange has expired.
   */
  get idle(): boolean {
    return this.current === undefined && this.pending === undefined && this.previous.length === 0 && this.initiator === undefined && this.waiters.length === 0 && this.inboundSas === 0;
  }

  get exchanging(): boolean {
    const state = this.initiator?.state;
    return state === 'idle' || state === 'waiting';
  }

  due(now: number, limits: SaLimits): PeerDue {
    const cur = this.current;
    return {
      retire: this.previous.filter((p) => (p.retireAt ?? Infinity) <= now || now - p.createdAt >= limits.rejectAfterMs),
      expire: cur !== undefined && now - cur.createdAt >= limits.rejectAfterMs,
      dead: cur !== undefined && this.dpdSince !== undefined && now - this.dpdSince >= limits.deadPeerMs,
      keepalive: cur !== undefined && this.keepaliveAt !== undefined && now >= this.keepaliveAt,
      rekey: cur !== undefined && this.initiated && !this.exchanging && this.rekeyAt !== undefined && now >= this.rekeyAt,
      promote: this.pending !== undefined && now - this.pending.createdAt >= limits.phase3HoldMs,
    };
  }

  nextDeadline(limits: SaLimits): number | undefined {
    // Runs for every packet (node-core.ts reschedule): no allocation.
    let next = this.initiator?.nextDeadline() ?? Infinity;
    for (const p of this.previous) next = Math.min(next, p.retireAt ?? Infinity, p.createdAt + limits.rejectAfterMs);
    if (this.pending !== undefined) next = Math.min(next, this.pending.createdAt + limits.phase3HoldMs);
    const cur = this.current;
    if (cur !== undefined) {
      next = Math.min(next, cur.createdAt + limits.rejectAfterMs, this.dpdSince === undefined ? Infinity : this.dpdSince + limits.deadPeerMs, this.keepaliveAt ?? Infinity);
      if (this.initiated && !this.exchanging && this.rekeyAt !== undefined) next = Math.min(next, this.rekeyAt);
    }
    return Number.isFinite(next) ? next : undefined;
  }

  /** Every pair whose inbound SA is still in the node's table. */
  pairs(): SaPair[] {
    const out = this.current === undefined ? [...this.previous] : [this.current, ...this.previous];
    if (this.pending !== undefined) out.push(this.pending);
    return out;
  }

  settleWaiters(error?: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (error === undefined) w.resolve();
      else w.reject(error);
    }
  }
}
