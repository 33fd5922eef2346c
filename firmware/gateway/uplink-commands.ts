/**
 * Commands from the MQTT uplink (firmware/uplink/README.md, "Commands"), decided by the same
 * policy as an operator's CoAP command (firmware/policy, docs/protocol.md §9.6, §9.10) with a
 * security context for the uplink's subject and the grants the trusted server gave it
 * (subject-grants.ts), and audited as a CoAP command is (audit-trail.ts).
 *
 * One message on `<prefix>/<gw>/<device>/<name>/set|call`:
 *   1. the topic parsed; a device this gateway does not serve → a result, no audit record;
 *   2. at most `maxInFlight` commands at once: beyond, refused "busy" on the result topic (no
 *      queue grows, no device sees it);
 *   3. the payload translated (firmware/uplink translateCommand: HA payloads, JSON) into device
 *      operations, each with the access it needs; a bad payload → a result naming the fix;
 *   4. each operation decided: decide() with the subject's context (phase 3, its node ID and
 *      label, its grants now); a refusal → result `{ok:false, error:"refused", reason}` and an
 *      audit "refused" record (at most REFUSALS_PER_MINUTE records a minute: beyond, counted
 *      and carried by the next record as `suppressed`);
 *   5. the audit log not writable → refused (every command is audited, none runs unrecorded);
 *   6. the operations run in order (device.set / call, or a camera snapshot published retained
 *      on `…/<device>/snapshot`); audit "command" with "ok" or "error: <message>"; the result
 *      `{ok, error?, reason?, at}` published, not retained.
 * Whoever may publish on the broker can send junk: answers to what never reached the policy
 * (not-found, invalid, busy) are at most JUNK_RESULTS_PER_MINUTE a minute, beyond that only
 * counted (`unanswered`), so a flood costs the gateway no more than it brings.
 * Must hold: nothing here throws into the uplink's message handler; no audit record or
 * result carries a payload or a secret (the broker password is never in `client`); state is
 * bounded (a counter of commands in flight, a token bucket).
 */
import type { JsonValue } from '../../common/audit/index.js';
import type { Clock } from '../../common/index.js';
import type { Device } from '../../devices/model/index.js';
import type { AuthenticatedContext, Grant, PeerEndpoint } from '../../pia/discovery/index.js';
import { decide, describeWho, type Access } from '../policy/index.js';
import { translateCommand, type DeviceOp, type Topics } from '../uplink/index.js';
import { safeText } from './audit-trail.js';

export const DEFAULT_MAX_IN_FLIGHT = 8;
export const REFUSALS_PER_MINUTE = 60;
export const JUNK_RESULTS_PER_MINUTE = 120;

/** What the intake needs from firmware/uplink's MqttUplink. */
export interface CommandPort {
  onCommand(handler: (topic: string, payload: Buffer) => void): void;
  publishNow(topic: string, payload: string | Buffer, retain: boolean): boolean;
  readonly topicLayout: Topics;
}

export interface CommandAudit {
  readonly writable: boolean;
  append(event: string, fields: Readonly<Record<string, JsonValue>>): void;
}

export interface UplinkCommandsOptions {
  readonly uplink: CommandPort;
  readonly devices: readonly { readonly name: string; readonly device: Device }[];
  /** The subject's node ID and its grants valid now. */
  readonly subject: string;
  readonly grants: () => { readonly label: string; readonly grants: readonly Grant[] };
  /** The MQTT client identity, for audit records: client id, user name, broker. */
  readonly client: { readonly clientId: string; readonly username?: string; readonly broker: PeerEndpoint };
  readonly audit: CommandAudit;
  readonly clock: Clock;
  readonly wallNow: () => Date;
  readonly closing: () => boolean;
  readonly maxInFlight?: number;
  /** Each command's outcome for /metrics (`transport` "mqtt"): only for a device served here, a name it has (else "_other": bounded labels). */
  readonly onOutcome?: (device: string, name: string, outcome: 'ok' | 'refused' | 'invalid' | 'busy' | 'failed') => void;
}

