/**
 * The MQTT uplink's subject's grants on this gateway, from the trusted server
 * (docs/protocol.md §9.10: `GET /pia/grants?subject=<node ID>` over the gateway's phase-3
 * association with it, as its reports, trust-report.ts).
 *
 *   1. a query at start; without phase 3 with the server at that moment, connect and wait for
 *      it first;
 *   2. an answer (2.05, the JSON of §9.10, checked) replaces what is held; each grant's `validS`
 *      counts from its receipt on the injected clock; the next query at 80 % of `lifetimeS` (at
 *      least 1 s later), or after NO_GRANTS_RETRY_MS when there are none;
 *   3. a failure (no phase 3, no answer, another code, a bad payload) → a warning, what is held
 *      kept only while still valid, a retry after RETRY_FIRST_MS doubling to RETRY_MAX_MS;
 *   4. `onChange` listeners hear of every change of the usable set: an answer that differs, and
 *      each expiry (a timer at the earliest `validS`), so discovery drops a command topic when
 *      its grant ends;
 *   5. `withdraw(ids)`: the trusted server withdrew grants (docs/protocol.md §9.11): those held
 *      are dropped at once (listeners hear it) and a query goes out now, not at 80 %.
 * Must hold: `current()` never holds a grant beyond its validity (an expired one is gone, also
 * when no query got through); one query in flight at a time; close() stops every timer and
 * the client.
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import { CoapClient, ContentFormat, piaTransport, type CoapTarget, type CoapTransport } from '../../coap/index.js';
import type { Grant } from '../../pia/discovery/index.js';
import { formatEndpoint } from '../../pia/discovery/index.js';
import type { Endpoint, PiaNode } from '../../pia/node/index.js';

export const GRANTS_PATH = ['pia', 'grants'] as const;
export const RETRY_FIRST_MS = 5_000;
export const RETRY_MAX_MS = 60_000;
export const NO_GRANTS_RETRY_MS = 60_000;

export interface SubjectGrantsOptions {
  readonly node: PiaNode;
  /** The trusted server when the node names none (the node's current endpoint wins, §9.12). */
  readonly trustServer: Endpoint;
  /** The subject's node ID (gateway.yaml mqtt.subject). */
  readonly subject: string;
  readonly clock: Clock;
  readonly log: { info(m: string): void; warn(m: string): void };
  readonly random?: () => number;
  readonly randomBytes?: (n: number) => Uint8Array;
  /** How long to wait for phase 3 with the trusted server; default 30 s. */
  readonly phase3TimeoutMs?: number;
}

export interface HeldGrants {
  /** The subject's label at the trusted server ('' before the first answer). */
  readonly label: string;
  /** Still valid now, `validS` counted down. */
  readonly grants: readonly Grant[];
}

export interface SubjectGrantsStatus {
  readonly outcome: 'never' | 'ok' | 'failed';
  readonly lastOkMs?: number;
  readonly detail?: string;
  readonly grants: number;
}

interface Received {
  readonly atMs: number;
  readonly label: string;
  readonly grants: readonly Grant[];
}

export class SubjectGrants {
  readonly #o: SubjectGrantsOptions;
  readonly #transport: CoapTransport;
  readonly #client: CoapClient;
  readonly #listeners = new Set<() => void>();
  #held: Received | undefined;
  #timer: TimerHandle | undefined;
  #expiry: TimerHandle | undefined;
  #retryMs = RETRY_FIRST_MS;
  #closed = false;
  #status: SubjectGrantsStatus = { outcome: 'never', grants: 0 };

