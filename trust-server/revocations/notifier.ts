/**
 * The trusted server tells the gateways at once when it withdraws access (docs/protocol.md
 * §9.11): one function, `withdraw`, for every change that does (the admin API's node revoke and
 * grant remove, MyNet Manager's, a policy apply's).
 *
 *   1. which gateways: for a revoked node, those the tracker (vouch-tracker.ts) says it was
 *      vouched to and whose association may still be alive; for a removed grant, the grant's
 *      gateway. A revoked gateway's own associations are not the server's to reach (nothing is
 *      sent for it: they converge at the next rekey);
 *   2. per gateway, the notices (pia/phase3 revocationNotices: at most 16 entries and 1024 bytes
 *      each), numbered by one increasing seq;
 *   3. each notice is delivered (`deliver`: CoAP POST /pia/revocations over the gateway's own
 *      association with the server, coap-delivery.ts) until the gateway acknowledges it
 *      ('ok'): after a failure ('retry': no association now, no answer, 5.xx) again after
 *      RETRY_FIRST_MS, doubling to RETRY_MAX_MS, the last try at the give-up time; a refusal ('refused': 4.xx, the gateway will
 *      not take it) ends it with one warning;
 *   4. bounded: a notice is given up `giveUpMs` after it was made (the ticket lifetime, at most
 *      the 180 s hard limit: by then no association it was about can exist), with one warning;
 *      at most MAX_PENDING notices wait at once (beyond: counted, not sent; the rekey fallback).
 * Must hold: `withdraw` never throws and never waits for a gateway (the admin's answer does not
 * depend on the network); close() stops every timer.
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import { revocationNotices, type RevocationNotice } from '../../pia/phase3/index.js';
import { SA_HARD_LIMIT_MS, type VouchTracker } from './vouch-tracker.js';

export const RETRY_FIRST_MS = 1_000;
export const RETRY_MAX_MS = 16_000;
export const MAX_PENDING = 4_096;

export type DeliveryOutcome = { readonly kind: 'ok' } | { readonly kind: 'retry'; readonly detail: string } | { readonly kind: 'refused'; readonly detail: string };

/** What changed: revoked node IDs, and removed grants with the gateway each was on. */
export interface Withdrawal {
  readonly nodes?: readonly string[];
  readonly grants?: readonly { readonly id: string; readonly gateway: string }[];
}

export interface RevocationNotifierOptions {
  readonly clock: Clock;
  readonly tracker: VouchTracker;
  /** Sends one notice to one gateway (node ID); resolves with how it went, never rejects. */
  readonly deliver: (gateway: string, notice: RevocationNotice) => Promise<DeliveryOutcome>;
  readonly log: (level: 'info' | 'warn', message: string) => void;
  /** Default: the server's ticket lifetime, capped at the 180 s hard limit. */
  readonly giveUpMs?: number;
  /** Wall-clock ms: the first seq (so it keeps increasing across restarts, as a report's, §9.9). */
  readonly wallNow?: () => number;
}

export interface NotifierCounters {
  /** Notices made (one per gateway per change, more when split). */
  made: number;
  acknowledged: number;
  /** Deliveries that failed and were retried. */
  retries: number;
  gaveUp: number;
  refused: number;
  /** Not sent: MAX_PENDING were waiting already. */
  overflowed: number;
}

interface Pending {
  readonly gateway: string;
  readonly notice: RevocationNotice;
  readonly deadlineMs: number;
  readonly sentAtMs: number;
  waitMs: number;
  timer: TimerHandle | undefined;
  lastDetail: string;
}

export class RevocationNotifier {
  readonly counters: NotifierCounters = { made: 0, acknowledged: 0, retries: 0, gaveUp: 0, refused: 0, overflowed: 0 };
  readonly #o: RevocationNotifierOptions;
  readonly #pending = new Set<Pending>();
  readonly #acked = new Set<(gateway: string, notice: RevocationNotice, ms: number) => void>();
  #seq: number;
  #closed = false;

