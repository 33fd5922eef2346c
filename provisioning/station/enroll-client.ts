/**
 * A factory station's side of enrollment (docs/protocol.md §9.8): ENROLL to the trusted server
 * over the station's phase-2 SA, sealed under the station's own key, and the ENROLL_RESULT back.
 *
 *   1. connect to S (the phase-2 exchange; the station node runs no phase 3 of its own)
 *   2. seal the request bound to `T` of that SA (pia/phase3 sealEnrollRequest) and send it as a
 *      control message (ESP next header 253)
 *   3. wait for the answer to this N_E; resend the same bytes after 1, 2, 4 s (the server is
 *      idempotent: a repeat gets the same result, sealed afresh); a rate-limited answer is not
 *      final (an earlier copy may have been served): keep waiting and resending
 *   4. a result opens under W_E' → done; a denial → a ProvisioningError that says what to check
 *
 * Must hold: the board key (register, or the one the server generated) exists only in the
 * request, the result and the caller's hands; no error or log line carries it.
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import type { KxRandom } from '../../pia/handshake/index.js';
import { type Endpoint, type PiaNode } from '../../pia/node/index.js';
import { P3Reason, nodeIdToText, openEnrollResult, sealEnrollRequest, type EnrollOutcome, type EnrollRequest, type EnrollResult, type NodeIdentity } from '../../pia/phase3/index.js';
import { ProvisioningError } from '../../identity/index.js';

export interface EnrollClientOptions {
  /** The station's PIA node (without a phase-3 identity). */
  readonly node: PiaNode;
  /** The station's identity from its credential (kind "station"). */
  readonly station: NodeIdentity;
  readonly server: Endpoint;
  readonly clock: Clock;
  readonly random: KxRandom;
  /** Waits before each resend; default 1, 2, 4 s (then 8 s more for the last answer). */
  readonly waitsMs?: readonly number[];
}

const DEFAULT_WAITS_MS = [1000, 2000, 4000, 8000];

export class EnrollClient {
  constructor(private readonly o: EnrollClientOptions) {}

  private get serverText(): string {
    const { address, port } = this.o.server;
    return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  }

  /** One enrollment; resolves with the result, or throws a ProvisioningError. */
  async enroll(request: EnrollRequest): Promise<EnrollResult> {
    const { node, server } = this.o;
    try {
      await node.connect(server);
    } catch (err) {
      throw this.unreachable(`no key exchange (${err instanceof Error ? err.message : String(err)})`);
    }
    const transcript = node.transcript(server);
    if (transcript === undefined) throw new ProvisioningError('server-unreachable', `trusted server ${this.serverText}: the SA with it has no phase-2 transcript to bind the enrollment to; retry`);
    const { payload, nE } = await sealEnrollRequest(this.o.station, transcript, request, this.o.random);
    const outcome = await this.exchange(payload, (answer) => openEnrollResult(answer, this.o.station, transcript, nE));
    if (outcome.status === 'enrolled') return outcome.result;
    throw this.denied(outcome);
  }

  /** Sends `payload` until an answer `open` accepts arrives, or the waits run out. */
  private exchange(payload: Uint8Array, open: (answer: Uint8Array) => Promise<EnrollOutcome | undefined>): Promise<EnrollOutcome> {
    const { node, server, clock } = this.o;
    const waits = this.o.waitsMs ?? DEFAULT_WAITS_MS;
    return new Promise<EnrollOutcome>((resolve, reject) => {
      let done = false;
      let timer: TimerHandle | undefined;
      const finish = (f: () => void): void => {
        if (done) return;
        done = true;
        off();
        if (timer !== undefined) clock.clearTimeout(timer);
        f();
      };
      const off = node.onControl((answer) => {
        void open(answer).then(
          // a rate-limited answer is not final: an earlier copy may have been served; the resend may pass
          (outcome) => outcome !== undefined && !(outcome.status === 'denied' && outcome.reason === P3Reason.RateLimited) && finish(() => resolve(outcome)),
          (err: unknown) => finish(() => reject(err instanceof Error ? err : new Error(String(err)))),
        );
      });
      const send = (attempt: number): void => {
        if (done) return;
        if (attempt >= waits.length) {
          finish(() => reject(this.unreachable(`no answer to ${waits.length} enrollment requests in ${waits.reduce((a, b) => a + b, 0) / 1000} s`)));
          return;
        }
        node.sendControl(server, payload).catch(() => undefined); // a lost send is a lost datagram: the resend covers it
        timer = clock.setTimeout(() => send(attempt + 1), waits[attempt] ?? 1000);
      };
      send(0);
    });
  }

  private unreachable(why: string): ProvisioningError {
    return new ProvisioningError('server-unreachable', `trusted server ${this.serverText} unreachable: ${why}; check the server runs ('pia-trust serve'), the address in the station credential, and the network between them`);
  }

  private denied(d: Extract<EnrollOutcome, { status: 'denied' }>): ProvisioningError {
    const station = nodeIdToText(this.o.station.id);
    const said = d.text === '' ? '' : ` ("${d.text}")`;
    if (d.reason === P3Reason.NotAuthorized || d.reason === P3Reason.BadMac) {
      return new ProvisioningError(
        'station-not-authorized',
        `trusted server ${this.serverText} refused station ${station} (reason ${d.reason}${d.authentic ? '' : ', unauthenticated'})${said}; check the station credential is the one 'pia-trust node add --kind station' wrote, and that 'pia-trust node list' shows it active`,
      );
    }
    return new ProvisioningError('refused', `trusted server ${this.serverText} refused the enrollment (reason ${d.reason})${said}; fix what it names and run again`, { reason: d.reason });
  }
}