export interface CommandResult {
  readonly ok: boolean;
  readonly error?: 'busy' | 'invalid' | 'not-found' | 'refused' | 'failed';
  readonly reason?: string;
  readonly at: string;
}

export interface CommandCounters {
  received: number;
  done: number;
  failed: number;
  refused: number;
  invalid: number;
  busy: number;
  suppressedAudits: number;
  /** Junk answered by no result (JUNK_RESULTS_PER_MINUTE). */
  unanswered: number;
}

export class UplinkCommands {
  readonly counters: CommandCounters = { received: 0, done: 0, failed: 0, refused: 0, invalid: 0, busy: 0, suppressedAudits: 0, unanswered: 0 };
  readonly #o: UplinkCommandsOptions;
  readonly #devices: Map<string, Device>;
  #inFlight = 0;
  readonly #refusals: MinuteBudget;
  readonly #junk: MinuteBudget;
  #suppressed = 0;

  constructor(o: UplinkCommandsOptions) {
    this.#o = o;
    this.#devices = new Map(o.devices.map((d) => [d.name, d.device]));
    this.#refusals = new MinuteBudget(REFUSALS_PER_MINUTE, o.clock);
    this.#junk = new MinuteBudget(JUNK_RESULTS_PER_MINUTE, o.clock);
    o.uplink.onCommand((topic, payload) => void this.handle(topic, payload));
  }

