/**
 * Phase-3 keys, MACs and tickets (§9.3, §9.8) against pinned regression vectors
 * (vectors/phase3.json, self-generated: see vectors/README.md), cross-checked a second way:
 * MAC_A and W_A with HMAC written out over SHA-256 (RFC 2104, node:crypto createHash only),
 * ticket_A opened with @noble/ciphers' ChaCha20-Poly1305 (not OpenSSL), KM3 through RFC 5869
 * Extract/Expand written out. Every vector test also shows that a flipped bit in the key, T,
 * a nonce, the role label or a ticket byte is rejected (or changes the result).
 */
import { createHash } from 'node:crypto';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { describe, it, expect } from 'vitest';
import { hkdfExpandReference, hkdfExtractReference, flipBit, hex, unhex } from '../handshake/test-support/index.js';
import { LABELS, enrollAad, enrollKey, macA, macB, open, phase3Session, ticketAad, wrapKey } from './crypto.js';
import { decodeEnrollRequest, decodeEnrollResult } from './enroll-json.js';
import { decodeP3 } from './messages.js';
import { fileNodeKey } from './node-key.js';
import { decodeGrantedTicket } from './ticket.js';
import vectors from './vectors/phase3.json' with { type: 'json' };
import { computePhase3, type Phase3Inputs } from './vectors/phase3-vectors.js';

const v = vectors.inputs as Phase3Inputs;
const out = vectors.outputs;
const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'ascii'));
const cat = (...p: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(p));

/** HMAC-SHA256 from the RFC 2104 definition: H(K ⊕ opad | H(K ⊕ ipad | m)). */
function hmacByHand(key: Uint8Array, message: Uint8Array): Uint8Array {
  const block = new Uint8Array(64);
  block.set(key.length > 64 ? createHash('sha256').update(key).digest() : key);
  const ipad = block.map((b) => b ^ 0x36);
  const opad = block.map((b) => b ^ 0x5c);
  const inner = createHash('sha256').update(ipad).update(message).digest();
  return new Uint8Array(createHash('sha256').update(opad).update(inner).digest());
}

describe('phase-3 regression vectors', () => {
  it('this implementation still computes every pinned output', async () => {
    expect(await computePhase3(v)).toEqual(out);
  });

  it('the messages decode to the vector fields', () => {
    expect(decodeP3(unhex(out.p3Req))).toMatchObject({ kind: 'req', spiA: v.spiA, macA: unhex(out.macA) });
    expect(decodeP3(unhex(out.p3Resp))).toMatchObject({ kind: 'resp', spiB: v.spiB, ticketA: unhex(out.ticketA), macFR: unhex(out.macFR) });
    expect(unhex(out.p3Req)).toHaveLength(102);
    expect(unhex(out.p3Vouch)).toHaveLength(210);
  });
});