  constructor(o: SubjectGrantsOptions) {
    this.#o = o;
    const random = o.random ?? Math.random;
    this.#transport = piaTransport(o.node, { port: 49_152 + Math.floor(random() * 16_384), route: () => this.#server() });
    this.#client = new CoapClient({ transport: this.#transport, clock: o.clock, random, ...(o.randomBytes === undefined ? {} : { randomBytes: o.randomBytes }) });
    this.#schedule(0);
  }
  /** The trusted server's endpoint the node talks to now (another instance once one goes silent, §9.12). */
  #server(): Endpoint {
    return this.#o.node.trustServer() ?? this.#o.trustServer;
  }


  /** The subject's grants valid now (4: never one past its validity). */
  current(): HeldGrants {
    const h = this.#held;
    if (h === undefined) return { label: '', grants: [] };
    const elapsedS = (this.#o.clock.now() - h.atMs) / 1000;
    return { label: h.label, grants: h.grants.filter((g) => g.validS - elapsedS >= 1).map((g) => ({ ...g, validS: Math.floor(g.validS - elapsedS) })) };
  }

  status(): SubjectGrantsStatus {
    return { ...this.#status, grants: this.current().grants.length };
  }

  /** Step 5: true when a held grant was among `grantIds` (then dropped, and the grants re-fetched now). */
  withdraw(grantIds: readonly string[]): boolean {
    const h = this.#held;
    if (h === undefined || this.#closed || !h.grants.some((g) => grantIds.includes(g.id))) return false;
    this.#held = { ...h, grants: h.grants.filter((g) => !grantIds.includes(g.id)) };
    this.#o.log.info(`uplink subject ${this.#o.subject}: the trusted server withdrew grant(s) ${grantIds.join(', ')}; asking it again now`);
    this.#changed();
    this.#armExpiry();
    this.#schedule(0);
    return true;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of [this.#timer, this.#expiry]) if (t !== undefined) this.#o.clock.clearTimeout(t);
    this.#listeners.clear();
    await this.#client.close();
    await this.#transport.close();
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#query();
    }, ms);
  }

  async #query(): Promise<void> {
    let failure: string | undefined;
    let answer: Received | undefined;
    let lifetimeS = 0;
    try {
      const r = await this.#fetch();
      if (typeof r === 'string') failure = r;
      else ({ answer, lifetimeS } = r);
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
      this.#o.node.trustServerFailed(this.#server()); // unanswered: the next fetch goes to another instance, if any
    }
    if (this.#closed) return;
    const now = this.#o.clock.now();
    if (answer !== undefined) {
      const before = keyOf(this.current().grants);
      this.#held = answer;
      this.#status = { outcome: 'ok', lastOkMs: now, grants: answer.grants.length };
      this.#retryMs = RETRY_FIRST_MS;
      this.#schedule(lifetimeS > 0 ? Math.max(1_000, lifetimeS * 800) : NO_GRANTS_RETRY_MS);
      if (keyOf(this.current().grants) !== before) {
        this.#o.log.info(`uplink subject ${this.#o.subject} ("${answer.label}"): ${answer.grants.length} grant(s) on this gateway from the trusted server`);
        this.#changed();
      }
    } else {
      this.#status = { ...this.#status, outcome: 'failed', detail: failure ?? 'unknown' };
      this.#o.log.warn(`uplink subject ${this.#o.subject}: grants not fetched from the trusted server at ${formatEndpoint(this.#server())} (${failure ?? 'unknown'}); retrying in ${Math.round(this.#retryMs / 1000)} s`);
      this.#schedule(this.#retryMs);
      this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs * 2);
    }
    this.#armExpiry();
  }

  /** The answer, or why there is none. */
  async #fetch(): Promise<{ answer: Received; lifetimeS: number } | string> {
    const o = this.#o;
    const server = this.#server();
    if (o.node.phase(server) !== 3) {
      if (o.node.sa(server) === undefined) await o.node.connect(server);
      await o.node.phase3Ready(server, o.phase3TimeoutMs ?? 30_000);
    }
    const target: CoapTarget = { to: { address: server.address, port: 5683 }, path: GRANTS_PATH, query: [`subject=${o.subject}`] };
    const r = await this.#client.request('GET', target, { via: server });
    if (r.codeText !== '2.05') return `${r.codeText}${r.diagnostic === undefined ? '' : ` ${r.diagnostic}`}`;
    if (r.contentFormat !== ContentFormat.Json) return 'the answer is not JSON';
    const decoded = decodeGrants(r.payload, o.subject);
    if (typeof decoded === 'string') return `bad answer: ${decoded}`;
    return { answer: { atMs: this.#o.clock.now(), label: decoded.label, grants: decoded.grants }, lifetimeS: decoded.lifetimeS };
  }

  /** 4. A timer at the earliest expiry: the set shrinks then, and listeners hear it. */
  #armExpiry(): void {
    if (this.#expiry !== undefined) this.#o.clock.clearTimeout(this.#expiry);
    this.#expiry = undefined;
    const held = this.current().grants;
    if (held.length === 0 || this.#closed) return;
    const h = this.#held;
    if (h === undefined) return;
    const ends = Math.min(...h.grants.map((g) => h.atMs + (g.validS - 1) * 1000).filter((t) => t > this.#o.clock.now()));
    this.#expiry = this.#o.clock.setTimeout(() => {
      this.#expiry = undefined;
      this.#changed();
      this.#armExpiry();
    }, Math.max(0, ends - this.#o.clock.now()) + 1);
  }

  #changed(): void {
    for (const l of this.#listeners) {
      try {
        l();
      } catch (e) {
        this.#o.log.warn(`uplink subject grants listener: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}

function keyOf(grants: readonly Grant[]): string {
  return grants.map((g) => `${g.id}:${g.devices}:${g.rights.join(',')}`).join(';');
}

/** §9.10's answer, checked; a problem as text. */
export function decodeGrants(payload: Uint8Array, subject: string): { label: string; lifetimeS: number; grants: Grant[] } | string {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return 'not UTF-8 JSON';
  }
  if (typeof v !== 'object' || v === null) return 'not a JSON object';
  const a = v as Record<string, unknown>;
  if (a.v !== 1) return 'v is not 1';
  if (typeof a.subject !== 'string' || a.subject.toLowerCase() !== subject.toLowerCase()) return 'subject is not the one asked for';
  if (typeof a.label !== 'string') return 'label is not text';
  const lifetimeS = a.lifetimeS;
  if (typeof lifetimeS !== 'number' || !Number.isInteger(lifetimeS) || lifetimeS < 0 || lifetimeS > 600) return 'lifetimeS is not a whole number 0–600';
  if (!Array.isArray(a.grants) || a.grants.length > 16) return 'grants is not a list of at most 16';
  const grants: Grant[] = [];
  for (const g of a.grants as unknown[]) {
    const x = g as Record<string, unknown> | null;
    if (typeof x !== 'object' || x === null || typeof x.id !== 'string' || typeof x.devices !== 'string' || !Array.isArray(x.rights) || !x.rights.every((r) => typeof r === 'string')) return 'a grant is not {id, devices, rights, validS}';
    const validS = x.validS;
    if (typeof validS !== 'number' || !Number.isInteger(validS) || validS < 0 || validS > lifetimeS) return 'a grant has a validS outside 0–lifetimeS';
    grants.push({ id: x.id, devices: x.devices, rights: x.rights, validS });
  }
  return { label: a.label, lifetimeS, grants };
}
