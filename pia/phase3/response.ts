/**
 * B's answers to A (docs/protocol.md §9.4), shared by the voucher (B) and the trusted server
 * answering a P3_REQ itself (S in B's place):
 *
 *   granted: KM3 from Z, K_AB, T and both SPIs; P3_RESP(N_A, 0, 0, SPI_B', ticket_A, MAC_FR);
 *            B's keys (r side: inbound KEYMAT_i2r on SPI_B', outbound KEYMAT_r2i to SPI_A');
 *            MAC_FI kept to check A's P3_FIN
 *   denied:  P3_RESP(N_A, 1, reason, 0, ticket_A as S sealed it, or empty)
 *   pending: P3_RESP(N_A, 2, 0, 0, empty)
 *
 * Must hold: K_AB is wiped here once KM3 is derived.
 */
import { phase3Session } from './crypto.js';
import { encodeP3, type P3Req } from './messages.js';
import { P3Status, type P3Reason, type PeerVouched, type Phase3Keys } from './types.js';

export interface GrantedResponse {
  readonly resp: Uint8Array;
  readonly keys: Phase3Keys;
  /** The MAC_FI a genuine P3_FIN carries. */
  readonly macFI: Uint8Array;
}

export function grantedResponse(a: {
  readonly req: P3Req;
  readonly transcript: Uint8Array;
  readonly dhSecret: Uint8Array;
  readonly kAB: Uint8Array;
  readonly spiB: number;
  readonly ticketA: Uint8Array;
  readonly vouched: PeerVouched;
  readonly receivedAt: number;
}): GrantedResponse {
  const session = phase3Session(a.dhSecret, a.kAB, a.transcript, a.req.nA, a.req.spiA, a.spiB);
  a.kAB.fill(0);
  const resp = encodeP3({ kind: 'resp', nA: a.req.nA, status: P3Status.Granted, reason: 0, spiB: a.spiB, ticketA: a.ticketA, macFR: session.macFR });
  const keys: Phase3Keys = {
    role: 'responder',
    spiIn: a.spiB,
    spiOut: a.req.spiA,
    inbound: session.i2r,
    outbound: session.r2i,
    vouched: a.vouched,
    receivedAt: a.receivedAt,
  };
  return { resp, keys, macFI: session.macFI };
}

export function deniedResponse(nA: Uint8Array, reason: P3Reason, ticketA: Uint8Array): Uint8Array {
  return encodeP3({ kind: 'resp', nA, status: P3Status.Denied, reason, spiB: 0, ticketA, macFR: new Uint8Array(0) });
}

export function pendingResponse(nA: Uint8Array): Uint8Array {
  return encodeP3({ kind: 'resp', nA, status: P3Status.Pending, reason: 0, spiB: 0, ticketA: new Uint8Array(0), macFR: new Uint8Array(0) });
}
