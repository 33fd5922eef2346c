/**
 * The trusted server's /pia/report resource (docs/protocol.md §9.9): CoAP (RFC 7252) on the
 * server's PIA node, inner UDP port 5683, one Messenger of its own (no device server).
 *
 * One request:
 *   1. not a request (a stray response) → Reset for a CON, else ignored; the path is not
 *      /pia/report → 4.04; not POST → 4.05;
 *   2. the security context: not phase 3, or the peer is not of kind gateway → 4.01, counted
 *      (no log line, no audit record: unauthenticated input costs nothing more than the count);
 *      the gateway is the context's peer node ID — never anything in the payload;
 *   3. a gateway the store no longer knows as active (revoked since its ticket) → 4.01, counted;
 *   4. a Content-Format other than JSON (50) → 4.15; the payload decoded (wire.ts): too large →
 *      4.13 with Size1 = 1024; bad → 4.00 whose diagnostic names the field;
 *   5. assembly.ts: a stale seq → 4.00 naming seq; a conflict → 4.00 naming the field; a new
 *      report over the per-gateway rate (12 a minute: a gateway at its fastest, one every
 *      5 s, stays under it) → 4.29 with Max-Age; otherwise 2.04;
 *   6. a complete report → `sink.recordGatewayReport({gateway, firmware, devices, reportedAt})`,
 *      and a log line when the gateway's device names changed (added/removed). No audit record:
 *      a report is telemetry, not a decision.
 * Must hold: an answer's payload is a short diagnostic at most; refusals of authenticated
 * gateways are logged at most once a minute per gateway; a sink that throws is a 5.00 and a
 * log line, never a crash; a store that cannot be reached (StoreError 'unavailable', the
 * store's calls are asynchronous) is a 5.03, logged at most once a minute.
 */
import { TokenBuckets, type Clock } from '../../common/index.js';
import {
  CoapCode,
  CoapOptionNumber,
  ContentFormat,
  Messenger,
  MAX_DIAGNOSTIC_BYTES,
  emptyMessage,
  isRequestCode,
  piaTransport,
  contentFormatOf,
  samePath,
  uintOption,
  uriPathOrUndefined,
  uriQuery,
  type CoapOption,
  type CoapTransport,
  type Inbound,
} from '../../coap/index.js';
import type { PiaNode } from '../../pia/node/index.js';
import { ReportAssembler } from './assembly.js';
import { answerGrantsQuery, GRANTS_PATH, type SubjectLookup } from './subject-grants.js';
import { decodeReportPart, MAX_REPORT_JSON_BYTES, REPORT_PATH, type ReportedDevice } from './wire.js';

/** RFC 8516: 4.29 Too Many Requests (with Max-Age: when to try again). */
export const TOO_MANY_REQUESTS = (4 << 5) | 29;
/** Grant queries (GET /pia/grants, docs/protocol.md §9.10) per gateway per minute, and the burst. */
export const GRANT_QUERIES_PER_MINUTE = 30;
/** New reports per gateway per minute, and the burst. */
export const REPORTS_PER_MINUTE = 12;
export const REPORT_PORT = 5683;

export interface GatewayReport {
  readonly gateway: string;
  readonly firmware: string;
  readonly devices: readonly ReportedDevice[];
  /** ISO-8601, the server's wall clock when the last part arrived. */
  readonly reportedAt: string;
}

/** Where complete reports go: the store (`TrustStore.recordGatewayReport`). */
export interface ReportSink {
  recordGatewayReport(report: GatewayReport): void | Promise<void>;
}

type Answer = { code: number; diagnostic?: string; options?: CoapOption[]; payload?: Uint8Array };

export interface ReportCounters {
  /** Complete reports handed to the sink. */
  stored: number;
  /** Parts answered 2.04 that did not complete a report yet (or repeated one). */
  partial: number;
  /** 4.01: not phase 3, or not a gateway (not logged). */
  unauthenticated: number;
  /** 4.00 / 4.13 / 4.15 to an authenticated gateway. */
  rejected: number;
  stale: number;
  rateLimited: number;
  /** GET /pia/grants answered 2.05. */
  grantQueries: number;
}

export interface ReportEndpointOptions {
  readonly node: PiaNode;
  readonly clock: Clock;
  readonly now: () => Date;
  readonly sink: ReportSink;
  readonly log: (level: 'info' | 'warn', message: string) => void;
  /** Is this node ID an active gateway in the registry now? (revoked since its ticket → 4.01) */
  readonly isActiveGateway?: (nodeId: string) => boolean | Promise<boolean>;
  /** Message IDs and jitter; default Math.random. */
  readonly random?: () => number;
  /** Inner UDP port; default 5683. */
  readonly port?: number;
  readonly reportsPerMinute?: number;
  /** GET /pia/grants?subject= (subject-grants.ts): the store's view, and the server's ticket lifetime (s). Absent: 4.04. */
  readonly grants?: { readonly lookup: SubjectLookup; readonly maxLifetimeS: number };
}

