/**
 * Unauthenticated refusals, counted and summarized: the audit log records what an authenticated
 * operator did or was refused, never one record per datagram anyone can send (a storm of them
 * would grow the disk and fsync on the event loop for each).
 *
 * Counted here, never audited one by one (`unauthenticatedRefusal`):
 *   - a CoAP request at phase 1 (plain) or 2 (PIA, no identity) that the policy refused, a
 *     command (PUT, POST) at those phases that did not succeed, and a request with an option
 *     the server refuses (4.02; 5.05 for a proxy request): by phase and response code;
 *   - a datagram that is not CoAP, at phase 1 or 2: code "malformed";
 *   - what the PIA node drops before any SA authenticates it (PIA_DROPS: unknown SPI,
 *     undecodable, ICV failure, replay, expired SA): in the summary only, by kind
 *     (pia_gateway_pia_node_total already counts them).
 * Phase 3 stays audited one by one (audit-trail.ts), and so does a command that succeeded at
 * any phase.
 *
 * Must hold:
 *   - at most one "refused-unauthenticated" record per window (60 s of the injected clock): a
 *     window opens at the first refusal while none is open, and its record is written when it
 *     ends — by a timer, so a storm that stopped is still summarized — or by flush() (gateway
 *     stop, before "gateway-stopped"); no timer is pending while no window is open, close()
 *     cancels it, and nothing is written after close();
 *   - a record is bounded whatever the traffic: at most MAX_COUNTS (phase, code) entries and
 *     one (phase, "other") per phase for the rest, the PIA kinds (a fixed set), the TOP_SOURCES addresses seen
 *     most, from a table of SOURCE_SLOTS addresses (Space-Saving: once more addresses than
 *     that were seen, "approximate": true, and a count may be over by the smallest count the
 *     table held);
 *   - memory is bounded the same way; the running totals (metrics, /healthz) are by (phase,
 *     code) only, and codes come from the gateway's own answers.
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import type { JsonValue } from '../../common/audit/index.js';
import { CoapCode, codeClass, codeText, type ExchangeRecord } from '../../coap/index.js';
import { isCommand } from './access.js';

export const SUMMARY_EVENT = 'refused-unauthenticated';
export const WINDOW_MS = 60_000;
export const MAX_COUNTS = 24;
export const TOP_SOURCES = 5;
export const SOURCE_SLOTS = 64;
export const PIA_DROPS = ['unknown-spi', 'decode-error', 'icv-failure', 'replay', 'expired-sa'] as const;
export type PiaDrop = (typeof PIA_DROPS)[number];

export interface UnauthenticatedRefusal {
  readonly phase: 1 | 2;
  /** "4.01", "4.02", … or "malformed". */
  readonly code: string;
}

/** The refusal an exchange counts as (module comment), or undefined when it is audited (or neither). */
export function unauthenticatedRefusal(record: ExchangeRecord): UnauthenticatedRefusal | undefined {
  const { ctx, code } = record;
  if (ctx.phase === 3) return undefined;
  const failedCommand = isCommand(record.request) && codeClass(code) !== 2;
  const refusedOption = code === CoapCode.BadOption || code === CoapCode.ProxyingNotSupported;
  return record.refused || failedCommand || refusedOption ? { phase: ctx.phase, code: codeText(code) } : undefined;
}

export interface RefusalSummaryOptions {
  readonly clock: Clock;
  /** Wall clock for the window's start in the record. */
  readonly wall: () => Date;
  /** Appends a record to the audit log (AuditTrail.append: failures are its business). */
  readonly append: (event: string, fields: Readonly<Record<string, JsonValue>>) => void;
  readonly windowMs?: number;
}

export interface RefusalCount extends UnauthenticatedRefusal {
  readonly n: number;
}

interface Window {
  readonly startMs: number;
  readonly from: string;
  readonly timer: TimerHandle;
  total: number;
  readonly counts: Map<string, RefusalCount>;
  readonly pia: Map<PiaDrop, number>;
  readonly sources: TopSources;
}

export class RefusalSummary {
  readonly #o: RefusalSummaryOptions;
  readonly #totals = new Map<string, RefusalCount>();
  #window: Window | undefined;
  #closed = false;
  #summaries = 0;

  constructor(o: RefusalSummaryOptions) {
    this.#o = o;
  }