describe('cross-checked a second way', () => {
  const kA = unhex(v.kA);
  const [idA, idB, idBStar, t, nA, nB] = [v.idA, v.idB, v.idBStar, v.t, v.nA, v.nB].map(unhex) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];

  it('MAC_A, MAC_B and W_A by hand (RFC 2104 over SHA-256)', () => {
    expect(hex(hmacByHand(kA, cat(ascii('PIA-v1 p3 req'), ascii('I'), idA, idBStar, t, nA)))).toBe(out.macA);
    expect(hex(hmacByHand(unhex(v.kB), cat(ascii('PIA-v1 p3 req'), ascii('R'), idB, idA, t, nB, nA)))).toBe(out.macB);
    expect(hex(hmacByHand(kA, cat(ascii('PIA-v1 p3 wrap'), ascii('I'), t, nA)))).toBe(out.wA);
    expect(hex(hmacByHand(unhex(v.kE), cat(ascii('PIA-v1 enroll'), ascii('R'), t, unhex(v.nE))))).toBe(out.wE2);
  });

  it('ticket_A opens with @noble/ciphers under W_A and the §9.3 AAD, and carries the §9.3 plaintext', () => {
    const ticket = unhex(out.ticketA);
    const aad = cat(ascii('PIA-v1 p3 resp'), ascii('I'), idA, idBStar, t, nA, Uint8Array.of(0));
    expect(hex(aad)).toBe(out.aadA);
    const plain = chacha20poly1305(unhex(out.wA), ticket.subarray(0, 12), aad).decrypt(ticket.subarray(12));
    expect(hex(plain)).toBe(out.plaintextA);
    // K_AB | peer ID | kind 1 (gateway) | lifetime | JSON length | JSON
    expect(hex(plain.subarray(0, 32))).toBe(v.kAB);
    expect(hex(plain.subarray(32, 48))).toBe(v.idB);
    expect(plain[48]).toBe(1);
    expect(Buffer.from(plain.subarray(49, 53)).readUInt32BE(0)).toBe(600);
    expect(JSON.parse(Buffer.from(plain.subarray(55)).toString('utf8'))).toEqual({ label: 'rack-gw-1', grants: v.grants });
  });

  it('KM3, MAC_FR and MAC_FI from RFC 5869 Extract/Expand and HMAC written out', () => {
    const spis = Uint8Array.of(0, 0, 0xa0, 0x01, 0, 0, 0xb0, 0x02);
    const prk = hkdfExtractReference(unhex(v.kAB), unhex(v.z));
    const km = hkdfExpandReference(prk, cat(ascii('PIA-v1 p3 keys'), t, spis), 136);
    expect(hex(km.subarray(64, 100))).toBe(out.i2r);
    expect(hex(km.subarray(100, 136))).toBe(out.r2i);
    expect(hex(hmacByHand(km.subarray(0, 32), cat(ascii('PIA-v1 p3 fin'), ascii('R'), t, nA, spis)))).toBe(out.macFR);
    expect(hex(hmacByHand(km.subarray(32, 64), cat(ascii('PIA-v1 p3 fin'), ascii('I'), t, nA, spis)))).toBe(out.macFI);
  });
});

