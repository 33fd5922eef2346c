/**
 * The responder: one per node, answering every peer's INIT, docs/protocol.md §5 "Flow". No
 * I/O: the node feeds it datagrams and timer ticks and carries out the actions it returns.
 *
 * INIT from (address, port):
 *   1. the same INIT again (same source, SPIi and bytes) → the same RESP again, at most
 *      `MAX_RESP_RESENDS` times per exchange (the initiator sends 5 INITs at most), nothing new
 *   2. proven = it echoes a cookie that verifies for its Ni, source and SPIi (§5 "Cookie")
 *   3. not proven, and 16 or more half-open exchanges, or its source address or /64 over the
 *      unproven bucket (§3) → COOKIE (33 bytes, smaller than any INIT), no state kept
 *      (RFC 7296 §2.6). The buckets never silence a source: a spoofer who drains a victim's
 *      bucket only makes the victim prove its address first (WireGuard's under-load rule)
 *   4. proven, and its address or /64 over the proven bucket → dropped, no answer: the buckets
 *      that proven INITs spend are their own, so only the address's real holder can spend them
 *   5. the suite: suite-choice.ts (our preference, unless the initiator puts ChaCha20-Poly1305
 *      first); no suite of ours in the offer → REFUSE 1, no state kept
 *   6. table full (1024 exchanges) → dropped; low-order g^i (Z = 0) → dropped
 *   7. SPIr, Nr, X25519 key; RESP with MAC_R over T; keep the exchange (half-open) for 10 s;
 *      actions: send RESP, `provisional` keys. A different INIT from the same source and SPIi
 *      replaces the exchange (the initiator retransmitted an INIT now carrying a cookie, or
 *      an INIT was tampered with in flight) and a half-open one it replaces is reported failed.
 * CONFIRM: found by SPIr, same SPIi and Nr, MAC_I valid (constant time) → `established`;
 *   replays and forgeries are ignored. `confirmedByEsp(spiR)` confirms the same way when an
 *   ESP packet verified under the i→r key (§5).
 * tick(): exchanges older than 10 s are forgotten; a half-open one is reported failed
 *   "unconfirmed" (the node removes the provisional SA).
 *
 * Must hold: memory is bounded whatever arrives: at most `maxExchanges` records, the rate
 * limiters' bounded tables, two cookie secrets. Unauthenticated input never makes it send
 * more than it received, except RESP (113 bytes for an 84-byte INIT), which needs a token of
 * the source's buckets. The responder never retransmits on its own (RFC 7296 §2.1).
 */
import type { Clock } from '../../common/index.js';
import { PiaDecodeError } from '../errors.js';
import { SuiteId } from '../suites-ids.js';
import { addressFromText } from '../address.js';
import { peerKeyOf, type PeerAddress } from './address.js';
import { CookieJar, COOKIE_ROTATE_MS } from './cookies.js';
import { SecretBytes, X25519KeyPair, deriveSession, macEquals, transcriptHash } from './key-schedule.js';
import { MAC_BYTES, NONCE_BYTES, RefuseReason, decodeKx, encodeKx, transcriptPart, type KxConfirm, type KxInit, type KxMessage } from './messages.js';
import { pickSpi, systemRandom, type KxRandom } from './random.js';
import { chooseSuite } from './suite-choice.js';
import { InitiationRateLimiter, type RateLimitOptions } from './rate-limit.js';
import { negotiatedKeys, type KxAction, type NegotiatedKeys } from './types.js';

/** §5: the same INIT is answered with the same RESP at most this often (an initiator sends 5 in all). */
export const MAX_RESP_RESENDS = 4;

/** §3 and §5 limits. */
export const RESPONDER_DEFAULTS = {
  cookieThreshold: 16,
  maxExchanges: 1024,
  halfOpenMs: 10_000,
} as const;