export class ReportEndpoint {
  readonly counters: ReportCounters = { stored: 0, partial: 0, unauthenticated: 0, rejected: 0, stale: 0, rateLimited: 0, grantQueries: 0 };
  readonly #o: ReportEndpointOptions;
  readonly #transport: CoapTransport;
  readonly #messenger: Messenger;
  readonly #assembler: ReportAssembler;
  readonly #reports: TokenBuckets;
  readonly #warnings = new TokenBuckets(1 / 60, 1, 4096);
  readonly #grantQueries = new TokenBuckets(GRANT_QUERIES_PER_MINUTE / 60, GRANT_QUERIES_PER_MINUTE, 4096);
  /** The device names of each gateway's last stored report, to log what changed. */
  readonly #names = new Map<string, readonly string[]>();

  constructor(o: ReportEndpointOptions) {
    this.#o = o;
    const perMinute = o.reportsPerMinute ?? REPORTS_PER_MINUTE;
    this.#reports = new TokenBuckets(perMinute / 60, perMinute, 4096);
    this.#assembler = new ReportAssembler(o.clock);
    this.#transport = piaTransport(o.node, o.port ?? REPORT_PORT);
    this.#messenger = new Messenger({ transport: this.#transport, clock: o.clock, ...(o.random === undefined ? {} : { random: o.random }) }, (inbound) => this.#receive(inbound));
  }

  async close(): Promise<void> {
    this.#messenger.close();
    await this.#transport.close();
  }

