/**
 * One gateway as the console holds it: connected at phase 3 with piactl's own connection code
 * (operator/cli session.ts `connect`: the credential, the pinned gateway ID, phase 2 + 3), its
 * devices read (device-reader.ts), every observable property observed (RFC 7641), and back by
 * itself when it goes away.
 *
 * Flow:
 *  1. connecting: `connect`; a failure → "unreachable" or "refused" (phase 3 denied: piactl's
 *     message with the trusted server's reason and the fix), and a retry after the backoff;
 *  2. up (phase 3, the gateway's ID and label): a CoAP client over the SA; read the listing and
 *     each device; register Observe on every observable property;
 *  3. a notification → a value (and the health it carries: a property's JSON has `health` only
 *     while the device is not ok); every HEALTH_POLL_MS a device GET refreshes the health;
 *  4. gone: the node reports the peer dead, or an observation fails (no answer) → "unreachable
 *     since …", everything closed, a retry after the backoff (1 s, doubling to 30 s; reset
 *     once up), and on reconnect the observations are registered again (step 2);
 *  5. stop: every observation deregistered (GET with Observe 1, bounded by the timeout), the
 *     client, transport and node closed; no retry after.
 */
import { randomInt } from 'node:crypto';
import type { Clock, TimerHandle } from '../../common/index.js';
import { CoapClient, piaTransport, type CoapTransport, type Observation } from '../../coap/index.js';
import { formatEndpoint } from '../../pia/discovery/index.js';
import { clientFailure, CommandError, connect, deviceTarget, ExitCode, responseError, type Connection, type ListedDevice, type PiactlIo, type SessionOptions } from '../cli/index.js';
import { readGateway, problemText } from './device-reader.js';
import { healthOf, type Health } from './model.js';
import { isRecord, PHASE_WORDS, type CommandResult, type DeviceView, type GatewayStatus, type GatewayView } from './protocol.js';

export const BACKOFF_FIRST_MS = 1000;
export const BACKOFF_MAX_MS = 30_000;
export const HEALTH_POLL_MS = 15_000;

export interface LinkEvents {
  gateway(view: GatewayView): void;
  devices(gateway: string, devices: DeviceView[]): void;
  value(gateway: string, device: string, property: string, value: unknown, time: number): void;
  health(gateway: string, device: string, health: Health): void;
}

export interface GatewayLinkOptions {
  readonly session: SessionOptions;
  readonly io: PiactlIo;
  readonly clock: Clock;
  /** Wall-clock ms for what a person reads ("since 14:02:07"); default Date.now. */
  readonly wallNow?: () => number;
  readonly events: LinkEvents;
  /** The pinned ID expected at the endpoint, shown on the page. */
  readonly expectedId?: string;
}

interface Up {
  readonly conn: Connection;
  readonly transport: CoapTransport;
  readonly client: CoapClient;
  readonly devices: Map<string, ListedDevice>;
  readonly observations: Observation[];
  unlisten: () => void;
  pollTimer?: TimerHandle;
}

export type SnapshotResult = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly status: 502 | 504; readonly message: string };

export class GatewayLink {
  readonly name: string;
  #view: GatewayView;
  #up: Up | undefined;
  #attempt: AbortController | undefined;
  #retry: TimerHandle | undefined;
  #backoffMs = BACKOFF_FIRST_MS;
  #stopped = false;
  readonly #o: GatewayLinkOptions;
  readonly #now: () => number;

  constructor(o: GatewayLinkOptions) {
    this.#o = o;
    this.#now = o.wallNow ?? Date.now;
    this.name = formatEndpoint(o.session.gateway);
    this.#view = { gateway: this.name, status: 'connecting', phase: 0, phaseText: PHASE_WORDS[0]!, since: this.#now(), ...(o.expectedId === undefined ? {} : { expectedId: o.expectedId }) };
  }

  get view(): GatewayView {
    return this.#view;
  }