export interface ResponderOptions {
  readonly clock: Clock;
  readonly random?: KxRandom;
  /** Suites this node accepts, preferred first; default both. suite-choice.ts decides among those offered. */
  readonly suites?: readonly SuiteId[];
  /** False for SPIs already in use among the node's inbound SAs and pending exchanges. */
  readonly spiIsFree?: (spi: number) => boolean;
  /** Half-open exchanges at which cookies are demanded (default 16). */
  readonly cookieThreshold?: number;
  /** Exchanges held at most, half-open and recently confirmed (default 1024). */
  readonly maxExchanges?: number;
  /** How long an exchange is kept (default 10 s). */
  readonly halfOpenMs?: number;
  readonly cookieRotateMs?: number;
  readonly rateLimit?: RateLimitOptions;
}

/** Counts of what happened to incoming messages, for the node's statistics. */
export interface ResponderCounters {
  responses: number;
  duplicateInits: number;
  /** Proven INITs over their source's proven bucket: dropped. */
  rateLimited: number;
  cookiesSent: number;
  /** Of the COOKIEs, those sent because the source was over its unproven bucket (below the load threshold). */
  cookiesOverLimit: number;
  /** Duplicate INITs beyond MAX_RESP_RESENDS: dropped. */
  duplicatesDropped: number;
  refused: number;
  full: number;
  lowOrder: number;
  noSpi: number;
  confirmed: number;
  badConfirms: number;
  duplicateConfirms: number;
  unknownConfirms: number;
  undecodable: number;
  expired: number;
}

interface Exchange {
  readonly initiatorKey: string;
  readonly peer: PeerAddress;
  readonly spiI: number;
  readonly spiR: number;
  readonly nr: Uint8Array;
  readonly init: Uint8Array;
  readonly resp: Uint8Array;
  readonly macI: Uint8Array;
  readonly keys: NegotiatedKeys;
  readonly expiresAt: number;
  confirmed: boolean;
  resends: number;
}

