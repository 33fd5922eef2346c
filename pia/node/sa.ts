/**
 * One SA pair (docs/protocol.md §3, §6): the inbound SA we open with (our SPI, the replay
 * window) and the outbound SA we seal with (the peer's SPI, our sequence counter), both from
 * one exchange. The node keeps them in its SA table by inbound SPI.
 *
 * Must hold:
 * - the sender starts at sequence number 1 and never reuses one (RFC 4106 §3.1: IV = seq is
 *   unique per key); `sealInPlace` refuses past the hard packet limit rather than wrap;
 * - the replay window moves only through `accept`, which the node calls after the ICV verified;
 * - keys live in private fields; the object prints as its SPIs and suite only;
 * - the per-packet methods (`sealInPlace`, `openInto`) work in buffers the node owns and
 *   allocate nothing (docs/protocol.md §6); `info`, and the context and inner-packet fields
 *   the node caches here, are immutable objects reused for every packet until they change.
 */
import { inspect } from 'node:util';
import type { SaInfo, SecurityContext } from '../discovery/index.js';
import { EspDirection, ReplayWindow, createAead, type AeadLibrary, type EspNextHeader, type EspSaKeyLogEntry, type PacketBuffer } from '../esp/index.js';
import type { Keymat } from '../handshake/index.js';
import type { PeerVouched } from '../phase3/types.js';
import type { InnerInfo } from './node-types.js';
import { SUITE_NAMES, type SuiteId } from '../suites-ids.js';

/** What an SA pair is keyed from: a phase-2 exchange (NegotiatedKeys) or a phase-3 one (§9.3). */
export interface SaPairKeys {
  readonly spiIn: number;
  readonly spiOut: number;
  readonly suite: SuiteId;
  readonly role: 'initiator' | 'responder';
  readonly inbound: Keymat;
  readonly outbound: Keymat;
}

/** A phase-2 pair also keeps what phase 3 binds to (§9.3): T, and Z until phase 3 is done. */
export interface Phase2Binding {
  readonly transcript: Uint8Array;
  readonly dhSecret: Uint8Array;
}

/** A phase-3 pair: who the trusted server vouched for, and when we heard it (clock ms). */
export interface Phase3Binding {
  readonly vouched: PeerVouched;
  readonly receivedAt: number;
}

export class SaPair {
  readonly spiIn: number;
  readonly spiOut: number;
  readonly suite: SuiteId;
  readonly role: 'initiator' | 'responder';
  /** Clock ms when the keys were agreed (the age limits count from here). */
  readonly createdAt: number;
  readonly window = new ReplayWindow();
  /** Responder: false until CONFIRM or a verified ESP packet (§5 "Flow"). */
  confirmed: boolean;
  /** Set when a newer pair replaced this one: the inbound side is dropped then (grace). */
  retireAt: number | undefined;
  /** Packets accepted inbound. */
  received = 0;
  /** 2: keyed by a phase-2 exchange; 3: keyed by phase 3 (§9), `phase3` says by whom. */
  readonly phase: 2 | 3;
  /** Replaced only to narrow its grants when the trusted server withdraws one (withdraw.ts, §9.11). */
  phase3: Phase3Binding | undefined;
  /** §5 T of the phase-2 exchange (not secret); undefined on a phase-3 pair. */
  readonly transcript: Uint8Array | undefined;
  /** SPIs and suite, for events and security contexts (one object for the pair's life). */
  readonly info: SaInfo;
  /** Which AEAD implementation seals and opens (for `pia ping` and the benchmarks). */
  readonly aead: { readonly name: string; readonly library: AeadLibrary };
  /** The node's cache of the last security context delivered on this pair (delivery.ts `cachedContext`). */
  context: SecurityContext | undefined;
  /** The node's cache of the last inner addresses and ports delivered on this pair (esp-inbound.ts). */
  inner: InnerInfo | undefined;
  #dhSecret: Uint8Array | undefined;
  readonly #in: EspDirection;
  readonly #out: EspDirection;
  readonly #inKey: Uint8Array;
  readonly #inSalt: Uint8Array;
  readonly #outKey: Uint8Array;
  readonly #outSalt: Uint8Array;
  #seq = 0;