  /** May the subject do `access` on `device` now (Home Assistant discovery's command topics)? */
  allowed(device: string, access: string): boolean {
    return decide({ device, access: access as Access, what: access }, this.#context(), { plainReads: false }).allow;
  }

  /** Handles one message; resolves with the result it published (never rejects). */
  async handle(topic: string, payload: Uint8Array): Promise<CommandResult | undefined> {
    const layout = this.#o.uplink.topicLayout;
    const cmd = layout.parseCommand(topic);
    if (cmd === undefined) return undefined;
    this.counters.received++;
    const answer = (r: Omit<CommandResult, 'at'>): CommandResult => {
      const result = { ...r, at: this.#o.wallNow().toISOString() };
      this.#count(cmd.device, cmd.name, r);
      const junk = r.error === 'not-found' || r.error === 'invalid' || r.error === 'busy';
      if (junk && !this.#junk.take()) this.counters.unanswered++;
      else this.#o.uplink.publishNow(layout.result(cmd.device, cmd.name), JSON.stringify(result), false);
      return result;
    };
    // 1.
    const device = this.#devices.get(cmd.device);
    if (device === undefined) {
      this.counters.invalid++;
      return answer({ ok: false, error: 'not-found', reason: `this gateway serves no device "${safeText(cmd.device).slice(0, 64)}"; the Home Assistant discovery configs name the devices` });
    }
    // 2.
    const max = this.#o.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    if (this.#inFlight >= max || this.#o.closing()) {
      this.counters.busy++;
      return answer({ ok: false, error: 'busy', reason: this.#o.closing() ? 'the gateway is shutting down; retry when it is back' : `${max} commands are running already; retry when one has finished` });
    }
    this.#inFlight++;
    try {
      return answer(await this.#run(cmd.device, device, cmd.name, cmd.verb, payload));
    } finally {
      this.#inFlight--;
    }
  }

  async #run(name: string, device: Device, what: string, verb: 'set' | 'call', payload: Uint8Array): Promise<Omit<CommandResult, 'at'>> {
    // 3.
    const t = translateCommand(device.describe(), what, verb, payload);
    if (!t.ok) {
      this.counters.invalid++;
      return { ok: false, error: 'invalid', reason: t.error };
    }
    // 4.
    const ctx = this.#context();
    const request = `MQTT ${verb} ${name}/${what}`;
    for (const op of t.ops) {
      const verdict = decide({ device: name, access: op.access as Access, what: request }, ctx, { plainReads: false });
      if (!verdict.allow) {
        this.counters.refused++;
        this.#auditRefusal(ctx, name, request, `refused: ${verdict.reason}`);
        return { ok: false, error: 'refused', reason: verdict.reason };
      }
    }
    // 5.
    if (!this.#o.audit.writable) {
      this.counters.refused++;
      return { ok: false, error: 'refused', reason: "the gateway's audit log cannot be written, so commands are refused until it can; the gateway log says why" };
    }
    // 6.
    try {
      for (const op of t.ops) await this.#apply(name, device, op);
    } catch (e) {
      const message = safeText(e instanceof Error ? e.message : String(e));
      this.counters.failed++;
      this.#record('command', ctx, name, request, `error: ${message}`);
      return { ok: false, error: 'failed', reason: message };
    }
    this.counters.done++;
    this.#record('command', ctx, name, request, 'ok');
    return { ok: true };
  }

  async #apply(name: string, device: Device, op: DeviceOp): Promise<void> {
    switch (op.op) {
      case 'set':
        await device.set(op.property, op.value, this.#o.subject); // events it causes name the subject (devices/model `By`)
        return;
      case 'call':
        await device.call(op.action, op.params, this.#o.subject);
        return;
      case 'snapshot': {
        const jpeg = await device.fetch(op.blob, {});
        this.#o.uplink.publishNow(this.#o.uplink.topicLayout.snapshot(name), Buffer.from(jpeg), true);
        return;
      }
    }
  }

  #count(device: string, name: string, r: Omit<CommandResult, 'at'>): void {
    const d = this.#devices.get(device)?.describe();
    if (d === undefined || this.#o.onOutcome === undefined) return;
    const known = [...d.properties, ...d.actions, ...d.blobs].some((x) => x.name === name);
    this.#o.onOutcome(device, known ? name : '_other', r.ok ? 'ok' : r.error === 'not-found' || r.error === undefined ? 'invalid' : r.error);
  }

  /** The subject as the policy sees a phase-3 peer: its node ID, label and grants now; no SA of its own (SPIs 0). */
  #context(): AuthenticatedContext {
    const held = this.#o.grants();
    return { phase: 3, peer: this.#o.client.broker, sa: { spiIn: 0, spiOut: 0, suite: 1 }, peerIdentity: { nodeId: this.#o.subject, kind: 'operator', label: held.label || 'MQTT uplink' }, grants: held.grants };
  }

  /** 4. Refusal records, at most REFUSALS_PER_MINUTE a minute (a token bucket on the clock). */
  #auditRefusal(ctx: AuthenticatedContext, device: string, request: string, result: string): void {
    if (!this.#refusals.take()) {
      this.#suppressed++;
      this.counters.suppressedAudits++;
      return;
    }
    this.#record('refused', ctx, device, request, result);
  }

  #record(event: 'command' | 'refused', ctx: AuthenticatedContext, device: string, request: string, result: string): void {
    const c = this.#o.client;
    const fields: Record<string, JsonValue> = {
      who: describeWho(ctx),
      phase: 3,
      device,
      request,
      result: safeText(result),
      client: `mqtt client ${c.clientId}${c.username === undefined ? '' : ` user ${c.username}`}`,
      nodeId: ctx.peerIdentity.nodeId,
      subject: ctx.peerIdentity.nodeId,
      ...(this.#suppressed > 0 ? { suppressed: this.#suppressed } : {}),
    };
    this.#suppressed = 0;
    this.#o.audit.append(event, fields);
  }
}

/** A token bucket of `perMinute` tokens, refilled continuously on the clock. */
class MinuteBudget {
  #tokens: number;
  #at: number;
  constructor(
    private readonly perMinute: number,
    private readonly clock: Clock,
  ) {
    this.#tokens = perMinute;
    this.#at = clock.now();
  }

  take(): boolean {
    const now = this.clock.now();
    this.#tokens = Math.min(this.perMinute, this.#tokens + ((now - this.#at) * this.perMinute) / 60_000);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }
}
