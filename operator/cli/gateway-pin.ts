/**
 * Which gateway piactl means at its endpoint (docs/protocol.md §9.2 `ID_B*`), so that a node
 * answering there with another identity is refused by the trusted server (reason 6):
 *
 *   1. --gateway-id ID, else PIACTL_GATEWAY_ID: that ID; the known-gateways file is not used;
 *   2. else the known-gateways file's line for the endpoint (known-gateways.ts): its ID;
 *   3. else none yet (trust on first use): phase 3 names no partner, and the identity the
 *      trusted server vouched for (phase3-up: node ID and label) is added to the file, which a
 *      line on stderr says, as SSH says "Permanently added".
 * A reason-6 denial while an ID is expected becomes exit 4 with a message naming both nodes:
 * the one expected and where that came from, and the one that answered as the trusted
 * server's sealed denial text says; then the fix.
 *
 * Must hold: the file is read before anything is sent (a bad line: exit 2, nothing on the
 * wire); a gateway is recorded only once the trusted server vouched for it (phase 3 up).
 */
import { P3Reason, answeredIn } from '../../pia/phase3/index.js';
import type { PiaNodeEvent } from '../../pia/node/index.js';
import type { SessionOptions } from './args.js';
import type { Established } from './connect.js';
import { CommandError, ExitCode } from './exit-codes.js';
import { addKnownGateway, endpointKey, readKnownGateways } from './known-gateways.js';

export interface ExpectedGateway {
  /** Node ID, lower-case UUID text. */
  readonly id: string;
  /** Where it came from: '--gateway-id', 'PIACTL_GATEWAY_ID', or 'FILE:LINE' of the known-gateways file. */
  readonly from: string;
  /** The known-gateways line it came from, if it did. */
  readonly file?: { readonly path: string; readonly line: number };
}

export interface GatewayPin {
  /** The gateway phase 3 must find at the endpoint, or undefined (first use). */
  readonly expected: ExpectedGateway | undefined;
  /** After phase 3: a gateway met for the first time is added to the file, said on `stderr`. */
  remember(established: Established, stderr: { write(text: string): unknown }): void;
}

/** Steps 1–3 of the module comment. Throws a CommandError (exit 2) for a file that cannot be used. */
export function gatewayPin(o: SessionOptions): GatewayPin {
  const keep = (): void => undefined;
  if (o.gatewayId !== undefined) return { expected: { id: o.gatewayId.id, from: o.gatewayId.from }, remember: keep };
  const where = endpointKey(o.gateway);
  const known = readKnownGateways(o.knownGateways).find((g) => g.endpoint === where);
  if (known !== undefined) {
    return { expected: { id: known.id, from: `${o.knownGateways}:${known.line}`, file: { path: o.knownGateways, line: known.line } }, remember: keep };
  }
  return { expected: undefined, remember: (e, stderr) => record(o, where, e, stderr) };
}

function record(o: SessionOptions, where: string, e: Established, stderr: { write(text: string): unknown }): void {
  const who = `node ${e.peer.id} (${e.peer.kind} ${JSON.stringify(e.peer.label)})`;
  try {
    if (addKnownGateway(o.knownGateways, o.gateway, e.peer.id, e.peer.label) === 'added') {
      stderr.write(`piactl: permanently added gateway ${where}, ${who}, to ${o.knownGateways}: from now on another node answering there is refused\n`);
    }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    stderr.write(`piactl: warning: could not record gateway ${where}, ${who}, in ${o.knownGateways} (${why}); until it is recorded, piactl takes whichever gateway answers there: fix the file or its folder, or pass --gateway-id ${e.peer.id}\n`);
  }
}

/** Phase 3 denied with reason 6 while `expected` was named: exit 4, both identities, the fix. */
export function wrongGateway(e: Extract<PiaNodeEvent, { kind: 'phase3-denied' }>, where: string, expected: ExpectedGateway, phase2: Record<string, unknown>): CommandError {
  const answered = e.authentic ? answeredIn(e.text) : undefined;
  const newId = answered?.id ?? 'ID';
  const them =
    answered === undefined
      ? `the node there is another (the denial is ${e.authentic ? `the trusted server's: ${JSON.stringify(e.text)}` : 'unverified: not sealed by the trusted server, so it may not come from it'})`
      : `node ${answered.id}${answered.label === undefined ? '' : ` (${JSON.stringify(answered.label)})`} answered, as the trusted server says`;
  const replaced =
    expected.file !== undefined
      ? `delete line ${expected.file.line} of ${expected.file.path} (the next run records the gateway that answers) or pass --gateway-id ${newId}`
      : expected.from === '--gateway-id'
        ? `pass its ID: --gateway-id ${newId}`
        : `set PIACTL_GATEWAY_ID=${newId}`;
  const message =
    `not authorized: gateway ${where} is not the one expected: expected node ${expected.id} (from ${expected.from}), but ${them} ` +
    `(phase 3 denied, reason ${P3Reason.WrongPartner}: partner is not the one expected); if the gateway at that address was replaced on purpose, ${replaced}; ` +
    'if not, another node is answering in its place: do not use it, and tell the administrator';
  return new CommandError(ExitCode.NotAuthorized, message, {
    gateway: where,
    ...phase2,
    reason: e.reason,
    reasonText: e.text,
    authentic: e.authentic,
    expected: { id: expected.id, from: expected.from },
    ...(answered === undefined ? {} : { answered: { id: answered.id, ...(answered.label === undefined ? {} : { label: answered.label }) } }),
  });
}
