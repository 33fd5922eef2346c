/**
 * `piactl watch TARGET [--count N]`: CoAP Observe (RFC 7641) on a property, one line (or one
 * JSON object per line) per fresh value.
 *
 * Flow:
 *  1. resolve the target; register (GET with Observe 0); the first answer is the first value
 *     and must come within --timeout;
 *  2. every fresh notification → one line; after --count values, stop;
 *  3. Ctrl-C / SIGTERM → stop: a normal end (exit 0);
 *  4. stopping deregisters (GET with Observe 1, §3.6), bounded by --timeout;
 *  5. the observation ends from the other side: an error answer (the device went away: 4.04;
 *     the gateway shuts down: 5.03) → its exit code; an answer without Observe → the resource
 *     is not observable: its value is printed once, exit 6; no answer → exit 3;
 *  6. the gateway closes the association with CLOSE reason 3 'revoked' (docs/protocol.md §6,
 *     §9.11: the trusted server withdrew this operator's access) → ends at once, exit 4, saying so.
 */
import type { TimerHandle } from '../../common/index.js';
import type { CoapResponse, ObservationEnd } from '../../coap/index.js';
import type { PiactlCommand } from './args.js';
import { jsonOf, propertyLine } from './commands.js';
import { CommandError, ExitCode } from './exit-codes.js';
import type { Output } from './output.js';
import { resolveTarget } from './resolve.js';
import { responseError } from './responses.js';
import { clientFailure, type Session } from './session.js';

/** RFC 7252 §12.3: image/jpeg. */
const JPEG_FORMAT = 22;

type WatchCommand = Extract<PiactlCommand, { command: 'watch' }>;
type Stop =
  | { readonly kind: 'count' }
  | { readonly kind: 'signal' }
  | { readonly kind: 'silent' }
  | { readonly kind: 'unreadable'; readonly error: unknown }
  | { readonly kind: 'ended'; readonly end: ObservationEnd }
  | { readonly kind: 'revoked' };

/** Step 6's message: what happened, and what the operator can do. */
export const REVOKED_MESSAGE = 'the gateway closed the association: access revoked by the trusted server';

export async function runWatch(cmd: WatchCommand, s: Session, out: Output, signal: AbortSignal): Promise<number> {
  const r = await resolveTarget(s, cmd.target);
  const what = `watch ${r.label}`;
  const observation = s.client.observe(r.target);
  let printed = 0;
  const stop = await new Promise<Stop>((resolve) => {
    let done = false;
    const finish = (why: Stop): void => {
      if (done) return;
      done = true;
      s.clock.clearTimeout(firstTimer);
      signal.removeEventListener('abort', onAbort);
      unlisten();
      unlistenClosed();
      resolve(why);
    };
    const onAbort = (): void => finish({ kind: 'signal' });
    const firstTimer = s.clock.setTimeout(() => finish({ kind: 'silent' }), cmd.timeoutMs);
    const unlisten = observation.onNotification((n: CoapResponse) => {
      if (n.observe === undefined) return; // the last answer: `ended` tells what it means
      s.clock.clearTimeout(firstTimer);
      try {
        print(out, what, r.label, r.uri, n);
      } catch (error) {
        return finish({ kind: 'unreadable', error });
      }
      if (cmd.count !== undefined && ++printed >= cmd.count) finish({ kind: 'count' });
    });
    const unlistenClosed = s.onGatewayClosed((reason) => (reason === 'revoked' ? finish({ kind: 'revoked' }) : undefined));
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    void observation.ended.then((end) => finish({ kind: 'ended', end }));
  });
  switch (stop.kind) {
    case 'count':
    case 'signal':
      await cancel(s, observation.cancel(), cmd.timeoutMs);
      return ExitCode.Ok;
    case 'silent':
      await cancel(s, observation.cancel(), cmd.timeoutMs);
      throw new CommandError(ExitCode.Unreachable, `${what}: no first value within ${cmd.timeoutMs} ms; the gateway is up (phase 3 completed), so the device may not be served at that address ('piactl ls' lists what is); raise --timeout for a slow one`);
    case 'unreadable':
      await cancel(s, observation.cancel(), cmd.timeoutMs);
      throw stop.error;
    case 'ended':
      return ended(stop.end, what, r, out);
    case 'revoked':
      void observation.cancel().catch(() => undefined); // nothing to deregister with: the association is gone
      throw new CommandError(ExitCode.NotAuthorized, `${what}: ${REVOKED_MESSAGE} (CLOSE reason 3); ask its administrator for a grant again`);
  }
}

function ended(end: ObservationEnd, what: string, r: { label: string; uri: string }, out: Output): number {
  switch (end.reason) {
    case 'cancelled':
      return ExitCode.Ok;
    case 'error-response':
      throw responseError(what, end.response);
    case 'not-observable':
      // An image (a camera's snapshot, image/jpeg: content format 22) is never printed on a terminal.
      if (end.response.contentFormat === JPEG_FORMAT) {
        throw new CommandError(ExitCode.Invalid, `${what}: ${r.label} is an image (image/jpeg), not a property: it cannot be watched; fetch it with 'piactl snapshot ${r.label} -o FILE'`);
      }
      print(out, what, r.label, r.uri, end.response);
      throw new CommandError(ExitCode.Invalid, `${what}: ${r.label} cannot be watched (it answered without Observe, RFC 7641); its value is printed once above; 'piactl ls' marks the observable ones`);
    case 'failed':
      throw clientFailure(what, end.error);
  }
}

function print(out: Output, what: string, label: string, uri: string, n: CoapResponse): void {
  const body = jsonOf(what, n);
  out.result({ target: uri, code: n.codeText, seq: n.observe ?? null, result: body }, propertyLine(label, body));
}

/** Deregistration is a courtesy to the gateway: bounded, and its failure changes nothing. */
async function cancel(s: Session, p: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: TimerHandle | undefined;
  await Promise.race([p, new Promise<void>((resolve) => (timer = s.clock.setTimeout(resolve, timeoutMs)))]);
  if (timer !== undefined) s.clock.clearTimeout(timer);
}