  /** A refused CoAP request or a malformed datagram at phase 1 or 2, from `source` (its address). */
  refused(r: UnauthenticatedRefusal, source: string): void {
    bump(this.#totals, r, Number.POSITIVE_INFINITY);
    const w = this.#open();
    if (w === undefined) return;
    w.total++;
    bump(w.counts, r, MAX_COUNTS);
    w.sources.add(source);
  }

  /** A datagram the PIA node dropped before any SA authenticated it. */
  dropped(kind: PiaDrop, source: string): void {
    const w = this.#open();
    if (w === undefined) return;
    w.total++;
    w.pia.set(kind, (w.pia.get(kind) ?? 0) + 1);
    w.sources.add(source);
  }

  /** Writes the open window's record now (gateway stop). */
  flush(): void {
    const w = this.#window;
    if (w === undefined) return;
    this.#o.clock.clearTimeout(w.timer);
    this.#window = undefined;
    this.#summaries++;
    const counts = [...w.counts.values()].sort((a, b) => b.n - a.n).map((c) => ({ phase: c.phase, code: c.code, n: c.n }));
    this.#o.append(SUMMARY_EVENT, {
      from: w.from,
      seconds: Math.round((this.#o.clock.now() - w.startMs) / 1000),
      total: w.total,
      counts,
      pia: Object.fromEntries(w.pia),
      topSources: w.sources.top(TOP_SOURCES).map((s) => ({ address: s.address, n: s.n })),
      ...(w.sources.approximate ? { approximate: true } : {}),
    });
  }

  /** Flushes and stops: later refusals are only counted in the totals. */
  close(): void {
    this.flush();
    this.#closed = true;
  }

  /** Running totals by phase and code, since start (metrics). */
  totals(): readonly RefusalCount[] {
    return [...this.#totals.values()];
  }

  /** What /healthz shows. */
  health(): { total: number; counts: Record<string, Record<string, number>>; summaries: number; windowOpen: boolean } {
    const counts: Record<string, Record<string, number>> = {};
    let total = 0;
    for (const c of this.#totals.values()) {
      (counts[`phase${c.phase}`] ??= {})[c.code] = c.n;
      total += c.n;
    }
    return { total, counts, summaries: this.#summaries, windowOpen: this.#window !== undefined };
  }

  #open(): Window | undefined {
    if (this.#closed) return undefined;
    this.#window ??= {
      startMs: this.#o.clock.now(),
      from: this.#o.wall().toISOString(),
      timer: this.#o.clock.setTimeout(() => this.flush(), this.#o.windowMs ?? WINDOW_MS),
      total: 0,
      counts: new Map(),
      pia: new Map(),
      sources: new TopSources(SOURCE_SLOTS),
    };
    return this.#window;
  }
}

/** Adds one to (phase, code), or to (phase, "other") once `max` keys are taken (so at most max + 2 keys). */
function bump(map: Map<string, RefusalCount>, r: UnauthenticatedRefusal, max: number): void {
  let key = `${r.phase} ${r.code}`;
  let code = r.code;
  if (!map.has(key) && map.size >= max) [key, code] = [`${r.phase} other`, 'other'];
  map.set(key, { phase: r.phase, code, n: (map.get(key)?.n ?? 0) + 1 });
}

/**
 * The addresses seen most, in `slots` counters (Space-Saving, Metwally et al. 2005): a new
 * address when every slot is taken replaces the smallest, starting from its count + 1.
 */
export class TopSources {
  readonly #counts = new Map<string, number>();
  #approximate = false;

  constructor(private readonly slots: number) {}

  get approximate(): boolean {
    return this.#approximate;
  }

  add(address: string): void {
    const n = this.#counts.get(address);
    if (n !== undefined) {
      this.#counts.set(address, n + 1);
      return;
    }
    if (this.#counts.size < this.slots) {
      this.#counts.set(address, 1);
      return;
    }
    let smallest: [string, number] | undefined;
    for (const entry of this.#counts) if (smallest === undefined || entry[1] < smallest[1]) smallest = entry;
    if (smallest === undefined) return;
    this.#counts.delete(smallest[0]);
    this.#counts.set(address, smallest[1] + 1);
    this.#approximate = true;
  }

  top(k: number): { address: string; n: number }[] {
    return [...this.#counts].sort((a, b) => b[1] - a[1]).slice(0, k).map(([address, n]) => ({ address, n }));
  }
}
