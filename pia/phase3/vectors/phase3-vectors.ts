/**
 * Computes the phase-3 regression vectors from pinned inputs with this implementation (§9.3,
 * §9.8). `generate-phase3.ts` writes the result to phase3.json; crypto.test.ts recomputes it and
 * checks parts of it a second way.
 */
import { hex, unhex } from '../../handshake/test-support/index.js';
import type { KxRandom } from '../../handshake/random.js';
import { enrollAad, enrollKey, macA, macB, phase3Session, seal, ticketAad, wrapKey } from '../crypto.js';
import { encodeEnrollRequest, encodeEnrollResult } from '../enroll-json.js';
import { encodeP3 } from '../messages.js';
import { fileNodeKey } from '../node-key.js';
import { encodeGrantedTicket } from '../ticket.js';
import type { TicketGrant } from '../types.js';

export interface Phase3Inputs {
  readonly kA: string;
  readonly kB: string;
  readonly idA: string;
  readonly idB: string;
  readonly idBStar: string;
  readonly t: string;
  readonly nA: string;
  readonly nB: string;
  readonly z: string;
  readonly kAB: string;
  readonly spiA: number;
  readonly spiB: number;
  readonly sealNonceA: string;
  readonly sealNonceB: string;
  readonly lifetimeS: number;
  readonly labelA: string;
  readonly labelB: string;
  readonly grants: readonly TicketGrant[];
  readonly kE: string;
  readonly idE: string;
  readonly nE: string;
  readonly sealNonceE: string;
  readonly sealNonceE2: string;
  readonly enrollRequestId: string;
  readonly enrolledId: string;
  readonly enrolledKey: string;
}

export interface Phase3Outputs {
  readonly macA: string;
  readonly macB: string;
  readonly wA: string;
  readonly wB: string;
  readonly plaintextA: string;
  readonly aadA: string;
  readonly ticketA: string;
  readonly ticketB: string;
  readonly i2r: string;
  readonly r2i: string;
  readonly macFR: string;
  readonly macFI: string;
  readonly p3Req: string;
  readonly p3Vouch: string;
  readonly p3Verdict: string;
  readonly p3Resp: string;
  readonly p3Fin: string;
  readonly wE: string;
  readonly wE2: string;
  readonly enroll: string;
  readonly enrollResult: string;
}

export const fixedRandom = (...chunks: string[]): KxRandom => {
  const queue = chunks.map(unhex);
  return {
    bytes: (n) => {
      const next = queue.shift();
      if (next?.length !== n) throw new Error(`fixedRandom: asked for ${n} bytes, have ${next?.length ?? 'none'}`);
      return next;
    },
  };
};