  #receive(inbound: Inbound): void {
    const m = inbound.message;
    if (m.type === 'RST' || m.type === 'ACK') return;
    if (!isRequestCode(m.code)) {
      if (m.type === 'CON') void this.#messenger.send(emptyMessage('RST', m.messageId), inbound.from, { local: inbound.meta.local, ctx: inbound.meta.ctx });
      return;
    }
    void this.#answer(inbound)
      .catch((e: unknown) => this.#unavailable(e))
      .then((answer) => this.#reply(inbound, answer));
  }

  #reply(inbound: Inbound, answer: Answer): void {
    const m = inbound.message;
    const base = { code: answer.code, token: m.token, options: answer.options ?? [], payload: answer.payload ?? (answer.diagnostic === undefined ? new Uint8Array(0) : diagnostic(answer.diagnostic)) };
    const reply = m.type === 'CON' ? { ...base, type: 'ACK' as const, messageId: m.messageId } : { ...base, type: 'NON' as const, messageId: this.#messenger.nextMessageId() };
    void this.#messenger.reply(inbound, reply);
  }

  /** A store call that failed before the answer (the registry could not be read): 5.03. */
  #unavailable(e: unknown): Answer {
    const bucket = this.#warnings.take('\0store', this.#o.clock.now());
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.#o.log('warn', `/pia/report, /pia/grants: the store could not be read: ${e instanceof Error ? e.message : String(e)}`);
    }
    return { code: CoapCode.ServiceUnavailable, diagnostic: 'the trusted server cannot read its registry now; retry later' };
  }

  async #answer(inbound: Inbound): Promise<Answer> {
    const m = inbound.message;
    const path = uriPathOrUndefined(m.options);
    if (path === undefined) return { code: CoapCode.BadRequest, diagnostic: 'Uri-Path is not UTF-8' };
    if (this.#o.grants !== undefined && samePath(path, GRANTS_PATH)) return this.#grants(inbound, this.#o.grants);
    if (!samePath(path, REPORT_PATH)) return { code: CoapCode.NotFound, diagnostic: 'the trusted server serves POST /pia/report only' };
    if (m.code !== CoapCode.POST) return { code: CoapCode.MethodNotAllowed, diagnostic: '/pia/report takes POST only' };
    const ctx = inbound.meta.ctx;
    if (ctx.phase !== 3 || ctx.peerIdentity.kind !== 'gateway') {
      this.counters.unauthenticated++;
      return { code: CoapCode.Unauthorized, diagnostic: ctx.phase !== 3 ? 'a report needs PIA phase 3 with this trusted server (a gateway credential)' : 'only a gateway reports its devices' };
    }
    const gateway = ctx.peerIdentity.nodeId;
    if (this.#o.isActiveGateway !== undefined && !(await this.#o.isActiveGateway(gateway))) {
      this.counters.unauthenticated++;
      return { code: CoapCode.Unauthorized, diagnostic: 'this gateway is not an active gateway in the registry' };
    }
    if (contentFormatOf(m.options) !== ContentFormat.Json) return this.#refuse(gateway, CoapCode.UnsupportedContentFormat, 'Content-Format', 'send the report as JSON (Content-Format 50)');
    const decoded = decodeReportPart(m.payload);
    if (!decoded.ok) {
      if (decoded.tooLarge) return { ...this.#refuse(gateway, CoapCode.RequestEntityTooLarge, decoded.field, decoded.problem), options: [uintOption(CoapOptionNumber.Size1, MAX_REPORT_JSON_BYTES)] };
      return this.#refuse(gateway, CoapCode.BadRequest, decoded.field, decoded.problem);
    }
    const p = decoded.part;
    const outcome = this.#assembler.add(gateway, p, () => this.#allowReport(gateway));
    switch (outcome.kind) {
      case 'refused': {
        this.counters.rateLimited++;
        return { code: TOO_MANY_REQUESTS, diagnostic: `more than ${this.#o.reportsPerMinute ?? REPORTS_PER_MINUTE} reports a minute from this gateway; retry later`, options: [uintOption(CoapOptionNumber.MaxAge, 60)] };
      }
      case 'stale':
        this.counters.stale++;
        return this.#refuse(gateway, CoapCode.BadRequest, 'seq', `${p.seq} is older than this gateway's newest report (seq ${outcome.newest}): number reports with an increasing seq`);
      case 'conflict':
        return this.#refuse(gateway, CoapCode.BadRequest, outcome.field, outcome.problem);
      case 'duplicate':
      case 'partial':
        this.counters.partial++;
        return { code: CoapCode.Changed };
      case 'complete':
        return this.#store(gateway, outcome.firmware, outcome.devices);
    }
  }

  /** GET /pia/grants (subject-grants.ts): the same phase-3 gateway check as a report, then the answer. */
  async #grants(inbound: Inbound, grants: NonNullable<ReportEndpointOptions['grants']>): Promise<Answer> {
    const m = inbound.message;
    if (m.code !== CoapCode.GET) return { code: CoapCode.MethodNotAllowed, diagnostic: '/pia/grants takes GET only' };
    const ctx = inbound.meta.ctx;
    if (ctx.phase !== 3 || ctx.peerIdentity.kind !== 'gateway' || (this.#o.isActiveGateway !== undefined && !(await this.#o.isActiveGateway(ctx.peerIdentity.nodeId)))) {
      this.counters.unauthenticated++;
      return { code: CoapCode.Unauthorized, diagnostic: 'grant queries need PIA phase 3 with this trusted server as an active gateway' };
    }
    const gateway = ctx.peerIdentity.nodeId;
    const bucket = this.#grantQueries.take(gateway, this.#o.clock.now());
    if (bucket.tokens < 1) {
      this.counters.rateLimited++;
      return { code: TOO_MANY_REQUESTS, diagnostic: `more than ${GRANT_QUERIES_PER_MINUTE} grant queries a minute from this gateway; retry later`, options: [uintOption(CoapOptionNumber.MaxAge, 60)] };
    }
    bucket.tokens -= 1;
    let query: string[];
    try {
      query = uriQuery(m.options);
    } catch {
      return { code: CoapCode.BadRequest, diagnostic: 'Uri-Query is not UTF-8' };
    }
    const answer = await answerGrantsQuery(query, gateway, grants.lookup, grants.maxLifetimeS);
    if (!answer.ok) return { code: answer.status === 'bad-request' ? CoapCode.BadRequest : answer.status === 'not-found' ? CoapCode.NotFound : CoapCode.ServiceUnavailable, diagnostic: answer.diagnostic };
    this.counters.grantQueries++;
    return { code: CoapCode.Content, options: [uintOption(CoapOptionNumber.ContentFormat, ContentFormat.Json)], payload: new TextEncoder().encode(answer.json) };
  }

  async #store(gateway: string, firmware: string, devices: readonly ReportedDevice[]): Promise<{ code: number; diagnostic?: string }> {
    try {
      await this.#o.sink.recordGatewayReport({ gateway, firmware, devices, reportedAt: this.#o.now().toISOString() });
    } catch (e) {
      this.#o.log('warn', `report of gateway ${gateway} not stored: ${e instanceof Error ? e.message : String(e)}`);
      return { code: CoapCode.InternalServerError, diagnostic: 'the report could not be stored; retry later' };
    }
    this.counters.stored++;
    const names = devices.map((d) => d.name);
    const before = this.#names.get(gateway);
    this.#names.set(gateway, names);
    const added = names.filter((n) => before === undefined || !before.includes(n));
    const removed = before?.filter((n) => !names.includes(n)) ?? [];
    if (added.length > 0 || removed.length > 0) {
      const what = [added.length > 0 ? `added ${added.join(', ')}` : '', removed.length > 0 ? `removed ${removed.join(', ')}` : ''].filter((x) => x !== '').join('; ');
      this.#o.log('info', `gateway ${gateway} (firmware ${firmware}) reports ${names.length} device(s): ${what}`);
    }
    return { code: CoapCode.Changed };
  }

  /** The per-gateway token bucket: one token per new report (seq). */
  #allowReport(gateway: string): boolean {
    const bucket = this.#reports.take(gateway, this.#o.clock.now());
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** An authenticated gateway's bad request: counted, logged once a minute per gateway at most. */
  #refuse(gateway: string, code: number, field: string, problem: string): { code: number; diagnostic: string } {
    this.counters.rejected++;
    const text = `${field}: ${problem}`;
    const bucket = this.#warnings.take(gateway, this.#o.clock.now());
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.#o.log('warn', `report of gateway ${gateway} refused: ${text}`);
    }
    return { code, diagnostic: text };
  }
}

const utf8 = new TextEncoder();
function diagnostic(text: string): Uint8Array {
  const bytes = utf8.encode(text);
  return bytes.length <= MAX_DIAGNOSTIC_BYTES ? bytes : utf8.encode(`${text.slice(0, 200)}…`);
}
