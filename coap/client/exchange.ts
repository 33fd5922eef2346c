/**
 * Request/response matching for the client (RFC 7252 §5.3.2): a response belongs to the
 * request whose token it echoes and whose destination it comes from.
 *
 * Flow of one exchange:
 *   1. CON: sent and retransmitted by the messenger until ACK or RST (§4.2);
 *      NON: sent once (§4.3);
 *   2. an ACK carrying the response (piggybacked, §5.2.1) → done; an empty ACK → wait for the
 *      separate response (§5.2.2) up to the response timeout; a separate response that comes
 *      before the ACK also ends the retransmission;
 *   3. a separate CON response is acknowledged (the messenger re-ACKs its duplicates);
 *   4. a response no exchange or observation expects is rejected with Reset (§4.2; for a
 *      stale notification this is how an observation is cancelled, RFC 7641 §3.6).
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import { canonicalAddress } from '../../pia/discovery/index.js';
import { isResponseCode } from '../message/codes.js';
import { emptyMessage, type CoapMessage } from '../message/message.js';
import type { CoapOption } from '../message/options.js';
import type { ConfirmableSend, Inbound, Messenger } from '../messaging/messenger.js';
import type { CoapEndpoint, ReceiveMeta, SendMeta } from '../transport/types.js';
import { CoapClientError } from './types.js';

export interface RawResponse {
  readonly message: CoapMessage;
  readonly from: CoapEndpoint;
  readonly meta: ReceiveMeta;
}

export interface OutgoingRequest {
  readonly code: number;
  readonly token: Uint8Array;
  readonly options: readonly CoapOption[];
  readonly payload: Uint8Array;
  readonly confirmable: boolean;
}

interface Waiter {
  readonly to: string;
  readonly resolve: (r: RawResponse) => void;
  readonly fail: (e: CoapClientError) => void;
  send: ConfirmableSend | undefined;
}

export class ExchangeEngine {
  readonly #waiters = new Map<string, Waiter>();
  readonly #listeners = new Map<string, { to: string; listener: (r: RawResponse) => void }>();
  readonly #closers = new Set<(e: CoapClientError) => void>();

  constructor(
    private readonly messenger: Messenger,
    private readonly clock: Clock,
  ) {}

  /** Sends one request; resolves with its response, rejects with CoapClientError. */
  exchange(req: OutgoingRequest, to: CoapEndpoint, meta: SendMeta, responseTimeoutMs: number, what: string): Promise<RawResponse> {
    const key = tokenKey(req.token);
    return new Promise<RawResponse>((resolve, reject) => {
      let timer: TimerHandle | undefined;
      const done = (): void => {
        this.#waiters.delete(key);
        this.#closers.delete(fail);
        if (timer !== undefined) this.clock.clearTimeout(timer);
      };
      const fail = (e: CoapClientError): void => {
        if (this.#waiters.get(key) !== waiter) return;
        done();
        waiter.send?.cancel();
        reject(e);
      };
      const waitForResponse = (why: string): void => {
        timer = this.clock.setTimeout(() => fail(new CoapClientError('timeout', `${what}: ${why}, but no response came within ${responseTimeoutMs / 1000} s; the device may be busy: try again`)), responseTimeoutMs);
      };
      const waiter: Waiter = {
        to: endpointKey({ address: canonicalAddress(to.address), port: to.port }),
        resolve: (r) => {
          done();
          waiter.send?.cancel();
          resolve(r);
        },
        fail,
        send: undefined,
      };
      // One exchange per token: an observation re-registering (or cancelling) while its last
      // registration is still in flight supersedes it.
      this.#waiters.get(key)?.fail(new CoapClientError('closed', `${what}: superseded by a newer request with the same token`));
      this.#waiters.set(key, waiter);
      this.#closers.add(fail);
      const message = { code: req.code, token: req.token, options: req.options, payload: req.payload };
      if (!req.confirmable) {
        void this.messenger.send({ ...message, type: 'NON', messageId: this.messenger.nextMessageId() }, to, meta).then((error) => {
          if (error !== undefined) fail(new CoapClientError('send', `${what}: cannot send: ${error.message}`));
          else waitForResponse('sent as NON');
        });
        return;
      }
      const send = this.messenger.sendConfirmable({ ...message, type: 'CON', messageId: this.messenger.nextMessageId() }, to, meta);
      waiter.send = send;
      void send.outcome.then((outcome) => {
        if (this.#waiters.get(key) !== waiter) return;
        switch (outcome.kind) {
          case 'ack':
            if (outcome.message.code === 0) return waitForResponse('the server acknowledged the request');
            if (tokenKey(outcome.message.token) !== key) return waitForResponse('the ACK carried another token');
            return waiter.resolve({ message: outcome.message, from: to, meta: outcome.meta });
          case 'reset':
            return fail(new CoapClientError('reset', `${what}: the server answered with Reset: it could not process the request`));
          case 'timeout':
            return fail(new CoapClientError('timeout', `${what}: no answer after ${send.transmissions} transmissions (RFC 7252 §4.2); check the address, the port and that the gateway is up`));
          case 'send-failed':
            return fail(new CoapClientError('send', `${what}: cannot send: ${outcome.error.message}`));
          case 'cancelled':
            return fail(new CoapClientError('closed', `${what}: cancelled`));
        }
      });
    });
  }

  /** Routes every response with `token` from `to` to `listener` (an observation), until the returned function is called. */
  listen(token: Uint8Array, to: CoapEndpoint, listener: (r: RawResponse) => void): () => void {
    const key = tokenKey(token);
    const entry = { to: endpointKey({ address: canonicalAddress(to.address), port: to.port }), listener };
    this.#listeners.set(key, entry);
    return () => {
      if (this.#listeners.get(key) === entry) this.#listeners.delete(key);
    };
  }

  /** The messenger's handler: responses by token, everything else rejected. */
  handle(inbound: Inbound): void {
    const m = inbound.message;
    if (m.type === 'RST') return;
    const key = tokenKey(m.token);
    const from = endpointKey(inbound.from);
    const waiter = this.#waiters.get(key);
    const listener = this.#listeners.get(key);
    const routed = isResponseCode(m.code) && ((waiter !== undefined && waiter.to === from) || (listener !== undefined && listener.to === from));
    if (!routed) {
      if (m.type === 'CON' || isResponseCode(m.code)) void this.messenger.reply(inbound, emptyMessage('RST', m.messageId));
      return;
    }
    if (m.type === 'CON') void this.messenger.reply(inbound, emptyMessage('ACK', m.messageId));
    const raw = { message: m, from: inbound.from, meta: inbound.meta };
    if (waiter !== undefined && waiter.to === from) waiter.resolve(raw);
    else listener?.listener(raw);
  }

  /** Every exchange in progress rejects with 'closed'. */
  close(): void {
    for (const fail of [...this.#closers]) fail(new CoapClientError('closed', 'CoAP client closed'));
    this.#listeners.clear();
  }
}

export function tokenKey(token: Uint8Array): string {
  return Buffer.from(token.buffer, token.byteOffset, token.length).toString('hex');
}

/** Inbound sources are canonical already (the transports'); destinations are canonicalized by the caller. */
function endpointKey(e: CoapEndpoint): string {
  return `${e.address}|${e.port}`;
}
