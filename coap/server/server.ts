/**
 * The CoAP server of the gateway: devices mounted per local address, served over any number
 * of transports (plain UDP sockets, a PIA node) at once.
 *
 * Flow of one request (after messaging/messenger.ts: decoded, deduplicated, pings answered):
 *   1. a Reset → the observer it answers is removed; a response → Reset (CON) or ignored;
 *   2. parse (request.ts): path, query, Accept, Block2, Observe, the PIA discovery option;
 *      resolve the target (routes.ts) and the grant right it needs;
 *   3. a bad critical option → 4.02, a proxy request → 5.05;
 *   4. authorize(request, ctx) — before any handler; a refusal → its code (4.01/4.03) with
 *      the reason as diagnostic payload, and its options (the discovery echo);
 *   5. no target → 4.04; method not allowed → 4.05; Accept not servable → 4.06;
 *   6. the handler (resources.ts) → a representation, or an error code with diagnostic;
 *   7. Observe: register (GET, Observe 0, an observable property, 2.05) or deregister (1);
 *   8. Block2: a representation larger than one block is sliced (blockwise.ts);
 *   9. the answer: piggybacked in the ACK of a CON, or — when the handler took longer than
 *      `separateResponseAfterMs` — an empty ACK at once and a separate CON response later
 *      (RFC 7252 §5.2.2); a NON request gets a NON response (§5.2.3);
 *  10. onExchange(record) for the audit log, with the hook's verdict (a datagram that is not CoAP: onMalformed, or a log line).
 */
import type { Clock } from '../../common/index.js';
import type { Served } from './served.js';
import type { SecurityContext } from '../../pia/discovery/index.js';
import { Messenger, replyMeta, type Inbound, type MessengerCounters } from '../messaging/messenger.js';
import type { TransmissionParams } from '../messaging/params.js';
import { encodeBlock } from '../message/block.js';
import { CoapCode, codeClass, isRequestCode } from '../message/codes.js';
import { emptyMessage } from '../message/message.js';
import { CoapOptionNumber, uintOption, type CoapOption } from '../message/options.js';
import type { CoapEndpoint, CoapTransport } from '../transport/types.js';
import { BlobCache, defaultSzx, etagOf, sliceBlock } from './blockwise.js';
import { DEFAULT_OBSERVE, Observers, type ObserveSettings, type ObserverView } from './observe.js';
import { errorResponse, json, propertyJson, type Representation } from './representation.js';
import { parseRequest } from './request.js';
import { allowedMethods, contentFormatOf, handle, type HandlerEnv } from './resources.js';
import { ResourceTree, type Mount } from './routes.js';
import type { AccessVerdict, AuthDecision, Authorize, CoapRequest, ExchangeRecord, ServerLogger } from './types.js';

export interface CoapServerOptions {
  /** Plain UDP and/or PIA; the server does not close them. */
  readonly transports: readonly CoapTransport[];
  readonly clock: Clock;
  /** Uniform in [0, 1): message IDs and retransmission jitter; default Math.random. */
  readonly random?: () => number;
  /** Default: allow everything (tests; the gateway always passes its policy). */
  readonly authorize?: Authorize;
  readonly onExchange?: (record: ExchangeRecord) => void;
  /** A datagram that is not CoAP, with the context it came in (phase, peer); given, it replaces the log line per datagram. */
  readonly onMalformed?: (from: CoapEndpoint, ctx: SecurityContext, problem: string) => void;
  readonly logger?: ServerLogger;
  readonly params?: Partial<TransmissionParams>;
  /** Largest Block2 block, 16–1024 bytes; default 1024 (less when a transport's message size needs it). */
  readonly maxBlockSize?: number;
  /** Default 1000 ms. */
  readonly separateResponseAfterMs?: number;
  /** Max-Age of a 5.03 "busy" answer; default 2 s. */
  readonly busyRetryS?: number;
  readonly observe?: Partial<ObserveSettings>;
  /** Blob cache for block-wise transfers: default 60 s after last use, 8 entries. */
  readonly blobCache?: { readonly ttlMs?: number; readonly maxEntries?: number };
  readonly maxDedupEntries?: number;
}

