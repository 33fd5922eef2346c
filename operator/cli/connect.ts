/**
 * Reaching the gateway at phase 3 (docs/protocol.md §5, §9.4), with every way it can fail
 * turned into an exit code and a message that says why and what to do.
 *
 * Flow:
 *  1. listen to the node's events for this gateway, then connect (phase 2: the key exchange);
 *  2. the SA comes up ('sa-up'): phase 2 time; phase 3 runs by itself on it (we are its initiator);
 *  3. 'phase3-up' → done: the gateway's identity (node ID, kind, label) and our grants count;
 *  4. failures, first one wins: nothing listens at the gateway's port (the ICMP port
 *     unreachable on our connected socket, docs/protocol.md §2 "Sockets": at once, not after
 *     --timeout) → 3; a refused send (no route, firewall) → 3; the gateway REFUSEs
 *     the exchange → 3; 'phase3-denied' → 4 with the trusted server's reason (3 when the reason
 *     is "trusted server unreachable" or "rate limited": nothing is wrong with the operator);
 *     'phase3-failed' (the gateway heard nothing from the trusted server) → 3; --timeout → 3;
 *     the signal → 130. With an expected gateway (its ID goes out as ID_B*), a denial with
 *     reason 6 means another node answered in its place: exit 4 naming both (gateway-pin.ts).
 */
import type { Clock } from '../../common/index.js';
import { describeSendFailure, type SendFailure } from '../../pia/cli/index.js';
import { canonicalAddress, formatEndpoint, type PeerEndpoint, type SaInfo } from '../../pia/discovery/index.js';
import { PeerUnreachableError, type Endpoint, type PiaNode, type PiaNodeEvent } from '../../pia/node/index.js';
import { P3Reason } from '../../pia/phase3/index.js';
import { CommandError, ExitCode } from './exit-codes.js';
import { wrongGateway, type ExpectedGateway } from './gateway-pin.js';

export interface Established {
  readonly phase2Ms: number;
  /** From the SA coming up to phase 3 completing. */
  readonly phase3Ms: number;
  readonly sa: SaInfo;
  readonly peer: { readonly id: string; readonly kind: string; readonly label: string };
  /** How many grants the trusted server gave this operator at that gateway (§9.6). */
  readonly grants: number;
}

export interface EstablishOptions {
  readonly node: PiaNode;
  readonly gateway: Endpoint;
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Registers a listener for sends the OS refused. */
  readonly onSendFailure: (listener: (f: SendFailure) => void) => void;
  /** This operator's node ID, for the fix in a "no grant" denial. */
  readonly operatorId: string;
  /** The gateway phase 3 must find there (gateway-pin.ts); undefined: any the trusted server vouches for. */
  readonly expected?: ExpectedGateway;
}

/** §9.2 reasons: what each means for an operator, and the fix. */
const DENIAL_HINTS: Readonly<Record<number, string>> = {
  1: "the trusted server does not know one of the two nodes; check that this credential comes from the trusted server this gateway uses",
  2: 'a node is revoked (this operator or the gateway); ask the trusted server\'s administrator (pia-trust node list)',
  3: "the key in this credential does not match the trusted server's (or a message was altered in flight); get a fresh credential (pia-trust node add)",
  4: 'the two sides saw different key exchanges: something may sit between this machine and the gateway, or a key does not match',
  5: 'ask an administrator for a grant: pia-trust grant add --subject OPERATOR_ID --gateway GATEWAY_ID --devices SELECTOR --rights read,control',
  6: 'the node at that address is not the gateway expected; check --gateway',
  7: 'the trusted server is rate-limiting; try again in a moment',
  8: "the gateway cannot reach the trusted server; check that 'pia-trust serve' runs and the gateway's route to it",
  9: 'too many grants for one ticket (docs/protocol.md §9.6) or a malformed request; an administrator narrows the grants',
  10: 'this node may not do that; ask an administrator',
};

/** Reasons that say nothing against the operator: the trusted server is out of reach or busy. */
const UNREACHABLE_REASONS: readonly number[] = [7, 8];