  start(): void {
    void this.#connect();
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    // A gateway already shown unreachable (or refused) stays so, since when it went, while it is tried again.
    if (this.#view.status === 'connecting') this.#set('connecting', 0, {});
    else {
      const { retryAt: _done, ...rest } = this.#view;
      this.#view = { ...rest, attempting: true };
      this.#o.events.gateway(this.#view);
    }
    const attempt = new AbortController();
    this.#attempt = attempt;
    let conn: Connection;
    try {
      conn = await connect(this.#o.session, { ...this.#o.io, signal: attempt.signal });
    } catch (e) {
      if (this.#stopped) return;
      const refused = e instanceof CommandError && (e.exitCode === ExitCode.NotAuthorized || e.exitCode === ExitCode.Usage);
      const phase = e instanceof CommandError && typeof e.details.phase2Ms === 'number' ? 2 : 0;
      this.#set(refused ? 'refused' : 'unreachable', phase, { error: problemText(e) });
      this.#scheduleRetry();
      return;
    }
    if (this.#stopped) return void (await conn.close());
    const transport = piaTransport(conn.node, { port: randomInt(49152, 65536), route: () => this.#o.session.gateway });
    const client = new CoapClient({ transport, clock: conn.clock, responseTimeoutMs: this.#o.session.timeoutMs });
    const up: Up = { conn, transport, client, devices: new Map(), observations: [], unlisten: () => undefined };
    // The association's phase as it changes: a ticket renewal (docs/protocol.md §9.6) brings
    // phase 3 again, or is denied (a grant removed, the node revoked) and leaves phase 2.
    up.unlisten = conn.node.onEvent((e) => {
      if (!('peer' in e) || formatEndpoint(e.peer) !== this.name || this.#up !== up) return;
      if (e.kind === 'peer-dead') this.#lost(`no answer from the gateway for ${Math.round(e.silentMs / 1000)} s (its security association is dead)`);
      else if (e.kind === 'phase3-up') this.#set('up', 3, { nodeId: e.peerId, label: e.peerLabel });
      else if (e.kind === 'phase3-denied' || e.kind === 'phase3-failed') {
        const phase = conn.node.phase(this.#o.session.gateway) ?? 2;
        this.#set('up', phase, { ...(this.#view.nodeId === undefined ? {} : { nodeId: this.#view.nodeId }), ...(this.#view.label === undefined ? {} : { label: this.#view.label }), error: `phase 3 renewal ${e.kind === 'phase3-denied' ? 'denied' : 'failed'} (reason ${e.reason}: ${e.text}); the association is at phase ${phase}: commands that need a grant are refused` });
      }
    });
    this.#up = up;
    const peer = conn.established.peer;
    this.#backoffMs = BACKOFF_FIRST_MS;
    this.#set('up', 3, { nodeId: peer.id, label: peer.label });
    try {
      const read = await readGateway(client, this.name, { address: this.#o.session.gateway.address, port: 5683 }, this.#now());
      if (this.#up !== up) return;
      for (const r of read) up.devices.set(r.listed.name, r.listed);
      this.#o.events.devices(this.name, read.map((r) => r.view));
      for (const r of read) for (const p of r.view.properties) if (p.observable) this.#observe(up, r.listed, p.name);
      const poll = (): void => {
        up.pollTimer = conn.clock.setTimeout(() => void this.#pollHealth(up).then(() => this.#up === up && poll()), HEALTH_POLL_MS);
      };
      poll();
    } catch (e) {
      if (this.#up === up) this.#lost(`reading the gateway's devices failed: ${problemText(e)}`);
    }
  }

  #observe(up: Up, d: ListedDevice, property: string): void {
    const obs = up.client.observe(deviceTarget(d, property));
    up.observations.push(obs);
    let health: string | undefined;
    obs.onNotification((n) => {
      if (n.observe === undefined || !n.ok) return;
      let body: unknown;
      try {
        body = n.json();
      } catch {
        return; // not JSON: nothing a page could draw
      }
      if (!isRecord(body)) return;
      const h = healthOf(body.health ?? { status: 'ok', failures: 0 });
      if (h.status !== health) {
        health = h.status;
        this.#o.events.health(this.name, d.name, h);
      }
      this.#o.events.value(this.name, d.name, property, body.value ?? null, this.#now());
    });
    void obs.ended.then((end) => {
      if (this.#up !== up) return;
      if (end.reason === 'failed') this.#lost(`observing ${d.name}/${property}: ${clientFailure(`watch ${d.name}/${property}`, end.error).message}`);
    });
  }

  async #pollHealth(up: Up): Promise<void> {
    for (const d of up.devices.values()) {
      if (this.#up !== up) return;
      try {
        const r = await up.client.get(deviceTarget(d));
        const body: unknown = r.ok ? r.json() : undefined;
        if (isRecord(body)) this.#o.events.health(this.name, d.name, healthOf(body.health));
      } catch {
        return; // no answer: the node's liveness check or an observation reports a dead gateway
      }
    }
  }

  /** PUT a property; the answer, or what the gateway said and the fix. */
  set(device: string, property: string, value: unknown): Promise<CommandResult> {
    return this.#request(device, `set ${device}/${property}`, (c, d) => c.put(deviceTarget(d, property), value));
  }

  /** POST an action with its parameters. */
  call(device: string, action: string, params: Readonly<Record<string, unknown>>): Promise<CommandResult> {
    return this.#request(device, `call ${device}/${action}`, (c, d) => c.post(deviceTarget(d, action), params));
  }

  async #request(device: string, what: string, send: (c: CoapClient, d: ListedDevice) => ReturnType<CoapClient['get']>): Promise<CommandResult> {
    const up = this.#up;
    if (up === undefined) return { ok: false, message: `${what}: gateway ${this.name} is ${this.#view.status === 'connecting' ? 'still connecting' : 'unreachable'}; try again once it is up` };
    const d = up.devices.get(device);
    if (d === undefined) return { ok: false, message: `${what}: gateway ${this.name} lists no device "${device}"` };
    try {
      const r = await send(up.client, d);
      if (!r.ok) {
        const e = responseError(what, r);
        return { ok: false, code: r.codeText, ...(r.diagnostic === undefined ? {} : { diagnostic: r.diagnostic }), message: `${e.message}${/grant|pia-trust/.test(r.diagnostic ?? '') ? '' : fixFor(r.codeText)}` };
      }
      const body: unknown = r.payload.length === 0 ? {} : r.json();
      return { ok: true, code: r.codeText, value: isRecord(body) && 'value' in body ? body.value : body };
    } catch (e) {
      return { ok: false, message: clientFailure(what, e).message };
    }
  }

  /** GET a device's blob (Block2 reassembled by the client), bounded by `timeoutMs`. */
  async snapshot(device: string, timeoutMs: number): Promise<SnapshotResult> {
    const up = this.#up;
    const d = up?.devices.get(device);
    if (up === undefined || d === undefined) return { ok: false, status: 502, message: up === undefined ? `gateway ${this.name} is not connected; try again once it is up` : `gateway ${this.name} lists no device "${device}"` };
    const blob = d.resources.find((r) => r.ct === 22)?.name ?? 'snapshot';
    let timer: TimerHandle | undefined;
    const slow = new Promise<'slow'>((resolve) => (timer = up.conn.clock.setTimeout(() => resolve('slow'), timeoutMs)));
    try {
      const r = await Promise.race([up.client.get(deviceTarget(d, blob)), slow]);
      if (r === 'slow') return { ok: false, status: 504, message: `snapshot ${device}: no image within ${timeoutMs} ms (a capture crosses a serial line); press Refresh to try again` };
      if (!r.ok) return { ok: false, status: 502, message: responseError(`snapshot ${device}`, r).message };
      if (r.contentFormat !== 22) return { ok: false, status: 502, message: `snapshot ${device}: the answer is content format ${r.contentFormat ?? 'none'}, not image/jpeg (22)` };
      return { ok: true, bytes: r.payload };
    } catch (e) {
      return { ok: false, status: 502, message: clientFailure(`snapshot ${device}`, e).message };
    } finally {
      if (timer !== undefined) up.conn.clock.clearTimeout(timer);
    }
  }

  #lost(why: string): void {
    const up = this.#up;
    if (up === undefined || this.#stopped) return;
    this.#up = undefined;
    this.#set('unreachable', 0, { error: why });
    void this.#close(up, false);
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#stopped) return;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(BACKOFF_MAX_MS, this.#backoffMs * 2);
    const { attempting: _was, ...view } = this.#view;
    this.#view = { ...view, retryAt: this.#now() + delay };
    this.#o.events.gateway(this.#view);
    this.#retry = this.#o.clock.setTimeout(() => void this.#connect(), delay);
  }

  async #close(up: Up, deregister: boolean): Promise<void> {
    if (up.pollTimer !== undefined) up.conn.clock.clearTimeout(up.pollTimer);
    up.unlisten();
    if (deregister) {
      let timer: TimerHandle | undefined;
      const bound = new Promise<void>((resolve) => (timer = up.conn.clock.setTimeout(resolve, this.#o.session.timeoutMs)));
      await Promise.race([Promise.all(up.observations.map((o) => o.cancel())), bound]);
      if (timer !== undefined) up.conn.clock.clearTimeout(timer);
    }
    await up.client.close().catch(() => undefined);
    await up.transport.close().catch(() => undefined);
    await up.conn.close().catch(() => undefined);
  }

  /** Deregisters the observations and closes; no retry after. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retry !== undefined) this.#o.clock.clearTimeout(this.#retry);
    this.#attempt?.abort();
    const up = this.#up;
    this.#up = undefined;
    if (up !== undefined) await this.#close(up, true);
  }

  #set(status: GatewayStatus, phase: number, extra: Partial<Pick<GatewayView, 'nodeId' | 'label' | 'error'>>): void {
    const keep = status === 'up' ? extra : { ...(this.#view.nodeId === undefined ? {} : { nodeId: this.#view.nodeId }), ...(this.#view.label === undefined ? {} : { label: this.#view.label }), ...extra };
    const since = status === this.#view.status ? this.#view.since : this.#now();
    this.#view = { gateway: this.name, status, phase, phaseText: PHASE_WORDS[phase]!, since, ...(this.#o.expectedId === undefined ? {} : { expectedId: this.#o.expectedId }), ...keep };
    this.#o.events.gateway(this.#view);
  }
}

/** What to do about a refusal, beside the gateway's own reason. */
function fixFor(code: string): string {
  if (code === '4.01' || code === '4.03') return "; ask an administrator for a grant with the right this needs (pia-trust grant add … --rights control, or call:ACTION)";
  if (code === '4.00') return '; use a value within the limits shown';
  if (code === '5.03') return '; the device is busy: try again in a moment';
  return '';
}
