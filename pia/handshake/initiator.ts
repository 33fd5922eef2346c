/**
 * The initiator's side of one key exchange, docs/protocol.md §5 "Flow". No I/O: the node
 * feeds it datagrams and timer ticks and carries out the actions it returns.
 *
 *   1. construction: draw SPIi (free, ≥ 256), Ni (32) and the X25519 private key
 *   2. start(): send INIT(SPIi, Ni, g^i, suites); deadline = now + 1 s ± 20 %
 *   3. tick() at the deadline: resend the same INIT, interval doubled (§3); after the 5th
 *      try's interval has passed with no valid RESP: failed "no answer"
 *   4. COOKIE (from the peer, our SPIi; at most 3 per exchange): resend INIT echoing the
 *      cookie at once (same SPIi, Ni, g^i: the cookie binds them); the try count is unchanged
 *   5. REFUSE 1 → failed "no common suite"; 3 → failed "version refused"; 2 → ignored (it is
 *      unauthenticated: retransmission goes on)
 *   6. RESP: chosen suite among ours, Z non-zero, MAC_R valid over T of the INIT last sent →
 *      send CONFIRM, established. Any RESP that fails a check is ignored and retransmission
 *      goes on, so a tampered or replayed RESP never yields keys.
 *   7. once established: the same RESP again → resend CONFIRM (its CONFIRM was lost);
 *      anything else is ignored.
 *
 * Messages are accepted only from the peer we sent INIT to (address and port).
 */
import type { Clock } from '../../common/index.js';
import { PiaDecodeError } from '../errors.js';
import { SuiteId } from '../suites-ids.js';
import { samePeer, type PeerAddress } from './address.js';
import { SecretBytes, X25519KeyPair, deriveSession, macEquals, transcriptHash } from './key-schedule.js';
import { MAC_BYTES, NONCE_BYTES, RefuseReason, decodeKx, encodeKx, transcriptPart, type KxInit, type KxMessage, type KxResp } from './messages.js';
import { jittered, pickSpi, systemRandom, type KxRandom } from './random.js';
import { negotiatedKeys, type KxAction, type KxFailure, type NegotiatedKeys } from './types.js';

export interface RetransmitPolicy {
  /** First wait for RESP (ms); doubled after each try. */
  readonly firstMs: number;
  /** INITs sent in all (the first and its retransmissions). */
  readonly tries: number;
  /** Each wait is scaled by a factor uniform in [1 − jitter, 1 + jitter). */
  readonly jitter: number;
}

/** §3: 1 s, doubling, ±20 % jitter, 5 tries. */
export const INIT_RETRANSMIT: RetransmitPolicy = { firstMs: 1000, tries: 5, jitter: 0.2 };
/** COOKIE replies honoured per exchange: a forged COOKIE stream cannot make us send forever. */
export const MAX_COOKIE_ROUNDS = 3;

export interface InitiatorOptions {
  readonly clock: Clock;
  /** The peer's PIA endpoint (where INIT goes). */
  readonly peer: PeerAddress;
  readonly random?: KxRandom;
  /** Suites offered, in preference order; default AES-256-GCM then ChaCha20-Poly1305. */
  readonly suites?: readonly SuiteId[];
  /** False for SPIs already in use among the node's inbound SAs and pending exchanges. */
  readonly spiIsFree?: (spi: number) => boolean;
  readonly retransmit?: Partial<RetransmitPolicy>;
}

export type InitiatorState = 'idle' | 'waiting' | 'established' | 'failed';

export class Initiator {
  readonly peer: PeerAddress;
  /** Our inbound SPI (0 only when no SPI was free: `start()` then fails at once). */
  readonly spiI: number;
  /** Our nonce: public, compared by `initWins` when both sides start at once (§4). */
  readonly ni: Uint8Array;
  readonly #clock: Clock;
  readonly #random: KxRandom;
  readonly #suites: readonly SuiteId[];
  readonly #policy: RetransmitPolicy;
  readonly #keyPair: X25519KeyPair | undefined;
  #state: InitiatorState = 'idle';
  #init: Uint8Array = new Uint8Array(0);
  #tries = 0;
  #interval = 0;
  #deadline = 0;
  #cookieRounds = 0;
  #acceptedResp: Uint8Array | undefined;
  #confirm: Uint8Array | undefined;
  #keys: NegotiatedKeys | undefined;