export function establish(o: EstablishOptions): Promise<Established> {
  const where = formatEndpoint(o.gateway);
  const isGateway = (peer: PeerEndpoint): boolean => peer.port === o.gateway.port && canonicalAddress(peer.address) === canonicalAddress(o.gateway.address);
  return new Promise<Established>((resolve, reject) => {
    const t0 = o.clock.now();
    let saUpAt: number | undefined;
    let done = false;
    const finish = (result: Established | CommandError): void => {
      if (done) return;
      done = true;
      o.clock.clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      unlisten();
      if (result instanceof CommandError) reject(result);
      else resolve(result);
    };
    const phase2 = (): Record<string, unknown> => (saUpAt === undefined ? {} : { phase2Ms: round(saUpAt - t0) });
    const fail = (code: ExitCode, message: string): void => finish(new CommandError(code, message, { gateway: where, ...phase2() }));
    const timer = o.clock.setTimeout(() => {
      if (saUpAt === undefined) {
        const inits = o.node.counters.kxOut;
        return fail(ExitCode.Unreachable, `no answer from gateway ${where} within ${o.timeoutMs} ms (${inits} key-exchange INIT${inits === 1 ? '' : 's'} sent); check the address and port (--gateway), that the gateway runs, and that UDP port ${o.gateway.port} is not filtered`);
      }
      fail(ExitCode.Unreachable, `gateway ${where}: phase 2 is up but phase 3 did not complete within ${o.timeoutMs} ms; the gateway may be waiting for the trusted server (or raise --timeout)`);
    }, o.timeoutMs);
    const onAbort = (): void => fail(ExitCode.Interrupted, `interrupted before the connection with gateway ${where} was up`);
    o.signal.addEventListener('abort', onAbort, { once: true });
    o.onSendFailure((f) => fail(ExitCode.Unreachable, f.code === 'ECONNREFUSED' ? nothingListens(where) : describeSendFailure(f)));
    const unlisten = o.node.onEvent((e: PiaNodeEvent) => {
      if (e.kind === 'sa-up') {
        if (isGateway(e.peer) && saUpAt === undefined) saUpAt = o.clock.now();
      } else if (e.kind === 'exchange-failed') {
        if (isGateway(e.peer) && (e.reason === 'no common suite' || e.reason === 'version refused')) {
          fail(ExitCode.Unreachable, `gateway ${where} refused the PIA key exchange (${e.reason}); it does not speak this PIA version or suite: upgrade one of the two`);
        }
      } else if (e.kind === 'phase3-up') {
        if (!isGateway(e.peer)) return;
        const upAt = saUpAt ?? t0;
        finish({ phase2Ms: round(upAt - t0), phase3Ms: round(o.clock.now() - upAt), sa: e.sa, peer: { id: e.peerId, kind: e.peerKind, label: e.peerLabel }, grants: e.grants });
      } else if (e.kind === 'phase3-denied') {
        if (!isGateway(e.peer)) return;
        finish(e.reason === P3Reason.WrongPartner && o.expected !== undefined ? wrongGateway(e, where, o.expected, phase2()) : denial(e, where, o.operatorId, phase2()));
      } else if (e.kind === 'phase3-failed') {
        if (isGateway(e.peer)) fail(ExitCode.Unreachable, `phase 3 with gateway ${where} failed: ${e.text} (reason ${e.reason}); ${DENIAL_HINTS[8]}`);
      }
    });
    o.node.connect(o.gateway, o.expected === undefined ? {} : { expectPeer: o.expected.id }).then(
      () => undefined,
      (e: Error) => fail(ExitCode.Unreachable, e instanceof PeerUnreachableError ? unreachable(o.gateway, e.code) : `gateway ${where}: ${e.message}`),
    );
  });
}

function nothingListens(where: string): string {
  return `nothing listens on ${where} — is pia-gateway running? (the host answered ICMP port unreachable; check --gateway's port)`;
}

/** The network answered our INIT with ICMP, or the OS found no way there (docs/protocol.md §2 "Sockets"). */
function unreachable(gateway: Endpoint, code: string): string {
  if (code === 'ECONNREFUSED') return nothingListens(formatEndpoint(gateway));
  return describeSendFailure({ code, to: gateway, message: code });
}

/** A phase-3 denial → exit 4 (or 3 when the trusted server is out of reach or busy), with its reason and the fix. */
function denial(e: Extract<PiaNodeEvent, { kind: 'phase3-denied' }>, where: string, operatorId: string, phase2: Record<string, unknown>): CommandError {
  const code = UNREACHABLE_REASONS.includes(e.reason) ? ExitCode.Unreachable : ExitCode.NotAuthorized;
  const hint = (DENIAL_HINTS[e.reason] ?? "ask the trusted server's administrator").replace('OPERATOR_ID', operatorId);
  const verified = e.authentic ? '' : ' (unverified: not sealed by the trusted server, so it may not come from it)';
  const lead = code === ExitCode.NotAuthorized ? 'not authorized' : 'phase 3 not possible';
  return new CommandError(code, `${lead}: the trusted server denied phase 3 with gateway ${where}: ${e.text || 'no reason given'} (reason ${e.reason})${verified}; ${hint}`, {
    gateway: where,
    ...phase2,
    reason: e.reason,
    reasonText: e.text,
    authentic: e.authentic,
  });
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
