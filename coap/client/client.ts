/**
 * The CoAP client piactl uses, over plain UDP or a PIA node (one transport per client).
 *
 * Flow of `request(method, target, options)`:
 *   1. target: a coap:// URI or {to, path, query}; options: Uri-Path, Uri-Query,
 *      Content-Format, Accept, Block2 (when a block size is asked for), the PIA discovery
 *      option when asked (docs/protocol.md §4), the caller's own;
 *   2. one exchange (exchange.ts): CON with retransmission (RFC 7252 §4.2: ACK_TIMEOUT 2 s,
 *      ACK_RANDOM_FACTOR 1.5, MAX_RETRANSMIT 4, on the injected clock) or NON;
 *   3. a response with Block2 and M set → the following blocks are fetched and reassembled
 *      (blockwise.ts, RFC 7959), each as its own exchange with a fresh token;
 *   4. resolves with the response whatever its code; rejects with CoapClientError only when
 *      there is no usable answer (timeout, reset, cannot send, closed, broken transfer).
 * `observe` keeps a token and feeds an Observation (observation.ts, RFC 7641).
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import type { Clock } from '../../common/index.js';
import { encodeDiscoveryOption } from '../../pia/discovery/index.js';
import { szxFor } from '../message/block.js';
import { CoapCode, type CoapMethod } from '../message/codes.js';
import { CoapOptionNumber, ContentFormat, uintOption, uriPathOptions, uriQueryOptions, type CoapOption } from '../message/options.js';
import { formatCoapUri, parseCoapUri, type CoapTarget } from '../message/uri.js';
import { Messenger } from '../messaging/messenger.js';
import { maxTransmitWaitMs, type TransmissionParams } from '../messaging/params.js';
import type { CoapTransport, SendMeta } from '../transport/types.js';
import { block2Option, reassemble } from './blockwise.js';
import { ExchangeEngine, type OutgoingRequest, type RawResponse } from './exchange.js';
import { Observation } from './observation.js';
import { toResponse } from './response.js';
import type { CoapResponse, RequestOptions } from './types.js';

export interface CoapClientOptions {
  readonly transport: CoapTransport;
  readonly clock: Clock;
  /** Uniform in [0, 1): retransmission jitter, first message ID; default Math.random. */
  readonly random?: () => number;
  /** Token bytes (RFC 7252 §5.3.1: unpredictable); default node:crypto. */
  readonly randomBytes?: (n: number) => Uint8Array;
  readonly params?: Partial<TransmissionParams>;
  /** Wait for a separate (or NON) response; default MAX_TRANSMIT_WAIT (93 s with the RFC's parameters). */
  readonly responseTimeoutMs?: number;
  /** Send from this address (a host with several). */
  readonly local?: string;
  /** Largest block-wise body accepted; default 16 MiB. */
  readonly maxBodyBytes?: number;
  readonly onEvent?: ConstructorParameters<typeof Messenger>[0]['onEvent'];
}

const TOKEN_LENGTH = 8;
const utf8 = new TextEncoder();

export class CoapClient {
  readonly #messenger: Messenger;
  readonly #engine: ExchangeEngine;
  readonly #clock: Clock;
  readonly #randomBytes: (n: number) => Uint8Array;
  readonly #responseTimeoutMs: number;
  readonly #local: string | undefined;
  readonly #maxBodyBytes: number;

  constructor(options: CoapClientOptions) {
    this.#clock = options.clock;
    this.#randomBytes = options.randomBytes ?? ((n) => new Uint8Array(cryptoRandomBytes(n)));
    this.#messenger = new Messenger(
      {
        transport: options.transport,
        clock: options.clock,
        ...(options.random === undefined ? {} : { random: options.random }),
        ...(options.params === undefined ? {} : { params: options.params }),
        ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
      },
      (inbound) => this.#engine.handle(inbound),
    );
    this.#engine = new ExchangeEngine(this.#messenger, options.clock);
    this.#responseTimeoutMs = options.responseTimeoutMs ?? maxTransmitWaitMs(this.#messenger.params);
    this.#local = options.local;
    this.#maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  }