  constructor(options: InitiatorOptions) {
    this.#clock = options.clock;
    this.peer = options.peer;
    this.#random = options.random ?? systemRandom();
    this.#suites = options.suites ?? [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305];
    if (this.#suites.length === 0) throw new RangeError('Initiator: offer at least one suite (suites: [1] for AES-256-GCM, [2] for ChaCha20-Poly1305)');
    this.#policy = { ...INIT_RETRANSMIT, ...options.retransmit };
    const isFree = options.spiIsFree ?? (() => true);
    this.spiI = pickSpi(this.#random, isFree) ?? 0;
    this.ni = this.#random.bytes(NONCE_BYTES);
    this.#keyPair = this.spiI === 0 ? undefined : new X25519KeyPair(this.#random.bytes(32));
  }

  get state(): InitiatorState {
    return this.#state;
  }

  /** The keys, once established. */
  get keys(): NegotiatedKeys | undefined {
    return this.#keys;
  }

  /** Sends the first INIT. Calling it again does nothing. */
  start(): KxAction[] {
    if (this.#state !== 'idle') return [];
    if (this.#keyPair === undefined) return this.#fail('no free SPI');
    this.#state = 'waiting';
    this.#init = this.#encodeInit(new Uint8Array(0));
    this.#tries = 1;
    this.#interval = this.#policy.firstMs;
    this.#arm();
    return [this.#send(this.#init, 'init')];
  }

  /** A key-exchange datagram from `from`; `decoded`, if given, must be `decodeKx(bytes)` (saves a decode). */
  receive(bytes: Uint8Array, from: PeerAddress, decoded?: KxMessage): KxAction[] {
    if (this.#state !== 'waiting' && this.#state !== 'established') return [];
    if (!samePeer(from, this.peer)) return [];
    let msg: KxMessage;
    try {
      msg = decoded ?? decodeKx(bytes);
    } catch (err) {
      if (err instanceof PiaDecodeError) return [];
      throw err;
    }
    if (msg.spiI !== this.spiI) return [];
    switch (msg.kind) {
      case 'resp':
        return this.#onResp(msg, bytes);
      case 'cookie':
        if (this.#state !== 'waiting' || this.#cookieRounds >= MAX_COOKIE_ROUNDS) return [];
        this.#cookieRounds++;
        this.#init = this.#encodeInit(msg.cookie);
        this.#arm();
        return [this.#send(this.#init, 'init')];
      case 'refuse':
        if (this.#state !== 'waiting') return [];
        if (msg.reason === RefuseReason.NoCommonSuite) return this.#fail('no common suite');
        if (msg.reason === RefuseReason.Version) return this.#fail('version refused');
        return [];
      case 'init':
      case 'confirm':
        return [];
    }
  }

  /** When `tick()` next has something to do, in clock milliseconds. */
  nextDeadline(): number | undefined {
    return this.#state === 'waiting' ? this.#deadline : undefined;
  }

  /** Retransmits or gives up when the deadline has passed. */
  tick(): KxAction[] {
    if (this.#state !== 'waiting' || this.#clock.now() < this.#deadline) return [];
    if (this.#tries >= this.#policy.tries) return this.#fail('no answer');
    this.#tries++;
    this.#interval *= 2;
    this.#arm();
    return [this.#send(this.#init, 'init')];
  }

  /** §4: true when our INIT beats `theirs` (an INIT from our peer while we wait). */
  beats(theirs: KxInit): boolean {
    return initWins(this.ni, theirs.ni, this.spiI, theirs.spiI);
  }

  /** Drops the exchange without a word: it lost a simultaneous start (§4, `initWins`). */
  abandon(): void {
    if (this.#state === 'idle' || this.#state === 'waiting') this.#state = 'failed';
  }

  #onResp(msg: KxResp, bytes: Uint8Array): KxAction[] {
    if (this.#state === 'established') {
      const again = this.#acceptedResp !== undefined && Buffer.compare(bytes, this.#acceptedResp) === 0;
      return again && this.#confirm !== undefined ? [this.#send(this.#confirm, 'confirm')] : [];
    }
    if (!this.#suites.includes(msg.suite) || this.#keyPair === undefined) return [];
    const z = this.#keyPair.sharedSecret(msg.gr);
    if (z === undefined) return [];
    const respPart = transcriptPart(bytes);
    const t = transcriptHash(transcriptPart(this.#init), respPart.subarray(0, respPart.length - MAC_BYTES));
    const session = deriveSession(z, this.ni, msg.nr, t);
    const dhSecret = new SecretBytes(z); // kept for phase 3 (§9.3); the node wipes it
    z.fill(0);
    if (!macEquals(msg.macR, session.macR(t))) {
      dhSecret.fill(0);
      return [];
    }
    this.#state = 'established';
    this.#acceptedResp = Uint8Array.from(bytes);
    this.#confirm = encodeKx({ kind: 'confirm', spiI: this.spiI, spiR: msg.spiR, nr: msg.nr, macI: session.macI(t) });
    this.#keys = negotiatedKeys('initiator', { peer: this.peer, suite: msg.suite, spiI: this.spiI, spiR: msg.spiR, transcript: t, dhSecret, i2r: session.i2r, r2i: session.r2i });
    return [this.#send(this.#confirm, 'confirm'), { kind: 'established', keys: this.#keys }];
  }

  #encodeInit(cookie: Uint8Array): Uint8Array {
    const gi = this.#keyPair?.publicKey ?? new Uint8Array(32);
    return encodeKx({ kind: 'init', spiI: this.spiI, ni: this.ni, gi, suites: this.#suites, cookie });
  }

  #arm(): void {
    this.#deadline = this.#clock.now() + jittered(this.#interval, this.#policy.jitter, this.#random);
  }

  #send(bytes: Uint8Array, message: 'init' | 'confirm'): KxAction {
    return { kind: 'send', to: this.peer, bytes, message };
  }

  #fail(reason: KxFailure): KxAction[] {
    this.#state = 'failed';
    return [{ kind: 'failed', peer: this.peer, spiIn: this.spiI, reason }];
  }
}

/**
 * §4 simultaneous start: true when OUR INIT wins, i.e. our Ni is the lower 32-byte big-endian
 * number; equal nonces fall back to the lower SPI. The loser abandons its INIT and answers
 * the winner's as responder; the winner ignores the loser's INIT. (Equal nonces and equal
 * SPIs, probability 2^-288, make both lose: each then answers the other, two SA pairs.)
 */
export function initWins(ourNi: Uint8Array, theirNi: Uint8Array, ourSpi: number, theirSpi: number): boolean {
  const order = Buffer.compare(ourNi, theirNi);
  return order !== 0 ? order < 0 : ourSpi < theirSpi;
}