  constructor(o: RevocationNotifierOptions) {
    this.#o = o;
    this.#seq = Math.max(0, Math.floor(o.wallNow?.() ?? 0));
  }

  get giveUpMs(): number {
    return this.#o.giveUpMs ?? SA_HARD_LIMIT_MS;
  }

  /** Notices waiting for their gateway's acknowledgement. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Hears each acknowledgement: the gateway, the notice, the ms from withdraw to the 2.04 (benchmarks, tests). */
  onAcknowledged(listener: (gateway: string, notice: RevocationNotice, ms: number) => void): () => void {
    this.#acked.add(listener);
    return () => this.#acked.delete(listener);
  }

  /** Steps 1–2, then 3 in the background. Returns the gateways told (node IDs). */
  withdraw(w: Withdrawal): string[] {
    if (this.#closed) return [];
    const now = this.#o.clock.now();
    const byGateway = new Map<string, { nodes: string[]; grants: string[] }>();
    const at = (gw: string): { nodes: string[]; grants: string[] } => {
      const key = gw.toLowerCase();
      let e = byGateway.get(key);
      if (e === undefined) byGateway.set(key, (e = { nodes: [], grants: [] }));
      return e;
    };
    for (const node of w.nodes ?? []) for (const gw of this.#o.tracker.vouchedTo(node, now)) at(gw).nodes.push(node.toLowerCase());
    for (const g of w.grants ?? []) at(g.gateway).grants.push(g.id);
    for (const [gateway, what] of byGateway) {
      const notices = revocationNotices(what.nodes, what.grants, this.#seq);
      this.#seq += notices.length;
      for (const notice of notices) this.#start(gateway, notice, now);
    }
    return [...byGateway.keys()];
  }

  close(): void {
    this.#closed = true;
    for (const p of this.#pending) if (p.timer !== undefined) this.#o.clock.clearTimeout(p.timer);
    this.#pending.clear();
    this.#acked.clear();
  }

  #start(gateway: string, notice: RevocationNotice, now: number): void {
    this.counters.made++;
    if (this.#pending.size >= MAX_PENDING) {
      this.counters.overflowed++;
      return;
    }
    const p: Pending = { gateway, notice, deadlineMs: now + this.giveUpMs, sentAtMs: now, waitMs: RETRY_FIRST_MS, timer: undefined, lastDetail: '' };
    this.#pending.add(p);
    void this.#attempt(p);
  }

  async #attempt(p: Pending): Promise<void> {
    p.timer = undefined;
    let outcome: DeliveryOutcome;
    try {
      outcome = await this.#o.deliver(p.gateway, p.notice);
    } catch (e) {
      outcome = { kind: 'retry', detail: e instanceof Error ? e.message : String(e) };
    }
    if (this.#closed || !this.#pending.has(p)) return;
    const now = this.#o.clock.now();
    switch (outcome.kind) {
      case 'ok':
        this.#pending.delete(p);
        this.counters.acknowledged++;
        for (const l of this.#acked) l(p.gateway, p.notice, now - p.sentAtMs);
        return;
      case 'refused':
        this.#pending.delete(p);
        this.counters.refused++;
        this.#o.log('warn', `revocation notice ${p.notice.seq} to gateway ${p.gateway} refused (${outcome.detail}); it converges at its next rekey (docs/protocol.md §9.4)`);
        return;
      case 'retry':
        p.lastDetail = outcome.detail;
        if (now >= p.deadlineMs) {
          this.#pending.delete(p);
          this.counters.gaveUp++;
          this.#o.log('warn', `revocation notice ${p.notice.seq} to gateway ${p.gateway} not acknowledged within ${Math.round(this.giveUpMs / 1000)} s (last: ${p.lastDetail}); given up: no association it was about can still exist`);
          return;
        }
        this.counters.retries++;
        p.timer = this.#o.clock.setTimeout(() => void this.#attempt(p), Math.min(p.waitMs, p.deadlineMs - now)); // the last try at the deadline
        p.waitMs = Math.min(RETRY_MAX_MS, p.waitMs * 2);
        return;
    }
  }
}
