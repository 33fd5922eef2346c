/**
 * The CoAP message layer (RFC 7252 §4) over one transport, shared by client and server.
 *
 * Inbound flow:
 *   1. decode; malformed → counted, reported, and a Confirmable one rejected with a Reset of
 *      its message ID (§4.2) when the header was readable; never thrown;
 *   2. Empty CON (a "CoAP ping", §4.3) → Reset; Empty NON → ignored (§4.3);
 *   3. ACK or RST → matched to a pending Confirmable by (peer, message ID) (§4.2); an
 *      unmatched RST goes up (a server cancels the observation a NON notification fed, RFC
 *      7641 §3.6); an unmatched ACK is ignored;
 *   4. CON/NON with a request or response → deduplicated (dedup.ts, §4.5), then up.
 * Outbound: `send` (NON, ACK, RST: once), `reply` (recorded for duplicates), and
 * `sendConfirmable`: retransmitted after the initial timeout (uniform in [ACK_TIMEOUT,
 * ACK_TIMEOUT × ACK_RANDOM_FACTOR)), doubling, MAX_RETRANSMIT times (§4.2), until an ACK or
 * RST with its ID arrives from the peer it was sent to.
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import { canonicalAddress } from '../../pia/discovery/index.js';
import { decodeMessage, encodeMessage } from '../message/codec.js';
import { CoapDecodeError } from '../message/errors.js';
import { emptyMessage, type CoapMessage } from '../message/message.js';
import type { CoapEndpoint, CoapTransport, ReceiveMeta, SendMeta } from '../transport/types.js';
import { DedupCache } from './dedup.js';
import { exchangeLifetimeMs, initialTimeoutMs, nonLifetimeMs, transmissionParams, type TransmissionParams } from './params.js';

export interface Inbound {
  readonly message: CoapMessage;
  readonly from: CoapEndpoint;
  readonly meta: ReceiveMeta;
  /** The datagram's length in bytes (the encoded message). */
  readonly size: number;
}

export type ConfirmableOutcome =
  | { readonly kind: 'ack'; readonly message: CoapMessage; readonly meta: ReceiveMeta }
  | { readonly kind: 'reset' }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'send-failed'; readonly error: Error };

export interface ConfirmableSend {
  readonly outcome: Promise<ConfirmableOutcome>;
  /** Stops retransmitting (the outcome resolves 'cancelled'), e.g. when newer state replaces a notification. */
  cancel(): void;
  /** Transmissions so far (1 = no retransmission yet). */
  readonly transmissions: number;
}

export type MessengerEvent =
  | { readonly kind: 'malformed'; readonly from: CoapEndpoint; readonly meta: ReceiveMeta; readonly problem: string }
  | { readonly kind: 'send-error'; readonly to: CoapEndpoint; readonly message: string };

export interface MessengerCounters {
  received: number;
  malformed: number;
  duplicates: number;
  pings: number;
  sent: number;
  retransmissions: number;
  timeouts: number;
  sendErrors: number;
}

export interface MessengerOptions {
  readonly transport: CoapTransport;
  readonly clock: Clock;
  /** Uniform in [0, 1): retransmission jitter and the first message ID. Default Math.random. */
  readonly random?: () => number;
  readonly params?: Partial<TransmissionParams>;
  /** Bound of the deduplication table; default 4096. */
  readonly maxDedupEntries?: number;
  readonly onEvent?: (event: MessengerEvent) => void;
}

interface Pending {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly to: CoapEndpoint;
  readonly meta: SendMeta | undefined;
  timeoutMs: number;
  transmissions: number;
  timer: TimerHandle | undefined;
  resolve: (o: ConfirmableOutcome) => void;
}

export class Messenger {
  readonly params: TransmissionParams;
  readonly counters: MessengerCounters = { received: 0, malformed: 0, duplicates: 0, pings: 0, sent: 0, retransmissions: 0, timeouts: 0, sendErrors: 0 };
  readonly transport: CoapTransport;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #dedup: DedupCache;
  readonly #pending = new Map<string, Pending>();
  readonly #onEvent: ((e: MessengerEvent) => void) | undefined;
  readonly #unlisten: () => void;
  #nextId: number;
  #closed = false;

  constructor(options: MessengerOptions, handler: (inbound: Inbound) => void) {
    this.transport = options.transport;
    this.params = transmissionParams(options.params);
    this.#clock = options.clock;
    this.#random = options.random ?? Math.random;
    this.#dedup = new DedupCache(options.clock, options.maxDedupEntries ?? 4096);
    this.#onEvent = options.onEvent;
    this.#nextId = Math.floor(this.#random() * 0x10000) & 0xffff;
    this.#unlisten = options.transport.onMessage((bytes, from, meta) => this.#receive(bytes, from, meta, handler));
  }

  /** A fresh message ID (RFC 7252 §4.4: sequential from a random start). */
  nextMessageId(): number {
    const id = this.#nextId;
    this.#nextId = (this.#nextId + 1) & 0xffff;
    return id;
  }

  /** Sends once (NON, ACK, RST); a failure is counted, reported and resolved with (never thrown). */
  send(message: CoapMessage, to: CoapEndpoint, meta?: SendMeta): Promise<Error | undefined> {
    return this.#transmit(encodeMessage(message), to, meta);
  }