describe('a flipped bit is rejected or changes the result', () => {
  const [idA, idB, idBStar, t, nA, nB] = [v.idA, v.idB, v.idBStar, v.t, v.nA, v.nB].map(unhex) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  const wA = unhex(out.wA);
  const aad = ticketAad('I', idA, idBStar, t, nA, 0);
  const ticket = unhex(out.ticketA);

  it('MAC_A and W_A change with the key, T, N_A and the role label', async () => {
    const key = fileNodeKey(unhex(v.kA));
    expect(hex(await macA(fileNodeKey(flipBit(unhex(v.kA), 0)), idA, idBStar, t, nA))).not.toBe(out.macA);
    expect(hex(await macA(key, idA, idBStar, flipBit(t, 31), nA))).not.toBe(out.macA);
    expect(hex(await macA(key, idA, idBStar, t, flipBit(nA, 5)))).not.toBe(out.macA);
    // the same fields under the other role label ("R" instead of "I") are a different MAC
    expect(hex(await key.hmac(cat(LABELS.req, ascii('R'), idA, idBStar, t, nA)))).not.toBe(out.macA);
    expect(hex(await wrapKey(key, 'R', t, nA))).not.toBe(out.wA);
    expect(hex(await macB(fileNodeKey(unhex(v.kB)), idB, idA, t, flipBit(nB, 0), nA))).not.toBe(out.macB);
  });

  it('ticket_A does not open with a flipped bit in W, the ticket, its nonce, T, N_A, the role or the status', () => {
    expect(open(wA, aad, ticket)).toBeDefined();
    expect(open(flipBit(wA, 7), aad, ticket)).toBeUndefined();
    for (const at of [0, 11, 12, 40, ticket.length - 16, ticket.length - 1]) expect(open(wA, aad, flipBit(ticket, at, 6))).toBeUndefined();
    expect(open(wA, ticketAad('I', idA, idBStar, flipBit(t, 0), nA, 0), ticket)).toBeUndefined();
    expect(open(wA, ticketAad('I', idA, idBStar, t, flipBit(nA, 31), 0), ticket)).toBeUndefined();
    expect(open(wA, ticketAad('R', idA, idBStar, t, nA, 0), ticket)).toBeUndefined();
    expect(open(wA, ticketAad('I', idA, idBStar, t, nA, 1), ticket)).toBeUndefined();
    expect(open(wA, ticketAad('I', idA, idB, t, nA, 0), ticket)).toBeUndefined(); // ID_B* is bound
    expect(chacha20poly1305(wA, ticket.subarray(0, 12), aad).decrypt(ticket.subarray(12))).toBeDefined();
    expect(() => chacha20poly1305(wA, flipBit(ticket.subarray(0, 12), 0), aad).decrypt(ticket.subarray(12))).toThrow();
    const plain = open(wA, aad, ticket)!;
    expect(decodeGrantedTicket(plain).label).toBe('rack-gw-1');
  });

  it('KM3 and the fin MACs change with Z, K_AB, T and either SPI; MAC_FR ≠ MAC_FI', () => {
    const base = phase3Session(unhex(v.z), unhex(v.kAB), t, nA, v.spiA, v.spiB);
    expect(hex(base.macFR)).toBe(out.macFR);
    expect(hex(base.macFR)).not.toBe(hex(base.macFI));
    for (const s of [
      phase3Session(flipBit(unhex(v.z), 0), unhex(v.kAB), t, nA, v.spiA, v.spiB),
      phase3Session(unhex(v.z), flipBit(unhex(v.kAB), 9), t, nA, v.spiA, v.spiB),
      phase3Session(unhex(v.z), unhex(v.kAB), flipBit(t, 3), nA, v.spiA, v.spiB),
      phase3Session(unhex(v.z), unhex(v.kAB), t, nA, v.spiA ^ 1, v.spiB),
      phase3Session(unhex(v.z), unhex(v.kAB), t, nA, v.spiA, v.spiB ^ 0x100),
    ]) {
      expect(hex(s.i2r.bytes)).not.toBe(out.i2r);
      expect(hex(s.macFR)).not.toBe(out.macFR);
    }
  });

  it('the enrollment seals open only with W_E / W_E\' and their own AAD (role, ID_E, status)', async () => {
    const kE = fileNodeKey(unhex(v.kE));
    const [idE, nE] = [unhex(v.idE), unhex(v.nE)];
    const enroll = decodeP3(unhex(out.enroll));
    const result = decodeP3(unhex(out.enrollResult));
    if (enroll.kind !== 'enroll' || result.kind !== 'enroll-result') throw new Error('vector messages');
    const wE = await enrollKey(kE, 'I', t, nE);
    expect(hex(wE)).toBe(out.wE);
    const request = open(wE, enrollAad('I', idE, t, nE), enroll.sealed);
    expect(decodeEnrollRequest(request!)).toMatchObject({ op: 'generate', label: 'board-0001', kind: 'gateway' });
    const wE2 = await enrollKey(kE, 'R', t, nE);
    expect(decodeEnrollResult(open(wE2, enrollAad('R', idE, t, nE, 0), result.sealed)!)).toMatchObject({ created: true });
    expect(open(wE2, enrollAad('I', idE, t, nE), enroll.sealed)).toBeUndefined(); // the other role's key
    expect(open(wE2, enrollAad('R', idE, t, nE, 1), result.sealed)).toBeUndefined(); // status bound
    expect(open(wE, enrollAad('I', flipBit(idE, 0), t, nE), enroll.sealed)).toBeUndefined();
    expect(open(wE, enrollAad('I', idE, t, nE), flipBit(enroll.sealed, 3))).toBeUndefined();
  });
});