export async function computePhase3(v: Phase3Inputs): Promise<Phase3Outputs> {
  const [kA, kB, kE] = [fileNodeKey(unhex(v.kA)), fileNodeKey(unhex(v.kB)), fileNodeKey(unhex(v.kE))];
  const [idA, idB, idBStar, t, nA, nB] = [v.idA, v.idB, v.idBStar, v.t, v.nA, v.nB].map(unhex) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  const mA = await macA(kA, idA, idBStar, t, nA);
  const mB = await macB(kB, idB, idA, t, nB, nA);
  const wA = await wrapKey(kA, 'I', t, nA);
  const wB = await wrapKey(kB, 'R', t, nB);
  const pA = encodeGrantedTicket({ kAB: unhex(v.kAB), peerId: idB, peerKind: 'gateway', lifetimeS: v.lifetimeS, label: v.labelB, grants: v.grants });
  const pB = encodeGrantedTicket({ kAB: unhex(v.kAB), peerId: idA, peerKind: 'operator', lifetimeS: v.lifetimeS, label: v.labelA, grants: v.grants });
  const aadA = ticketAad('I', idA, idBStar, t, nA, 0);
  const ticketA = seal(wA, aadA, pA, fixedRandom(v.sealNonceA));
  const ticketB = seal(wB, ticketAad('R', idB, idA, t, nB, 0), pB, fixedRandom(v.sealNonceB));
  const s = phase3Session(unhex(v.z), unhex(v.kAB), t, nA, v.spiA, v.spiB);
  const idE = unhex(v.idE);
  const nE = unhex(v.nE);
  const wE = await enrollKey(kE, 'I', t, nE);
  const wE2 = await enrollKey(kE, 'R', t, nE);
  const request = encodeEnrollRequest({ op: 'generate', requestId: v.enrollRequestId, label: 'board-0001', kind: 'gateway' });
  const result = encodeEnrollResult({ id: unhex(v.enrolledId), key: unhex(v.enrolledKey), created: true });
  const enrollSealed = seal(wE, enrollAad('I', idE, t, nE), request, fixedRandom(v.sealNonceE));
  const resultSealed = seal(wE2, enrollAad('R', idE, t, nE, 0), result, fixedRandom(v.sealNonceE2));
  return {
    macA: hex(mA),
    macB: hex(mB),
    wA: hex(wA),
    wB: hex(wB),
    plaintextA: hex(pA),
    aadA: hex(aadA),
    ticketA: hex(ticketA),
    ticketB: hex(ticketB),
    i2r: hex(s.i2r.bytes),
    r2i: hex(s.r2i.bytes),
    macFR: hex(s.macFR),
    macFI: hex(s.macFI),
    p3Req: hex(encodeP3({ kind: 'req', nA, idA, idBStar, spiA: v.spiA, macA: mA })),
    p3Vouch: hex(encodeP3({ kind: 'vouch', t, nA, idA, idBStar, macA: mA, nB, idB, macB: mB })),
    p3Verdict: hex(encodeP3({ kind: 'verdict', nB, t, status: 0, reason: 0, ticketA, ticketB })),
    p3Resp: hex(encodeP3({ kind: 'resp', nA, status: 0, reason: 0, spiB: v.spiB, ticketA, macFR: s.macFR })),
    p3Fin: hex(encodeP3({ kind: 'fin', nA, macFI: s.macFI })),
    wE: hex(wE),
    wE2: hex(wE2),
    enroll: hex(encodeP3({ kind: 'enroll', nE, idE, sealed: enrollSealed })),
    enrollResult: hex(encodeP3({ kind: 'enroll-result', nE, status: 0, reason: 0, sealed: resultSealed })),
  };
}

/** The pinned inputs (arbitrary but fixed; IDs in the RFC 9562 v4 layout). */
export const PHASE3_INPUTS: Phase3Inputs = {
  kA: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
  kB: '202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f',
  idA: '3f2504e04f8941d39a0c0305e82c3301',
  idB: '7d444840a9f4493fb2e44e1cd7a3d1a5',
  idBStar: '00000000000000000000000000000000',
  t: 'a1'.repeat(32),
  nA: 'b2'.repeat(32),
  nB: 'c3'.repeat(32),
  z: 'd4'.repeat(32),
  kAB: 'e5'.repeat(32),
  spiA: 0x0000a001,
  spiB: 0x0000b002,
  sealNonceA: '0102030405060708090a0b0c',
  sealNonceB: '1112131415161718191a1b1c',
  lifetimeS: 600,
  labelA: 'alice',
  labelB: 'rack-gw-1',
  grants: [{ id: 'g-1', devices: 'rack1-*', rights: ['read', 'call:reboot'], validS: 600 }],
  kE: '404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f',
  idE: '9b2e5c1a0f7d4e8ab3c6d9e2f1a4b7c8',
  nE: 'f6'.repeat(32),
  sealNonceE: '2122232425262728292a2b2c',
  sealNonceE2: '3132333435363738393a3b3c',
  enrollRequestId: '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f',
  enrolledId: '0a1b2c3d4e5f40718293a4b5c6d7e8f9',
  enrolledKey: '606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f',
};