  get counters(): Messenger['counters'] {
    return { ...this.#messenger.counters };
  }

  get(target: string | CoapTarget, options: RequestOptions = {}): Promise<CoapResponse> {
    return this.request('GET', target, options);
  }

  /** PUT with `value` as JSON (content format 50). */
  put(target: string | CoapTarget, value: unknown, options: RequestOptions = {}): Promise<CoapResponse> {
    return this.request('PUT', target, { contentFormat: ContentFormat.Json, ...options, payload: JSON.stringify(value) });
  }

  /** POST with `params` as a JSON object (content format 50). */
  post(target: string | CoapTarget, params: Readonly<Record<string, unknown>> = {}, options: RequestOptions = {}): Promise<CoapResponse> {
    return this.request('POST', target, { contentFormat: ContentFormat.Json, ...options, payload: JSON.stringify(params) });
  }

  async request(method: CoapMethod, target: string | CoapTarget, options: RequestOptions = {}): Promise<CoapResponse> {
    const t = typeof target === 'string' ? parseCoapUri(target) : target;
    const what = `CoAP ${method} ${formatCoapUri(t)}`;
    const base = this.#requestOptions(t, options);
    const meta = this.#meta(options);
    const timeout = options.responseTimeoutMs ?? this.#responseTimeoutMs;
    const send = (extra: readonly CoapOption[]): Promise<RawResponse> => this.#engine.exchange(this.#outgoing(method, [...base, ...extra], options), t.to, meta, timeout, what);
    const firstExtra = options.blockSize === undefined ? [] : [block2Option({ num: 0, more: false, szx: szxFor(options.blockSize) })];
    const first = await send(firstExtra);
    if ((first.message.code >> 5) !== 2) return toResponse(first);
    const { first: head, body } = await reassemble(first, {
      next: (block) => send([block2Option(block)]),
      maxBytes: this.#maxBodyBytes,
      maxRestarts: 3,
      what,
    });
    return toResponse(head, body);
  }

  /** Observes `target` (GET with Observe, RFC 7641); the first response is the first notification. */
  observe(target: string | CoapTarget, options: RequestOptions = {}): Observation {
    const t = typeof target === 'string' ? parseCoapUri(target) : target;
    const what = `CoAP observe ${formatCoapUri(t)}`;
    const token = this.#randomBytes(TOKEN_LENGTH);
    const base = this.#requestOptions(t, options);
    const meta = this.#meta(options);
    const timeout = options.responseTimeoutMs ?? this.#responseTimeoutMs;
    return new Observation({
      clock: this.#clock,
      register: (observe) => this.#engine.exchange(this.#outgoing('GET', [...base, uintOption(CoapOptionNumber.Observe, observe)], options, token), t.to, meta, timeout, what),
      listen: (listener) => this.#engine.listen(token, t.to, listener),
    });
  }

  /** Pending calls reject with 'closed'; the transport stays open (it is the caller's). */
  close(): Promise<void> {
    this.#engine.close();
    this.#messenger.close();
    return Promise.resolve();
  }

  #requestOptions(t: CoapTarget, o: RequestOptions): CoapOption[] {
    const opts: CoapOption[] = [...uriPathOptions(t.path), ...uriQueryOptions(t.query)];
    if (o.contentFormat !== undefined) opts.push(uintOption(CoapOptionNumber.ContentFormat, o.contentFormat));
    if (o.accept !== undefined) opts.push(uintOption(CoapOptionNumber.Accept, o.accept));
    if (o.discovery !== undefined) opts.push({ number: CoapOptionNumber.PiaDiscovery, value: encodeDiscoveryOption(o.discovery) });
    opts.push(...(o.options ?? []));
    return opts;
  }

  #outgoing(method: CoapMethod, options: readonly CoapOption[], o: RequestOptions, token = this.#randomBytes(TOKEN_LENGTH)): OutgoingRequest {
    const payload = o.payload === undefined ? new Uint8Array(0) : typeof o.payload === 'string' ? utf8.encode(o.payload) : o.payload;
    return { code: CoapCode[method], token, options, payload, confirmable: o.confirmable ?? true };
  }

  #meta(o: RequestOptions): SendMeta {
    return { ...(this.#local === undefined ? {} : { local: this.#local }), ...(o.via === undefined ? {} : { via: o.via }) };
  }
}