  /** Sends the reply to an inbound CON/NON and records it, so a duplicate gets it again (§4.5). */
  reply(inbound: Inbound, message: CoapMessage): Promise<void> {
    const bytes = encodeMessage(message);
    const entry = this.#dedup.lookup(dedupKey(inbound.from, inbound.message.messageId));
    if (entry !== undefined) entry.reply = bytes;
    return this.#transmit(bytes, inbound.from, replyMeta(inbound.meta)).then(() => undefined);
  }

  sendConfirmable(message: CoapMessage, to: CoapEndpoint, meta?: SendMeta): ConfirmableSend {
    if (message.type !== 'CON') throw new RangeError(`sendConfirmable: message type ${message.type}, need CON`);
    const key = dedupKey({ address: canonicalAddress(to.address), port: to.port }, message.messageId);
    const bytes = encodeMessage(message);
    let pending: Pending | undefined;
    const outcome = new Promise<ConfirmableOutcome>((resolve) => {
      if (this.#closed) return resolve({ kind: 'cancelled' });
      pending = { key, bytes, to, meta, timeoutMs: initialTimeoutMs(this.params, this.#random()), transmissions: 0, timer: undefined, resolve };
      this.#pending.get(key)?.resolve({ kind: 'cancelled' });
      this.#pending.set(key, pending);
      this.#attempt(pending);
    });
    return {
      outcome,
      cancel: () => {
        if (pending !== undefined) this.#finish(pending, { kind: 'cancelled' });
      },
      get transmissions() {
        return pending?.transmissions ?? 0;
      },
    };
  }

  /** Detaches from the transport; pending Confirmables resolve 'cancelled'. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unlisten();
    for (const p of [...this.#pending.values()]) this.#finish(p, { kind: 'cancelled' });
  }

  #attempt(p: Pending): void {
    if (this.#pending.get(p.key) !== p) return;
    if (p.transmissions > this.params.maxRetransmit) {
      this.counters.timeouts++;
      this.#finish(p, { kind: 'timeout' });
      return;
    }
    if (p.transmissions > 0) this.counters.retransmissions++;
    const wait = p.timeoutMs * 2 ** p.transmissions;
    p.transmissions++;
    p.timer = this.#clock.setTimeout(() => this.#attempt(p), wait);
    void this.#transmit(p.bytes, p.to, p.meta).then((error) => {
      if (error !== undefined) this.#finish(p, { kind: 'send-failed', error });
    });
  }

  #finish(p: Pending, outcome: ConfirmableOutcome): void {
    if (this.#pending.get(p.key) !== p) return;
    this.#pending.delete(p.key);
    if (p.timer !== undefined) this.#clock.clearTimeout(p.timer);
    p.resolve(outcome);
  }

  /** Resolves with the error when the transport refused the datagram (reported, not thrown). */
  async #transmit(bytes: Uint8Array, to: CoapEndpoint, meta: SendMeta | undefined): Promise<Error | undefined> {
    this.counters.sent++;
    try {
      await this.transport.send(bytes, to, meta);
      return undefined;
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      this.counters.sendErrors++;
      this.#onEvent?.({ kind: 'send-error', to, message: error.message });
      return error;
    }
  }

  #receive(bytes: Uint8Array, from: CoapEndpoint, meta: ReceiveMeta, handler: (inbound: Inbound) => void): void {
    if (this.#closed) return;
    this.counters.received++;
    let message: CoapMessage;
    try {
      message = decodeMessage(bytes);
    } catch (error) {
      this.counters.malformed++;
      const problem = error instanceof CoapDecodeError ? error.problem : String(error);
      this.#onEvent?.({ kind: 'malformed', from, meta, problem });
      if (error instanceof CoapDecodeError && error.header?.type === 'CON') {
        void this.send(emptyMessage('RST', error.header.messageId), from, replyMeta(meta));
      }
      return;
    }
    const inbound: Inbound = { message, from, meta, size: bytes.length };
    if (message.type === 'ACK' || message.type === 'RST') {
      if (message.type === 'RST' && message.code !== 0) return; // §4.2: a Reset is Empty; anything else is a format error
      const p = this.#pending.get(dedupKey(from, message.messageId));
      if (p !== undefined) this.#finish(p, message.type === 'ACK' ? { kind: 'ack', message, meta } : { kind: 'reset' });
      else if (message.type === 'RST') handler(inbound);
      return;
    }
    if (message.code === 0) {
      if (message.type === 'CON') {
        this.counters.pings++;
        void this.send(emptyMessage('RST', message.messageId), from, replyMeta(inbound.meta));
      }
      return;
    }
    const key = dedupKey(from, message.messageId);
    const seen = this.#dedup.lookup(key);
    if (seen !== undefined) {
      this.counters.duplicates++;
      if (message.type === 'CON' && seen.reply !== undefined) void this.#transmit(seen.reply, from, replyMeta(inbound.meta));
      return;
    }
    this.#dedup.add(key, message.type === 'CON' ? exchangeLifetimeMs(this.params) : nonLifetimeMs(this.params));
    handler(inbound);
  }
}

/**
 * (peer address, port, message ID): IDs are per endpoint (§4.4). Transports deliver canonical
 * addresses (plain.ts, pia.ts); a destination a caller typed is canonicalized before use.
 */
export function dedupKey(peer: CoapEndpoint, messageId: number): string {
  return `${peer.address}|${peer.port}|${messageId}`;
}

/** A reply leaves from the address the message was sent to, through the SA it came in on. */
export function replyMeta(meta: ReceiveMeta): SendMeta {
  return { local: meta.local, ctx: meta.ctx };
}