  constructor(keys: SaPairKeys, createdAt: number, library: AeadLibrary | undefined, binding: Phase2Binding | Phase3Binding) {
    if ('vouched' in binding) {
      this.phase = 3;
      this.phase3 = binding;
      this.transcript = undefined;
    } else {
      this.phase = 2;
      this.phase3 = undefined;
      this.transcript = binding.transcript;
      this.#dhSecret = binding.dhSecret;
    }
    this.spiIn = keys.spiIn;
    this.spiOut = keys.spiOut;
    this.suite = keys.suite;
    this.role = keys.role;
    this.createdAt = createdAt;
    this.confirmed = keys.role === 'initiator';
    this.retireAt = undefined;
    this.#inKey = keys.inbound.key;
    this.#inSalt = keys.inbound.salt;
    this.#outKey = keys.outbound.key;
    this.#outSalt = keys.outbound.salt;
    const aead = createAead(keys.suite, library);
    this.aead = Object.freeze({ name: aead.name, library: aead.library });
    this.#in = new EspDirection(keys.spiIn, this.#inKey, this.#inSalt, aead);
    this.#out = new EspDirection(keys.spiOut, this.#outKey, this.#outSalt, aead);
    this.info = Object.freeze({ spiIn: keys.spiIn, spiOut: keys.spiOut, suite: keys.suite });
    this.context = undefined;
    this.inner = undefined;
  }

  /** Z of the phase-2 exchange, for phase 3's key schedule (§9.3); undefined once wiped. */
  get dhSecret(): Uint8Array | undefined {
    return this.#dhSecret;
  }

  /** Phase 3 is over on this pair (or never will be): Z is zeroed and dropped. */
  wipeDhSecret(): void {
    this.#dhSecret?.fill(0);
    this.#dhSecret = undefined;
  }

  /** Packets sent (= the last sequence number used). */
  get sent(): number {
    return this.#seq;
  }

  /**
   * Seals the next outbound datagram in `buf`, whose payload the caller wrote at
   * ESP_PAYLOAD_OFFSET (`payloadLength` bytes); returns the datagram length. The caller has
   * checked the hard limits. A throw (a sequence number past 2^53 − 1) uses no number.
   */
  sealInPlace(buf: PacketBuffer, payloadLength: number, nextHeader: EspNextHeader): number {
    const seq = this.#seq + 1;
    const length = this.#out.sealInPlace(buf, payloadLength, nextHeader, seq);
    this.#seq = seq;
    return length;
  }

  /**
   * Opens a datagram on this SA (checkEspDatagram passed, `seq` inferred and pre-checked) into
   * `out`: the ESP plaintext length, or -1 when the ICV fails (esp-packet.ts EspDirection).
   */
  openInto(datagram: Uint8Array, seq: number, out: PacketBuffer): number {
    return this.#in.openInto(datagram, seq, out);
  }

  /** §8: one line per direction, outer addresses as Wireshark matches them. */
  keyLogEntries(local: string, peer: string): EspSaKeyLogEntry[] {
    return [
      { src: peer, dst: local, spi: this.spiIn, suite: this.suite, key: this.#inKey, salt: this.#inSalt },
      { src: local, dst: peer, spi: this.spiOut, suite: this.suite, key: this.#outKey, salt: this.#outSalt },
    ];
  }

  toString(): string {
    return `SaPair in 0x${hex8(this.spiIn)} out 0x${hex8(this.spiOut)} ${SUITE_NAMES[this.suite]} [keys redacted]`;
  }
  toJSON(): string {
    return this.toString();
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

export function hex8(spi: number): string {
  return (spi >>> 0).toString(16).padStart(8, '0');
}
