/**
 * What the key-exchange state machines hand the node that owns the sockets: actions to
 * carry out, and the negotiated keys of an exchange.
 */
import type { SuiteId } from '../suites-ids.js';
import type { PeerAddress } from './address.js';
import type { Keymat } from './key-schedule.js';

/** The result of a completed exchange (docs/protocol.md §5), seen from one side. */
export interface NegotiatedKeys {
  readonly role: 'initiator' | 'responder';
  /** The other side's PIA endpoint (the INIT's source, for a responder). */
  readonly peer: PeerAddress;
  readonly suite: SuiteId;
  /** The initiator's inbound SPI. */
  readonly spiI: number;
  /** The responder's inbound SPI. */
  readonly spiR: number;
  /** The SPI we receive on (ours), and the one we send to (theirs). */
  readonly spiIn: number;
  readonly spiOut: number;
  /** T: names the exchange for phase 3; equal on both sides unless someone sat in between. */
  readonly transcript: Uint8Array;
  /**
   * Z, the X25519 secret of this exchange (a SecretBytes: never printed), kept for phase 3
   * (§9.3: KM3's IKM). The node wipes it (fill(0)) once phase 3 on the pair is over.
   */
  readonly dhSecret: Uint8Array;
  readonly i2r: Keymat;
  readonly r2i: Keymat;
  /** i2r or r2i, whichever we open (inbound) or seal (outbound) with. */
  readonly inbound: Keymat;
  readonly outbound: Keymat;
}

/** Why an exchange ended without keys. */
export type KxFailure =
  /** Initiator: no valid RESP after the last INIT retransmission (§3). */
  | 'no answer'
  /** Initiator: REFUSE 1, or the RESP chose a suite we did not offer. */
  | 'no common suite'
  /** Initiator: REFUSE 3 (the peer does not speak this version). */
  | 'version refused'
  /** Either side: no SPI free after 64 random draws (a bug or an exhausted SPI space). */
  | 'no free SPI'
  /** Responder: no CONFIRM and no verified ESP packet within the half-open lifetime. */
  | 'unconfirmed'
  /** Responder: the same initiator (address, port, SPIi) started over with a new INIT. */
  | 'superseded';

export type KxAction =
  /** Send `bytes` (a whole datagram, marker included) to `to`. */
  | { readonly kind: 'send'; readonly to: PeerAddress; readonly bytes: Uint8Array; readonly message: 'init' | 'resp' | 'confirm' | 'cookie' | 'refuse' }
  /**
   * Responder, on sending RESP: the SA pair may be installed, but inbound traffic on it is
   * accepted only after `established` (a valid CONFIRM, or `confirmedByEsp`) (§5 "Flow").
   */
  | { readonly kind: 'provisional'; readonly keys: NegotiatedKeys }
  /** Keys agreed and confirmed: install (or activate) the SA pair. */
  | { readonly kind: 'established'; readonly keys: NegotiatedKeys }
  /** The exchange ended without keys; `spiIn` is the SPI it had reserved (to release). */
  | { readonly kind: 'failed'; readonly peer: PeerAddress; readonly spiIn: number; readonly reason: KxFailure };

/** Assembles `NegotiatedKeys` for one side; the directions follow from the role. */
export function negotiatedKeys(
  role: NegotiatedKeys['role'],
  fields: Pick<NegotiatedKeys, 'peer' | 'suite' | 'spiI' | 'spiR' | 'transcript' | 'dhSecret' | 'i2r' | 'r2i'>,
): NegotiatedKeys {
  const initiator = role === 'initiator';
  return {
    role,
    ...fields,
    spiIn: initiator ? fields.spiI : fields.spiR,
    spiOut: initiator ? fields.spiR : fields.spiI,
    inbound: initiator ? fields.r2i : fields.i2r,
    outbound: initiator ? fields.i2r : fields.r2i,
  };
}
