/** The decoded shapes of the §9.2 phase-3 messages (codec: messages.ts). */
import type { NodeId, P3Reason, P3Status } from './types.js';

export const P3Type = { Req: 16, Vouch: 17, Verdict: 18, Resp: 19, Fin: 20, Enroll: 21, EnrollResult: 22 } as const;
export type P3Type = (typeof P3Type)[keyof typeof P3Type];

export const P3_TYPE_NAMES: Readonly<Record<P3Type, string>> = {
  16: 'P3_REQ', 17: 'P3_VOUCH', 18: 'P3_VERDICT', 19: 'P3_RESP', 20: 'P3_FIN', 21: 'ENROLL', 22: 'ENROLL_RESULT',
};

export function isP3Type(n: number): n is P3Type {
  return n >= P3Type.Req && n <= P3Type.EnrollResult;
}

export interface P3Req {
  readonly kind: 'req';
  readonly nA: Uint8Array;
  readonly idA: NodeId;
  /** The partner A expects, or all-zero for "any". */
  readonly idBStar: NodeId;
  /** SPI_A': A's inbound SPI for the phase-3 pair. */
  readonly spiA: number;
  readonly macA: Uint8Array;
}

export interface P3Vouch {
  readonly kind: 'vouch';
  /** T as B saw it. */
  readonly t: Uint8Array;
  readonly nA: Uint8Array;
  readonly idA: NodeId;
  readonly idBStar: NodeId;
  readonly macA: Uint8Array;
  readonly nB: Uint8Array;
  readonly idB: NodeId;
  readonly macB: Uint8Array;
}

export interface P3Verdict {
  readonly kind: 'verdict';
  readonly nB: Uint8Array;
  readonly t: Uint8Array;
  /** Granted or denied (never pending). */
  readonly status: P3Status;
  readonly reason: P3Reason;
  /** Sealed for A, or empty (denied before S could verify A's MAC). */
  readonly ticketA: Uint8Array;
  /** Sealed for B, or empty (denied before S could verify B's MAC: unauthenticated). */
  readonly ticketB: Uint8Array;
}

export interface P3Resp {
  readonly kind: 'resp';
  readonly nA: Uint8Array;
  readonly status: P3Status;
  readonly reason: P3Reason;
  /** SPI_B' (granted), else 0. */
  readonly spiB: number;
  readonly ticketA: Uint8Array;
  /** 32 bytes when granted, else empty. */
  readonly macFR: Uint8Array;
}

export interface P3Fin {
  readonly kind: 'fin';
  readonly nA: Uint8Array;
  readonly macFI: Uint8Array;
}

export interface P3Enroll {
  readonly kind: 'enroll';
  readonly nE: Uint8Array;
  /** The station's ID. */
  readonly idE: NodeId;
  readonly sealed: Uint8Array;
}

export interface P3EnrollResult {
  readonly kind: 'enroll-result';
  readonly nE: Uint8Array;
  readonly status: P3Status;
  readonly reason: P3Reason;
  /** Sealed result, or empty (denied before S could authenticate the station). */
  readonly sealed: Uint8Array;
}

export type P3Message = P3Req | P3Vouch | P3Verdict | P3Resp | P3Fin | P3Enroll | P3EnrollResult;
