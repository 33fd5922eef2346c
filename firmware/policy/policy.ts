/**
 * The gateway's access policy (docs/protocol.md §7, §9.6): for each request,
 * the minimum phase and the grant it needs, decided from the security context alone.
 *
 *   1. reads (GET of a property, a device, a blob; Observe; /.well-known/core):
 *      phase 3 and a grant with "read" (or "control") covering the device; or, when the
 *      device's config allows plain reads ("plain: read-only"), any phase
 *   2. writes (PUT of a property) and actions with right "control": phase 3 and "control"
 *   3. actions with right "call:<name>": phase 3 and that right, or "control"
 *   4. phase too low → 4.01 Unauthorized with the phase needed (a phase-1 client is told to
 *      use PIA); phase 3 without a covering grant → 4.03 Forbidden naming device and right
 *
 * Must hold: a decision depends only on the request and its context (no clock: grants carry
 * their remaining seconds, expired ones are not in the context); every refusal says why in
 * words an operator can act on, and never echoes a key or a token.
 */
import type { Grant, SecurityContext } from '../../pia/discovery/index.js';
import { grantCovers, selectorMatches } from '../../pia/phase3/index.js';

export { selectorMatches };

export type Access = 'read' | 'control' | `call:${string}`;

export interface PolicyRequest {
  readonly device: string;
  /** What is asked: "read", "control", or "call:<action>". */
  readonly access: Access;
  /** For messages: "GET temperature", "POST unlock". */
  readonly what: string;
}

export interface DevicePolicy {
  /** Plain (phase 1/2) reads allowed for this device. */
  readonly plainReads: boolean;
}

export type Decision = { readonly allow: true; readonly who: string } | { readonly allow: false; readonly code: '4.01' | '4.03'; readonly reason: string; readonly who: string };

export function decide(request: PolicyRequest, ctx: SecurityContext, device: DevicePolicy): Decision {
  const who = describeWho(ctx);
  if (request.access === 'read' && device.plainReads) return { allow: true, who };
  if (ctx.phase !== 3) {
    const hint = ctx.phase === 1 ? 'use PIA (piactl with a credential from pia-trust node add)' : 'phase 3 (identity through the trusted server) has not completed; check the client has a credential and the trusted server is reachable';
    return { allow: false, code: '4.01', who, reason: `${request.what} on "${request.device}" needs PIA phase 3, this request came at phase ${ctx.phase}: ${hint}` };
  }
  const grant = ctx.grants.find((g) => covers(g, request));
  if (grant !== undefined) return { allow: true, who };
  return {
    allow: false,
    code: '4.03',
    who,
    reason: `${who} has no grant with "${request.access}" on device "${request.device}" (${ctx.grants.length} grant(s) for this gateway); an administrator adds one with: pia-trust grant add --subject ${ctx.peerIdentity.nodeId} --gateway <this gateway> --devices ${request.device} --rights ${request.access}`,
  };
}

/** A grant covers a request when it is still valid and covers the device and access (§9.6, pia/phase3 grantCovers). */
export function covers(grant: Grant, request: PolicyRequest): boolean {
  return grant.validS > 0 && grantCovers(grant, request.device, request.access);
}

/** Who asked, for refusals and the audit log: the peer's identity at phase 3, its address otherwise. */
export function describeWho(ctx: SecurityContext): string {
  const at = ctx.peer.address.includes(':') ? `[${ctx.peer.address}]:${ctx.peer.port}` : `${ctx.peer.address}:${ctx.peer.port}`;
  if (ctx.phase === 3) return `${ctx.peerIdentity.kind} ${ctx.peerIdentity.nodeId} ("${ctx.peerIdentity.label}") at ${at}`;
  return `${ctx.phase === 1 ? 'plain' : 'unauthenticated PIA'} client ${at}`;
}