export class Responder {
  readonly #clock: Clock;
  readonly #random: KxRandom;
  readonly #suites: readonly SuiteId[];
  readonly #spiIsFree: (spi: number) => boolean;
  readonly #threshold: number;
  readonly #max: number;
  readonly #lifetime: number;
  readonly #cookies: CookieJar;
  /** Spent by INITs that have not proved their source address (a spoofer can drain these). */
  readonly #unproven: InitiationRateLimiter;
  /** Spent only by INITs with a valid cookie: the holder of the address alone reaches them. */
  readonly #proven: InitiationRateLimiter;
  /** By SPIr, in creation order = expiry order (every exchange lives the same time). */
  readonly #bySpiR = new Map<number, Exchange>();
  readonly #byInitiator = new Map<string, Exchange>();
  #halfOpen = 0;
  readonly #counters: ResponderCounters = {
    responses: 0, duplicateInits: 0, rateLimited: 0, cookiesSent: 0, cookiesOverLimit: 0, duplicatesDropped: 0, refused: 0, full: 0, lowOrder: 0, noSpi: 0,
    confirmed: 0, badConfirms: 0, duplicateConfirms: 0, unknownConfirms: 0, undecodable: 0, expired: 0,
  };

  constructor(options: ResponderOptions) {
    this.#clock = options.clock;
    this.#random = options.random ?? systemRandom();
    this.#suites = options.suites ?? [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305];
    this.#spiIsFree = options.spiIsFree ?? (() => true);
    this.#threshold = options.cookieThreshold ?? RESPONDER_DEFAULTS.cookieThreshold;
    this.#max = options.maxExchanges ?? RESPONDER_DEFAULTS.maxExchanges;
    this.#lifetime = options.halfOpenMs ?? RESPONDER_DEFAULTS.halfOpenMs;
    this.#cookies = new CookieJar(this.#clock, this.#random, options.cookieRotateMs ?? COOKIE_ROTATE_MS);
    this.#unproven = new InitiationRateLimiter(this.#clock, options.rateLimit);
    this.#proven = new InitiationRateLimiter(this.#clock, options.rateLimit);
  }

  /** Exchanges waiting for CONFIRM. */
  get halfOpen(): number {
    return this.#halfOpen;
  }
  /** Exchanges held (half-open and recently confirmed). */
  get exchanges(): number {
    return this.#bySpiR.size;
  }
  get counters(): Readonly<ResponderCounters> {
    return { ...this.#counters };
  }
  /** Buckets the rate limiters hold, unproven and proven together (bounded). */
  get rateLimiterSize(): { readonly addresses: number; readonly prefixes: number } {
    const [u, p] = [this.#unproven.size, this.#proven.size];
    return { addresses: u.addresses + p.addresses, prefixes: u.prefixes + p.prefixes };
  }
  /** True while an exchange (half-open or confirmed) holds `spi`, so the node can skip it. */
  holdsSpi(spi: number): boolean {
    return this.#bySpiR.has(spi);
  }

  /** A key-exchange datagram from `from`; `decoded`, if given, must be `decodeKx(bytes)` (saves a decode). */
  receive(bytes: Uint8Array, from: PeerAddress, decoded?: KxMessage): KxAction[] {
    let msg: KxMessage;
    try {
      msg = decoded ?? decodeKx(bytes);
    } catch (err) {
      if (!(err instanceof PiaDecodeError)) throw err;
      this.#counters.undecodable++;
      return [];
    }
    if (msg.kind === 'init') return this.#onInit(msg, bytes, from);
    if (msg.kind === 'confirm') return this.#onConfirm(msg);
    return [];
  }

  /** An ESP packet on `spiR` verified under the i→r key: I has the keys (§5 "Flow"). */
  confirmedByEsp(spiR: number): KxAction[] {
    const ex = this.#bySpiR.get(spiR);
    return ex === undefined || ex.confirmed ? [] : this.#confirm(ex);
  }

  nextDeadline(): number | undefined {
    return this.#bySpiR.values().next().value?.expiresAt;
  }

  tick(): KxAction[] {
    const now = this.#clock.now();
    const actions: KxAction[] = [];
    for (const ex of this.#bySpiR.values()) {
      if (ex.expiresAt > now) break;
      this.#forget(ex);
      if (!ex.confirmed) {
        this.#counters.expired++;
        actions.push({ kind: 'failed', peer: ex.peer, spiIn: ex.spiR, reason: 'unconfirmed' });
      }
    }
    return actions;
  }

  #onInit(msg: KxInit, bytes: Uint8Array, from: PeerAddress): KxAction[] {
    const addr16 = addressFromText(from.address, { zone: 'drop' });
    const initiatorKey = `${peerKeyOf(addr16, from.port)}#${msg.spiI}`;
    const known = this.#byInitiator.get(initiatorKey);
    if (known !== undefined && Buffer.compare(known.init, bytes) === 0) {
      if (known.resends >= MAX_RESP_RESENDS) {
        this.#counters.duplicatesDropped++;
        return [];
      }
      known.resends++;
      this.#counters.duplicateInits++;
      return [{ kind: 'send', to: from, bytes: known.resp, message: 'resp' }];
    }
    const proven = msg.cookie.length > 0 && this.#cookies.verify(msg.cookie, msg.ni, from, msg.spiI);
    if (proven) {
      if (!this.#proven.allow(addr16)) {
        this.#counters.rateLimited++;
        return [];
      }
    } else {
      const underLoad = this.#halfOpen >= this.#threshold;
      if (underLoad || !this.#unproven.allow(addr16)) {
        this.#counters.cookiesSent++;
        if (!underLoad) this.#counters.cookiesOverLimit++;
        const cookie = encodeKx({ kind: 'cookie', spiI: msg.spiI, cookie: this.#cookies.make(msg.ni, from, msg.spiI) });
        return [{ kind: 'send', to: from, bytes: cookie, message: 'cookie' }];
      }
    }
    const suite = chooseSuite(msg.suites, this.#suites);
    if (suite === undefined) {
      this.#counters.refused++;
      const refuse = encodeKx({ kind: 'refuse', spiI: msg.spiI, reason: RefuseReason.NoCommonSuite });
      return [{ kind: 'send', to: from, bytes: refuse, message: 'refuse' }];
    }
    if (known === undefined && this.#bySpiR.size >= this.#max) {
      this.#counters.full++;
      return [];
    }
    const spiR = pickSpi(this.#random, (spi) => !this.#bySpiR.has(spi) && this.#spiIsFree(spi));
    if (spiR === undefined) {
      this.#counters.noSpi++;
      return [];
    }
    const nr = this.#random.bytes(NONCE_BYTES);
    const keyPair = new X25519KeyPair(this.#random.bytes(32));
    const z = keyPair.sharedSecret(msg.gi);
    if (z === undefined) {
      this.#counters.lowOrder++;
      return [];
    }
    // RESP is encoded with a zero MAC, T taken over it without the MAC, then the MAC filled in.
    const resp = encodeKx({ kind: 'resp', spiI: msg.spiI, spiR, nr, gr: keyPair.publicKey, suite, macR: new Uint8Array(MAC_BYTES) });
    const respPart = transcriptPart(resp);
    const t = transcriptHash(transcriptPart(bytes), respPart.subarray(0, respPart.length - MAC_BYTES));
    const session = deriveSession(z, msg.ni, nr, t);
    const dhSecret = new SecretBytes(z); // kept for phase 3 (§9.3); the node wipes it
    z.fill(0);
    resp.set(session.macR(t), resp.length - MAC_BYTES);
    const keys = negotiatedKeys('responder', { peer: from, suite, spiI: msg.spiI, spiR, transcript: t, dhSecret, i2r: session.i2r, r2i: session.r2i });
    const actions: KxAction[] = [];
    if (known !== undefined) {
      this.#forget(known);
      if (!known.confirmed) actions.push({ kind: 'failed', peer: known.peer, spiIn: known.spiR, reason: 'superseded' });
    }
    const ex: Exchange = {
      initiatorKey, peer: from, spiI: msg.spiI, spiR, nr, init: Uint8Array.from(bytes), resp, macI: session.macI(t), keys,
      expiresAt: this.#clock.now() + this.#lifetime, confirmed: false, resends: 0,
    };
    this.#bySpiR.set(spiR, ex);
    this.#byInitiator.set(initiatorKey, ex);
    this.#halfOpen++;
    this.#counters.responses++;
    actions.push({ kind: 'send', to: from, bytes: resp, message: 'resp' }, { kind: 'provisional', keys });
    return actions;
  }

  #onConfirm(msg: KxConfirm): KxAction[] {
    const ex = this.#bySpiR.get(msg.spiR);
    if (ex === undefined || ex.spiI !== msg.spiI) {
      this.#counters.unknownConfirms++;
      return [];
    }
    if (Buffer.compare(ex.nr, msg.nr) !== 0 || !macEquals(msg.macI, ex.macI)) {
      this.#counters.badConfirms++;
      return [];
    }
    if (ex.confirmed) {
      this.#counters.duplicateConfirms++;
      return [];
    }
    return this.#confirm(ex);
  }

  #confirm(ex: Exchange): KxAction[] {
    ex.confirmed = true;
    this.#halfOpen--;
    this.#counters.confirmed++;
    return [{ kind: 'established', keys: ex.keys }];
  }

  #forget(ex: Exchange): void {
    this.#bySpiR.delete(ex.spiR);
    if (this.#byInitiator.get(ex.initiatorKey) === ex) this.#byInitiator.delete(ex.initiatorKey);
    if (!ex.confirmed) this.#halfOpen--;
  }
}
