/**
 * One observation (RFC 7641) from the client's side.
 *
 * Flow: 1. GET with Observe 0 and a token kept for the observation; 2. the first response
 * and every notification with that token reach the listeners (and the async iterator) if
 * fresh (§3.4: sequence numbers compared in a 24-bit serial space, or more than 128 s since
 * the last); a CON notification is acknowledged by the exchange engine; 3. when Max-Age runs
 * out without news the client re-registers with the same token (§3.3.1); 4. a response
 * without Observe ends it (2.xx: not observable; 4.xx/5.xx: an error, e.g. the device
 * was removed); 5. cancel() sends GET with Observe 1 and the same token (§3.6), and any
 * later notification is answered with Reset by the engine.
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import type { RawResponse } from './exchange.js';
import { toResponse } from './response.js';
import { CoapClientError, type CoapResponse } from './types.js';

export type ObservationEnd =
  | { readonly reason: 'cancelled' }
  | { readonly reason: 'not-observable'; readonly response: CoapResponse }
  | { readonly reason: 'error-response'; readonly response: CoapResponse }
  | { readonly reason: 'failed'; readonly error: CoapClientError };

export interface ObservationDriver {
  readonly clock: Clock;
  /** Sends GET with this Observe value and the observation's token. */
  readonly register: (observe: 0 | 1) => Promise<RawResponse>;
  /** Routes notifications to `listener`; returns the unrouting function. */
  readonly listen: (listener: (r: RawResponse) => void) => () => void;
}

const SERIAL_HALF = 2 ** 23;
const FRESHNESS_MS = 128_000;
const QUEUE_MAX = 256;
/** Re-register a little after Max-Age, so a notification sent just before it wins. */
const REREGISTER_SLACK_MS = 2_000;

export class Observation implements AsyncIterable<CoapResponse> {
  readonly ended: Promise<ObservationEnd>;
  readonly #driver: ObservationDriver;
  readonly #listeners = new Set<(r: CoapResponse) => void>();
  readonly #queue: CoapResponse[] = [];
  readonly #waiting: { resolve: (r: IteratorResult<CoapResponse>) => void; reject: (e: Error) => void }[] = [];
  #end: ObservationEnd | undefined;
  #failureDelivered = false;
  #resolveEnded!: (e: ObservationEnd) => void;
  #unlisten: () => void;
  #timer: TimerHandle | undefined;
  #last: { seq: number; at: number } | undefined;

  constructor(driver: ObservationDriver) {
    this.#driver = driver;
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    this.#unlisten = driver.listen((raw) => this.#receive(raw));
    this.#registerNow();
  }

  /** Every fresh notification (the first response included); returns the unsubscribe function. */
  onNotification(listener: (r: CoapResponse) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Deregisters (GET with Observe 1, RFC 7641 §3.6); resolves when the server answered or gave up. */
  async cancel(): Promise<void> {
    if (this.#end !== undefined) return;
    this.#finish({ reason: 'cancelled' });
    await this.#driver.register(1).then(
      () => undefined,
      () => undefined,
    );
  }

  [Symbol.asyncIterator](): AsyncIterator<CoapResponse> {
    return {
      next: () => {
        const r = this.#queue.shift();
        if (r !== undefined) return Promise.resolve({ value: r, done: false });
        if (this.#end !== undefined) {
          if (this.#end.reason === 'failed' && !this.#failureDelivered) {
            this.#failureDelivered = true;
            return Promise.reject(this.#end.error);
          }
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
      },
      return: async () => {
        await this.cancel();
        return { value: undefined, done: true };
      },
    };
  }

  #registerNow(): void {
    void this.#driver.register(0).then(
      (raw) => this.#receive(raw),
      (error: unknown) => this.#finish({ reason: 'failed', error: error instanceof CoapClientError ? error : new CoapClientError('closed', String(error)) }),
    );
  }

  #receive(raw: RawResponse): void {
    if (this.#end !== undefined) return;
    const r = toResponse(raw);
    if (r.observe === undefined) {
      this.#deliver(r);
      return this.#finish(r.ok ? { reason: 'not-observable', response: r } : { reason: 'error-response', response: r });
    }
    const now = this.#driver.clock.now();
    if (!this.#fresh(r.observe, now)) return;
    this.#last = { seq: r.observe, at: now };
    this.#deliver(r);
    if (this.#timer !== undefined) this.#driver.clock.clearTimeout(this.#timer);
    this.#timer = this.#driver.clock.setTimeout(() => this.#registerNow(), (r.maxAge ?? 60) * 1000 + REREGISTER_SLACK_MS);
  }

  /** RFC 7641 §3.4. */
  #fresh(seq: number, now: number): boolean {
    const last = this.#last;
    if (last === undefined) return true;
    return (last.seq < seq && seq - last.seq < SERIAL_HALF) || (last.seq > seq && last.seq - seq > SERIAL_HALF) || now > last.at + FRESHNESS_MS;
  }

  #deliver(r: CoapResponse): void {
    for (const l of this.#listeners) l(r);
    const w = this.#waiting.shift();
    if (w !== undefined) return w.resolve({ value: r, done: false });
    this.#queue.push(r);
    if (this.#queue.length > QUEUE_MAX) this.#queue.shift(); // live values: the oldest unread go first
  }

  #finish(end: ObservationEnd): void {
    if (this.#end !== undefined) return;
    this.#end = end;
    this.#unlisten();
    if (this.#timer !== undefined) this.#driver.clock.clearTimeout(this.#timer);
    for (const w of this.#waiting.splice(0)) {
      if (end.reason === 'failed' && !this.#failureDelivered) {
        this.#failureDelivered = true;
        w.reject(end.error);
      } else {
        w.resolve({ value: undefined, done: true });
      }
    }
    this.#resolveEnded(end);
  }
}
