/**
 * The gateway's report to its trusted server (docs/protocol.md §9.9): its devices, their health
 * and its firmware version, POSTed to /pia/report over the PIA association with the server
 * (phase 3: the server knows the gateway from that association, not from the payload).
 *
 *   1. when phase 3 with the trusted server comes up (the node's 'phase3-up' for its endpoint,
 *      or already up at start) and no report got through yet, or the last one failed: a report
 *      (a rekey's phase 3, every few minutes, is not a reason to report again);
 *   2. the devices' health statuses are compared every HEALTH_POLL_MS: a change → a report,
 *      at most one every DEBOUNCE_MS (a flapping sensor is one report per 5 s at most);
 *   3. a report every HEARTBEAT_MS after the last good one, changed or not;
 *   4. sending: seq = max(last seq + 1, wall-clock ms) (it keeps increasing over restarts), the
 *      parts (trust-report-parts.ts) POSTed in order with CoAP's CoapClient over the node on an
 *      inner port of its own (the node's port 5683 is the device server's); without phase 3
 *      at that moment, connect and wait for it first;
 *   5. any failure (no phase 3, no answer, an answer other than 2.04) → a warning in the log and
 *      a retry after RETRY_FIRST_MS, doubling to RETRY_MAX_MS (a 4.29 waits its Max-Age);
 *      never thrown: the gateway runs on without its reports.
 * `status()` is what /healthz shows: the last attempt's time and outcome, the last good one.
 *
 * Must hold: one report in flight at a time (a change during one is sent after it); close()
 * stops every timer and the client; the firmware version is given (no file is read here).
 */
import type { Clock, HealthStatus, TimerHandle } from '../../common/index.js';
import { CoapClient, CoapOptionNumber, ContentFormat, piaTransport, readUintOption, type CoapTarget, type CoapTransport } from '../../coap/index.js';
import { formatEndpoint } from '../../pia/discovery/index.js';
import type { Endpoint, PiaNode } from '../../pia/node/index.js';
import { encodeReport, type ReportDevice } from './trust-report-parts.js';

export const HEALTH_POLL_MS = 1_000;
export const DEBOUNCE_MS = 5_000;
export const HEARTBEAT_MS = 300_000;
export const RETRY_FIRST_MS = 5_000;
export const RETRY_MAX_MS = 300_000;
export const REPORT_PATH = ['pia', 'report'] as const;
const TOO_MANY_REQUESTS = (4 << 5) | 29;

export interface ReportedHealth {
  readonly name: string;
  readonly kind: string;
  readonly status: HealthStatus;
  readonly lastError?: string;
}

export interface TrustReporterOptions {
  readonly node: PiaNode;
  /** The trusted server when the node names none (the node's current endpoint wins, §9.12). */
  readonly trustServer: Endpoint;
  readonly clock: Clock;
  /** The firmware version (package.json's), given by the program. */
  readonly firmware: string;
  /** Every device's name, kind and health now, in config order. */
  readonly devices: () => readonly ReportedHealth[];
  readonly log: { info(m: string): void; warn(m: string): void };
  /** Wall-clock ms, for `seq`. */
  readonly wallNow: () => number;
  /** Uniform in [0, 1): message IDs, jitter, the inner port. */
  readonly random?: () => number;
  readonly randomBytes?: (n: number) => Uint8Array;
  /** How long to wait for phase 3 with the trusted server before a report counts as failed; default 30 s. */
  readonly phase3TimeoutMs?: number;
}

export interface ReportStatus {
  /** 'never' until the first attempt ends; then the last attempt's outcome. */
  readonly outcome: 'never' | 'ok' | 'failed';
  readonly lastAttemptMs?: number;
  readonly lastOkMs?: number;
  readonly detail?: string;
  readonly seq?: number;
  readonly reports: number;
  readonly failures: number;
}

export class TrustReporter {
  readonly #o: TrustReporterOptions;
  readonly #transport: CoapTransport;
  readonly #client: CoapClient;
  readonly #unlisten: () => void;
  #poll: TimerHandle | undefined;
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;
  #inFlight = false;
  #again = false;
  #closed = false;
  #lastSeq = -1;
  #lastStartMs = -Infinity;
  #retryMs = RETRY_FIRST_MS;
  #statuses: string;
  #status: ReportStatus = { outcome: 'never', reports: 0, failures: 0 };

  constructor(o: TrustReporterOptions) {
    this.#o = o;
    const random = o.random ?? Math.random;
    const port = 49_152 + Math.floor(random() * 16_384);
    this.#transport = piaTransport(o.node, { port, route: () => this.#server() });
    this.#client = new CoapClient({ transport: this.#transport, clock: o.clock, random, ...(o.randomBytes === undefined ? {} : { randomBytes: o.randomBytes }) });
    this.#statuses = this.#statusKey();
    this.#unlisten = o.node.onEvent((e) => {
      // A rekey runs phase 3 again every few minutes: only a gateway without a good report reports at once.
      if (e.kind === 'phase3-up' && this.#isServer(e.peer) && this.#status.outcome !== 'ok') this.#soon();
    });
    this.#schedulePoll();
    if (o.node.phase(this.#server()) === 3) this.#soon();
  }
  /** The trusted server's endpoint the node talks to now (another instance once one goes silent, §9.12). */
  #server(): Endpoint {
    return this.#o.node.trustServer() ?? this.#o.trustServer;
  }


