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
 * Must hold: a refusal's reason never echoes a payload; the discovery echo rides on refusals too.
 */
import { CoapCode, codeText, type AuthDecision, type Authorize, type CoapOption, type CoapRequest } from '../../coap/index.js';
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

/** The devices a request concerns (module comment, step 3). */
export function devicesFor(request: CoapRequest, devicesAt: (local: string) => readonly PolicyDevice[]): readonly PolicyDevice[] {
  const here = devicesAt(request.local);
  const t = request.target;
  const named = t !== undefined && t.kind !== 'well-known-core' ? t.device : request.path[0];
  const match = here.filter((d) => d.name === named);
  return match.length > 0 ? match : here;
}

export function accessOf(request: CoapRequest): Access {
  const right = request.right;
  if (right === 'read' || right === 'control') return right;
  if (right !== undefined && /^call:[^\s]+$/.test(right)) return right as `call:${string}`;
  return request.method === 'GET' ? 'read' : 'control';
}

/** Steps 3–4: undefined when no device is served at the address (the server answers 4.04). */
export function policyDecision(request: CoapRequest, ctx: SecurityContext, devicesAt: (local: string) => readonly PolicyDevice[]): Decision | undefined {
  const access = accessOf(request);
  const what = describeRequest(request);
  let refusal: Decision | undefined;
  for (const d of devicesFor(request, devicesAt)) {
    const verdict = decide({ device: d.name, access, what }, ctx, { plainReads: d.plainReads });
    if (verdict.allow) return verdict;
    refusal ??= verdict;
  }
  return refusal;
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
    const options: CoapOption[] = [];
    if (ctx.phase === 1) {
      const d = o.discovery.incomingRequest(ctx.peer, request.discovery, request.size);
      carryOut(d.actions);
      if (d.echo !== undefined) options.push({ number: PIA_DISCOVERY_OPTION, value: encodeDiscoveryOption(d.echo) });
      if (d.policy === 'refuse-latched') return { code: CoapCode.Unauthorized, reason: PIA_REQUIRED_DIAGNOSTIC, options };
    }
    if (o.closing()) return { code: CoapCode.ServiceUnavailable, reason: 'the gateway is shutting down; retry when it is back', options };
    const verdict = policyDecision(request, ctx, o.devicesAt);
    if (verdict !== undefined && !verdict.allow) return { code: verdict.code === '4.01' ? CoapCode.Unauthorized : CoapCode.Forbidden, reason: verdict.reason, options };
    if (isCommand(request) && !o.auditWritable()) {
      return { code: CoapCode.ServiceUnavailable, reason: "the gateway's audit log cannot be written, so commands are refused until it can; the gateway log says why", options };
    }
    return options.length === 0 ? 'allow' : { allow: true, options };
  };
}