interface Answer {
  readonly code: number;
  readonly options: readonly CoapOption[];
  readonly payload: Uint8Array;
  /** Undefined only when the server itself failed before the request was parsed. */
  readonly record: Omit<ExchangeRecord, 'ctx' | 'durationMs'> | undefined;
}

export class CoapServer {
  readonly #clock: Clock;
  readonly #tree = new ResourceTree();
  readonly #messengers: { messenger: Messenger; szx: number }[];
  readonly #observers: Observers;
  readonly #env: HandlerEnv;
  readonly #authorize: Authorize;
  readonly #options: CoapServerOptions;
  readonly #observeSettings: ObserveSettings;
  readonly #unsubscribe = new Map<Mount, () => void>();
  readonly counters = { requests: 0, refused: 0, errors: 0, separate: 0 };

  constructor(options: CoapServerOptions) {
    this.#options = options;
    this.#clock = options.clock;
    this.#authorize = options.authorize ?? ((): AuthDecision => 'allow');
    this.#env = {
      clock: options.clock,
      blobs: new BlobCache(options.clock, options.blobCache?.ttlMs ?? 60_000, options.blobCache?.maxEntries ?? 8),
      busyRetryS: options.busyRetryS ?? 2,
      links: (local) => this.#tree.links(local),
      logger: options.logger,
    };
    this.#observeSettings = { ...DEFAULT_OBSERVE, ...options.observe };
    this.#observers = new Observers(options.clock, this.#observeSettings, (mount, property) => this.#render(mount, property), options.logger);
    this.#messengers = options.transports.map((transport) => {
      const messenger: Messenger = new Messenger(
        {
          transport,
          clock: options.clock,
          ...(options.random === undefined ? {} : { random: options.random }),
          ...(options.params === undefined ? {} : { params: options.params }),
          ...(options.maxDedupEntries === undefined ? {} : { maxDedupEntries: options.maxDedupEntries }),
          onEvent: (e) => {
            if (e.kind === 'malformed' && options.onMalformed !== undefined) this.#guard('onMalformed', () => options.onMalformed?.(e.from, e.meta.ctx, e.problem));
            else options.logger?.info(e.kind === 'malformed' ? `CoAP: malformed datagram from [${e.from.address}]:${e.from.port} dropped: ${e.problem}` : `CoAP: send to [${e.to.address}]:${e.to.port} failed: ${e.message}`);
          },
        },
        (inbound) => this.#onMessage(messenger, inbound),
      );
      return { messenger, szx: defaultSzx(transport.maxMessageSize, options.maxBlockSize) };
    });
  }

  /**
   * Serves `device` at `local` (a device address, or '*' for any) under `/<path>` (default
   * its name; '' = the root of the address). Returns the unmount function: its observers get
   * a final 4.04.
   */
  mount(local: string, device: Served, options: { readonly path?: string } = {}): () => void {
    const mount = this.#tree.add(local, options.path ?? device.describe().name, device);
    this.#unsubscribe.set(mount, device.onChange((property) => this.#observers.changed(mount, property)));
    return () => {
      this.#unsubscribe.get(mount)?.();
      this.#unsubscribe.delete(mount);
      this.#observers.end((o) => o.mount === mount, CoapCode.NotFound, `${mount.name} is no longer served here`);
      this.#tree.remove(mount);
    };
  }

  get observerCount(): number {
    return this.#observers.size;
  }

  /** True when an observer matches `filter` (the gateway asks whether a PIA peer still observes something). */
  hasObservers(filter: (o: ObserverView) => boolean): boolean {
    return this.#observers.some(filter);
  }

  /** Removes observers silently (the gateway calls it when a peer's SA closes or a grant ends). */
  dropObservers(filter: (o: ObserverView) => boolean): number {
    return this.#observers.drop(filter);
  }

  messengerCounters(): MessengerCounters[] {
    return this.#messengers.map((m) => ({ ...m.messenger.counters }));
  }

  /** Observers get a final 5.03; the messengers detach (the transports stay open: they are the caller's). */
  close(): Promise<void> {
    this.#observers.end(() => true, CoapCode.ServiceUnavailable, 'the gateway is shutting down');
    for (const u of this.#unsubscribe.values()) u();
    this.#unsubscribe.clear();
    for (const { messenger } of this.#messengers) messenger.close();
    return Promise.resolve();
  }

  #onMessage(messenger: Messenger, inbound: Inbound): void {
    const m = inbound.message;
    if (m.type === 'RST') return this.#observers.reset(messenger, inbound.from, m.messageId);
    if (!isRequestCode(m.code)) {
      // RFC 7252 §5.3.2: a response nobody asked for is rejected.
      if (m.type === 'CON') void messenger.send(emptyMessage('RST', m.messageId), inbound.from, replyMeta(inbound.meta));
      return;
    }
    void this.#serve(messenger, inbound).catch((error: unknown) => this.#options.logger?.warn(`CoAP: request from [${inbound.from.address}]:${inbound.from.port} failed: ${String(error)}`));
  }

  async #serve(messenger: Messenger, inbound: Inbound): Promise<void> {
    const m = inbound.message;
    const startedAt = this.#clock.now();
    this.counters.requests++;
    let separate = false;
    const timer = m.type !== 'CON' ? undefined : this.#clock.setTimeout(() => {
      separate = true;
      this.counters.separate++;
      void messenger.reply(inbound, emptyMessage('ACK', m.messageId));
    }, this.#options.separateResponseAfterMs ?? 1_000);
    const answer = await this.#answer(messenger, inbound).catch((error: unknown): Answer => {
      // A bug here (a device whose describe() throws …) still gets the client an answer.
      this.#options.logger?.warn(`CoAP: request from [${inbound.from.address}]:${inbound.from.port} failed inside the server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      const r = errorResponse(CoapCode.InternalServerError, 'internal error; the gateway log has the details');
      return { code: r.code, options: [], payload: r.payload, record: undefined };
    });
    if (timer !== undefined) this.#clock.clearTimeout(timer);
    const base = { code: answer.code, token: m.token, options: answer.options, payload: answer.payload };
    if (codeClass(answer.code) !== 2) this.counters.errors++;
    const record = answer.record;
    if (record !== undefined) this.#guard('onExchange', () => this.#options.onExchange?.({ ...record, ctx: inbound.meta.ctx, durationMs: this.#clock.now() - startedAt }));
    if (m.type === 'CON' && !separate) {
      await messenger.reply(inbound, { ...base, type: 'ACK', messageId: m.messageId });
    } else if (m.type === 'CON') {
      const outcome = await messenger.sendConfirmable({ ...base, type: 'CON', messageId: messenger.nextMessageId() }, inbound.from, replyMeta(inbound.meta)).outcome;
      if (outcome.kind !== 'ack') this.#options.logger?.info(`CoAP: separate response to [${inbound.from.address}]:${inbound.from.port} not acknowledged (${outcome.kind})`);
    } else {
      await messenger.reply(inbound, { ...base, type: 'NON', messageId: messenger.nextMessageId() });
    }
  }

  /** The audit hooks must not stop the answer: what they throw is logged. */
  #guard(hook: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#options.logger?.warn(`CoAP: ${hook} threw: ${String(error)}`);
    }
  }

  async #answer(messenger: Messenger, inbound: Inbound): Promise<Answer> {
    const { request, problem, mount: resolved } = parseRequest(inbound, this.#tree);
    let verdict: AccessVerdict | undefined;
    const finish = (r: Representation, extra: readonly CoapOption[] = [], refused = false, observing?: boolean): Answer => ({
      code: r.code,
      options: [...responseOptions(r), ...extra],
      payload: r.payload,
      record: { request, code: r.code, diagnostic: r.diagnostic, refused, observing, ...(verdict === undefined ? {} : { verdict }) },
    });
    if (problem !== undefined) {
      return finish(errorResponse(problem.code === 'proxy' ? CoapCode.ProxyingNotSupported : CoapCode.BadOption, problem.text));
    }
    let decision: AuthDecision;
    try {
      decision = await this.#authorize(request, inbound.meta.ctx);
    } catch (error) {
      this.#options.logger?.warn(`CoAP: authorize threw for ${request.method ?? request.code} /${request.path.join('/')}: ${String(error)}`);
      return finish(errorResponse(CoapCode.InternalServerError, 'authorization failed; the gateway log has the details'));
    }
    if (decision !== 'allow') verdict = decision.verdict;
    if (decision !== 'allow' && !('allow' in decision)) {
      this.counters.refused++;
      const code = codeClass(decision.code) === 4 || codeClass(decision.code) === 5 ? decision.code : CoapCode.Forbidden;
      return finish(errorResponse(code, decision.reason), decision.options, true);
    }
    const extra = decision === 'allow' ? [] : (decision.options ?? []);
    const target = request.target;
    if (target === undefined) {
      return finish(errorResponse(CoapCode.NotFound, `no resource /${request.path.join('/')} at ${request.local}; GET /.well-known/core lists what is served here`), extra);
    }
    if (request.accept !== undefined && request.method !== undefined && allowedMethods(target).includes(request.method) && request.accept !== contentFormatOf(target)) {
      return finish(errorResponse(CoapCode.NotAcceptable, `/${request.path.join('/')} is served as content format ${contentFormatOf(target)}, not ${request.accept}`), extra);
    }
    const r = await handle(request, inbound.meta.ctx, target, resolved?.mount?.device, this.#env);
    const obs = this.#observe(messenger, inbound, request, r, resolved?.mount);
    const szx = this.#messengers.find((x) => x.messenger === messenger)?.szx ?? 6;
    const slice = codeClass(r.code) === 2 ? sliceBlock(r.payload, request.block2, szx) : { payload: r.payload, block: undefined };
    if (slice === 'out-of-range') return finish(errorResponse(CoapCode.BadOption, `Block2 block ${request.block2?.num} is past the end of /${request.path.join('/')} (${r.payload.length} bytes)`), extra);
    const blockOptions: CoapOption[] = [];
    if (slice.block !== undefined) {
      blockOptions.push({ number: CoapOptionNumber.ETag, value: r.etag ?? etagOf(r.payload) });
      blockOptions.push({ number: CoapOptionNumber.Block2, value: encodeBlock(slice.block) });
      if (slice.block.num === 0) blockOptions.push(uintOption(CoapOptionNumber.Size2, r.payload.length));
    }
    // RFC 7641 §4.3.1: Max-Age bounds how long the client trusts the registration without news.
    const observeOptions = obs.seq === undefined ? [] : [uintOption(CoapOptionNumber.Observe, obs.seq), uintOption(CoapOptionNumber.MaxAge, this.#observeSettings.maxAgeS)];
    return finish({ ...r, payload: slice.payload }, [...observeOptions, ...blockOptions, ...extra], false, obs.observing);
  }

  #observe(messenger: Messenger, inbound: Inbound, request: CoapRequest, r: Representation, mount: Mount | undefined): { seq?: number; observing?: boolean | undefined } {
    const t = request.target;
    if (request.method !== 'GET' || request.observe === undefined || t?.kind !== 'property' || mount === undefined) return {};
    if (request.observe === 1) return { observing: this.#observers.deregister(inbound.from, request.local, request.path) ? false : undefined };
    if (request.observe !== 0 || !t.spec.observable || r.code !== CoapCode.Content || (request.block2?.num ?? 0) > 0) return {};
    const seq = this.#observers.register(messenger, inbound.from, inbound.meta, request.path, request.token, mount, t.name);
    return seq === undefined ? {} : { seq, observing: true };
  }

  #render(mount: Mount, property: string): Representation {
    const spec = mount.device.describe().properties.find((p) => p.name === property);
    if (spec === undefined) return errorResponse(CoapCode.NotFound, `${mount.name} has no property ${property} any more`);
    return json(CoapCode.Content, propertyJson(spec, mount.device.read()[property], mount.device.health(), this.#clock.wallNow()));
  }
}

/** Content-Format and Max-Age of a representation (an error's diagnostic carries neither Content-Format, RFC 7252 §5.5.2). */
function responseOptions(r: Representation): CoapOption[] {
  const out: CoapOption[] = [];
  if (r.contentFormat !== undefined && codeClass(r.code) === 2) out.push(uintOption(CoapOptionNumber.ContentFormat, r.contentFormat));
  if (r.maxAge !== undefined) out.push(uintOption(CoapOptionNumber.MaxAge, r.maxAge));
  return out;
}