  status(): ReportStatus {
    return this.#status;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unlisten();
    if (this.#poll !== undefined) this.#o.clock.clearTimeout(this.#poll);
    this.#clearTimer();
    await this.#client.close();
    await this.#transport.close();
  }

  #isServer(peer: Endpoint): boolean {
    const at = this.#o.node.endpointOf(this.#server());
    return formatEndpoint(peer) === formatEndpoint(at ?? this.#server());
  }

  #statusKey(): string {
    return this.#o.devices().map((d) => `${d.name}=${d.status}`).join(',');
  }

  #schedulePoll(): void {
    this.#poll = this.#o.clock.setTimeout(() => {
      if (this.#closed) return;
      this.#checkHealth();
      this.#schedulePoll();
    }, HEALTH_POLL_MS);
  }

  #checkHealth(): void {
    const key = this.#statusKey();
    if (key === this.#statuses) return;
    this.#statuses = key;
    this.#soon();
  }

  /** A report as soon as the debounce allows (or after the one in flight). */
  #soon(): void {
    if (this.#closed) return;
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    this.#at(Math.max(this.#o.clock.now(), this.#lastStartMs + DEBOUNCE_MS));
  }

  /** Schedules the next report at `atMs` unless one is due sooner. */
  #at(atMs: number): void {
    if (this.#closed || atMs >= this.#timerAt) return;
    this.#clearTimer();
    this.#timerAt = atMs;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      void this.#send();
    }, Math.max(0, atMs - this.#o.clock.now()));
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  async #send(): Promise<void> {
    if (this.#closed || this.#inFlight) return;
    this.#inFlight = true;
    this.#again = false;
    this.#lastStartMs = this.#o.clock.now();
    this.#statuses = this.#statusKey();
    const seq = Math.max(this.#lastSeq + 1, Math.floor(this.#o.wallNow()));
    this.#lastSeq = seq;
    let failure: { detail: string; retryMs?: number } | undefined;
    try {
      failure = await this.#deliver(seq);
    } catch (e) {
      failure = { detail: e instanceof Error ? e.message : String(e) };
      this.#o.node.trustServerFailed(this.#server()); // unanswered: the next report goes to another instance, if any
    }
    this.#inFlight = false;
    if (this.#closed) return;
    const now = this.#o.clock.now();
    if (failure === undefined) {
      this.#status = { outcome: 'ok', lastAttemptMs: now, lastOkMs: now, seq, reports: this.#status.reports + 1, failures: this.#status.failures };
      this.#retryMs = RETRY_FIRST_MS;
      this.#at(now + HEARTBEAT_MS);
    } else {
      const wait = failure.retryMs ?? this.#retryMs;
      this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs * 2);
      this.#status = { ...this.#status, outcome: 'failed', lastAttemptMs: now, detail: failure.detail, seq, failures: this.#status.failures + 1 };
      this.#o.log.warn(`report to the trusted server at ${formatEndpoint(this.#server())} failed (${failure.detail}); retrying in ${Math.round(wait / 1000)} s`);
      this.#at(now + wait);
    }
    if (this.#again) this.#soon();
  }

  /** Undefined when every part got 2.04; else why not (and when to retry, for a 4.29). */
  async #deliver(seq: number): Promise<{ detail: string; retryMs?: number } | undefined> {
    const o = this.#o;
    const server = this.#server();
    if (o.node.phase(server) !== 3) {
      if (o.node.sa(server) === undefined) await o.node.connect(server);
      await o.node.phase3Ready(server, o.phase3TimeoutMs ?? 30_000);
    }
    const devices: ReportDevice[] = o.devices().map((d) => ({ name: d.name, kind: d.kind, status: d.status, ...(d.lastError === undefined ? {} : { detail: d.lastError }) }));
    const report = encodeReport(seq, o.firmware, devices);
    if (report.leftOut > 0) o.log.warn(`report to the trusted server: ${report.leftOut} device(s) beyond the first 256 left out (docs/protocol.md §9.9)`);
    const target: CoapTarget = { to: { address: server.address, port: 5683 }, path: REPORT_PATH, query: [] };
    for (const [i, json] of report.parts.entries()) {
      const r = await this.#client.request('POST', target, { payload: json, contentFormat: ContentFormat.Json, via: server });
      if (r.codeText === '2.04') continue;
      const what = `part ${i + 1} of ${report.parts.length}: ${r.codeText}${r.diagnostic === undefined ? '' : ` ${r.diagnostic}`}`;
      if (r.code !== TOO_MANY_REQUESTS) return { detail: what };
      const maxAge = readUintOption(r.options, CoapOptionNumber.MaxAge, 4, 'Max-Age') ?? 60;
      return { detail: what, retryMs: maxAge * 1000 };
    }
    return undefined;
  }
}
