/**
 * The CoAP server's `authorize` hook: discovery (docs/protocol.md §4) and the gateway's
 * policy (firmware/policy), before any handler runs.
 *
 * Flow of one request:
 *   1. plaintext (phase 1): PeerDiscovery.incomingRequest(source, option, size) — a request
 *      carrying the discovery option and at least as long as an INIT starts the key exchange
 *      toward (source, option.port) with one INIT (a shorter one lets the requester start);
 *      our option is echoed in the answer, whatever the answer is; a latched peer is refused 4.01
 *      "PIA required: peer is latched" with our option, "latched" flag set;
 *   2. shutting down → 5.03 (no command may slip in between the devices' stop and the sockets'
 *      close);
 *   3. the device the request is for (its target, else the device named by the first path
 *      segment, else every device at that address: /.well-known/core and unknown resources)
 *      and the access it needs ("read", "control", "call:<name>"; a method the resource does
 *      not allow counts as "control", so probing with writes needs phase 3 too);
 *   4. decide() per device (plain reads where the device's config says "plain: read-only");
 *      any device allowing is enough; else the first refusal: 4.01 (phase too low) or 4.03
 *      (no covering grant) with its reason;
 *   5. a command (PUT, POST) while the audit log cannot be written → 5.03: every command is
 *      audited, so none runs unrecorded.
 * Every answer carries the verdict (coap AccessVerdict: the devices of step 3, the access, the
 * policy's answer), which the exchange record hands to the audit trail as decided here.
 * Must hold: a refusal's reason never echoes a payload; the discovery echo rides on refusals too.
 */
import { CoapCode, codeText, type AccessVerdict, type AuthDecision, type Authorize, type CoapOption, type CoapRequest, type Refusal } from '../../coap/index.js';
import { PIA_DISCOVERY_OPTION, PIA_REQUIRED_DIAGNOSTIC, encodeDiscoveryOption, type DiscoveryAction, type PeerDiscovery, type PeerEndpoint, type SecurityContext } from '../../pia/discovery/index.js';
import { decide, type Access, type Decision } from '../policy/index.js';

/** A device as the policy sees it. */
export interface PolicyDevice {
  readonly name: string;
  /** gateway.yaml "plain: read-only". */
  readonly plainReads: boolean;
}

export interface AccessOptions {
  readonly discovery: PeerDiscovery;
  /** Discovery asked for a key exchange toward `pia` (the node connects; failures arrive as node events). */
  readonly startExchange: (pia: PeerEndpoint, options: { readonly initOnce: boolean }) => void;
  readonly recordLatch: (action: Extract<DiscoveryAction, { kind: 'record-latch' }>) => void;
  readonly log: { info(message: string): void; warn(message: string): void };
  /** The devices served at a local address (for this server). */
  readonly devicesAt: (local: string) => readonly PolicyDevice[];
  readonly closing: () => boolean;
  readonly auditWritable: () => boolean;
}

export function isCommand(request: CoapRequest): boolean {
  return request.method === 'PUT' || request.method === 'POST';
}

/** "PUT /rack-fan/speed" (the path only: a query may carry parameters, never logged). */
export function describeRequest(request: CoapRequest): string {
  return `${request.method ?? codeText(request.code)} /${request.path.join('/')}`;
}

/** The devices a request concerns and the access it needs (module comment, step 3). */
export interface RequestScope {
  readonly devices: readonly PolicyDevice[];
  readonly access: Access;
}

/** Step 3: the request's target device, else the device named by its first path segment, else every device at its address. */
export function scopeOf(request: CoapRequest, devicesAt: (local: string) => readonly PolicyDevice[]): RequestScope {
  const here = devicesAt(request.local);
  const t = request.target;
  const named = t !== undefined && t.kind !== 'well-known-core' ? t.device : request.path[0];
  const match = here.filter((d) => d.name === named);
  return { devices: match.length > 0 ? match : here, access: accessOf(request) };
}

export function accessOf(request: CoapRequest): Access {
  const right = request.right;
  if (right === 'read' || right === 'control') return right;
  if (right !== undefined && /^call:[^\s]+$/.test(right)) return right as `call:${string}`;
  return request.method === 'GET' ? 'read' : 'control';
}

/** Step 4: undefined when no device is served at the address (the server answers 4.04). */
export function policyDecision(request: CoapRequest, ctx: SecurityContext, scope: RequestScope): Decision | undefined {
  const what = describeRequest(request);
  let refusal: Decision | undefined;
  for (const d of scope.devices) {
    const verdict = decide({ device: d.name, access: scope.access, what }, ctx, { plainReads: d.plainReads });
    if (verdict.allow) return verdict;
    refusal ??= verdict;
  }
  return refusal;
}

/** What the exchange record carries of a decision: `allowed` undefined when the policy was not asked (or had no device to judge). */
export function verdictOf(scope: RequestScope, allowed: boolean | undefined): AccessVerdict {
  return { devices: scope.devices.map((d) => d.name), access: scope.access, allowed };
}

export function createAuthorize(o: AccessOptions): Authorize {
  const carryOut = (actions: readonly DiscoveryAction[]): void => {
    for (const a of actions) {
      switch (a.kind) {
        case 'start-exchange':
          o.startExchange(a.pia, { initOnce: a.initOnce === true });
          break;
        case 'record-latch':
          o.recordLatch(a);
          break;
        case 'log':
          o.log[a.level](`PIA discovery: ${a.message}`);
          break;
      }
    }
  };
  return (request, ctx): AuthDecision => {
    const scope = scopeOf(request, o.devicesAt);
    const options: CoapOption[] = [];
    const refuse = (code: number, reason: string, allowed?: boolean): Refusal => ({ code, reason, options, verdict: verdictOf(scope, allowed) });
    if (ctx.phase === 1) {
      const d = o.discovery.incomingRequest(ctx.peer, request.discovery, request.size);
      carryOut(d.actions);
      if (d.echo !== undefined) options.push({ number: PIA_DISCOVERY_OPTION, value: encodeDiscoveryOption(d.echo) });
      if (d.policy === 'refuse-latched') return refuse(CoapCode.Unauthorized, PIA_REQUIRED_DIAGNOSTIC);
    }
    if (o.closing()) return refuse(CoapCode.ServiceUnavailable, 'the gateway is shutting down; retry when it is back');
    const decision = policyDecision(request, ctx, scope);
    if (decision !== undefined && !decision.allow) return refuse(decision.code === '4.01' ? CoapCode.Unauthorized : CoapCode.Forbidden, decision.reason, false);
    if (isCommand(request) && !o.auditWritable()) {
      return refuse(CoapCode.ServiceUnavailable, "the gateway's audit log cannot be written, so commands are refused until it can; the gateway log says why", decision?.allow);
    }
    return { allow: true, options, verdict: verdictOf(scope, decision?.allow) };
  };
}
