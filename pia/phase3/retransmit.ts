/**
 * The phase-3 retransmission schedule (docs/protocol.md §9.4, §3): A's P3_REQ and B's P3_VOUCH
 * are resent after waits of 1, 2, 4, 8, 16 s, each × a factor uniform in [0.8, 1.2); after the
 * last wait the sender gives up.
 *
 *   1. start(): the first message went out; deadline = now + first wait
 *   2. due() at the deadline: 'resend' (the wait doubles, capped at the last one) or 'give-up'
 *      once `tries` messages have been sent and the last wait has passed
 *   3. uncount(): the last resend does not count (A heard "pending": B is alive and waiting for
 *      S), so the tries start over while the waits stay at their current length
 */
import type { Clock } from '../../common/index.js';
import { INIT_RETRANSMIT, type RetransmitPolicy } from '../handshake/initiator.js';
import { jittered, type KxRandom } from '../handshake/random.js';

export type { RetransmitPolicy };
/** §9.4: the same waits as INIT (§3). */
export const P3_RETRANSMIT: RetransmitPolicy = INIT_RETRANSMIT;

export class Retransmitter {
  readonly #clock: Clock;
  readonly #random: KxRandom;
  readonly #policy: RetransmitPolicy;
  #tries = 0;
  #interval = 0;
  #deadline: number | undefined;

  constructor(clock: Clock, random: KxRandom, policy: Partial<RetransmitPolicy> = {}) {
    this.#clock = clock;
    this.#random = random;
    this.#policy = { ...P3_RETRANSMIT, ...policy };
  }

  /** Messages sent so far (the first and its resends). */
  get tries(): number {
    return this.#tries;
  }

  start(): void {
    this.#tries = 1;
    this.#interval = this.#policy.firstMs;
    this.#arm();
  }

  stop(): void {
    this.#deadline = undefined;
  }

  nextDeadline(): number | undefined {
    return this.#deadline;
  }

  /** Undefined before the deadline; otherwise what to do now (and the next deadline is set). */
  due(): 'resend' | 'give-up' | undefined {
    if (this.#deadline === undefined || this.#clock.now() < this.#deadline) return undefined;
    if (this.#tries >= this.#policy.tries) {
      this.#deadline = undefined;
      return 'give-up';
    }
    this.#tries++;
    this.#interval = Math.min(this.#interval * 2, this.#policy.firstMs * 2 ** (this.#policy.tries - 1));
    this.#arm();
    return 'resend';
  }

  /** The tries start over (a "pending" answer); the current wait is kept. */
  uncount(): void {
    if (this.#deadline !== undefined) this.#tries = 1;
  }

  #arm(): void {
    this.#deadline = this.#clock.now() + jittered(this.#interval, this.#policy.jitter, this.#random);
  }
}
