/**
 * Phase-3 keys and MACs, docs/protocol.md §9.3 and §9.8:
 *
 *   1. MAC_A = HMAC(K_A, "PIA-v1 p3 req" | "I" | ID_A | ID_B* | T | N_A)
 *      MAC_B = HMAC(K_B, "PIA-v1 p3 req" | "R" | ID_B | ID_A | T | N_B | N_A)
 *   2. W_A = HMAC(K_A, "PIA-v1 p3 wrap" | "I" | T | N_A),  W_B = HMAC(K_B, "PIA-v1 p3 wrap" | "R" | T | N_B)
 *   3. ticket = nonce (12, random) | ChaCha20-Poly1305(W, nonce, P, AAD) (ciphertext | tag 16)
 *      AAD_A = "PIA-v1 p3 resp" | "I" | ID_A | ID_B* | T | N_A | status
 *      AAD_B = "PIA-v1 p3 resp" | "R" | ID_B | ID_A | T | N_B | status
 *   4. KM3 = HKDF-SHA256(salt = K_AB, IKM = Z, info = "PIA-v1 p3 keys" | T | SPI_A' | SPI_B', 136),
 *      split as §5's KM: K_mac_r, K_mac_i, KEYMAT_i2r, KEYMAT_r2i
 *   5. MAC_FR = HMAC(K_mac_r, "PIA-v1 p3 fin" | "R" | T | N_A | SPI_A' | SPI_B'), MAC_FI with K_mac_i and "I"
 *   6. W_E = HMAC(K_E, "PIA-v1 enroll" | "I" | T | N_E), W_E' the same with "R";
 *      AAD "PIA-v1 enroll" | "I" | ID_E | T | N_E, and for the result "R" … | status
 *
 * Must hold: a long-term key is touched only through `NodeKey.hmac` (§9.1); W, K_AB, KM3 and
 * the MAC keys never leave this module except as Keymat objects and 32-byte MACs; every seal
 * draws a fresh nonce, so a key W used twice (S answering a retransmitted P3_VOUCH afresh)
 * never repeats a nonce; MACs are compared in constant time.
 */
import { SuiteId } from '../suites-ids.js';
import { nodeAead } from '../esp/aead-node.js';
import { Keymat, KEYMAT_BYTES, hkdfSha256, hmacSha256, macEquals } from '../handshake/key-schedule.js';
import type { KxRandom } from '../handshake/random.js';
import { SEAL_NONCE_BYTES, SEAL_OVERHEAD } from './sizes.js';
import type { NodeId, NodeKey, P3Status } from './types.js';

const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'ascii'));
export const LABELS = {
  req: ascii('PIA-v1 p3 req'),
  wrap: ascii('PIA-v1 p3 wrap'),
  resp: ascii('PIA-v1 p3 resp'),
  keys: ascii('PIA-v1 p3 keys'),
  fin: ascii('PIA-v1 p3 fin'),
  enroll: ascii('PIA-v1 enroll'),
} as const;
export type Role = 'I' | 'R';
const ROLE: Readonly<Record<Role, Uint8Array>> = { I: ascii('I'), R: ascii('R') };

const chacha = nodeAead(SuiteId.ChaCha20Poly1305);
const KM3_BYTES = 64 + 2 * KEYMAT_BYTES;

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const u32 = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v);
  return b;
};

export function macA(keyA: NodeKey, idA: NodeId, idBStar: NodeId, t: Uint8Array, nA: Uint8Array): Promise<Uint8Array> {
  return keyA.hmac(concat(LABELS.req, ROLE.I, idA, idBStar, t, nA));
}

export function macB(keyB: NodeKey, idB: NodeId, idA: NodeId, t: Uint8Array, nB: Uint8Array, nA: Uint8Array): Promise<Uint8Array> {
  return keyB.hmac(concat(LABELS.req, ROLE.R, idB, idA, t, nB, nA));
}

/** W_A (role "I", nonce N_A) or W_B (role "R", nonce N_B): a key for one exchange only. */
export function wrapKey(key: NodeKey, role: Role, t: Uint8Array, nonce: Uint8Array): Promise<Uint8Array> {
  return key.hmac(concat(LABELS.wrap, ROLE[role], t, nonce));
}

/** AAD of ticket_A (role "I": ID_A, ID_B*, N_A) or ticket_B (role "R": ID_B, ID_A, N_B). */
export function ticketAad(role: Role, ownId: NodeId, otherId: NodeId, t: Uint8Array, nonce: Uint8Array, status: P3Status): Uint8Array {
  return concat(LABELS.resp, ROLE[role], ownId, otherId, t, nonce, Uint8Array.of(status));
}

/** nonce (fresh, 12) | ciphertext | tag (16), ChaCha20-Poly1305 (RFC 8439) under `key`. */
export function seal(key: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, random: KxRandom): Uint8Array {
  const nonce = random.bytes(SEAL_NONCE_BYTES);
  const out = new Uint8Array(SEAL_NONCE_BYTES + plaintext.length + 16);
  out.set(nonce, 0);
  chacha.seal(key, nonce, aad, plaintext, out.subarray(SEAL_NONCE_BYTES));
  return out;
}

/** The plaintext, or undefined when the seal does not verify (or is too short to be one). */
export function open(key: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  if (sealed.length < SEAL_OVERHEAD) return undefined;
  return chacha.open(key, sealed.subarray(0, SEAL_NONCE_BYTES), aad, sealed.subarray(SEAL_NONCE_BYTES));
}

/** What KM3 yields (§9.3 steps 4–5): the phase-3 pair's keys and both key-confirmation MACs. */
export interface Phase3Session {
  readonly i2r: Keymat;
  readonly r2i: Keymat;
  /** MAC_FR (B → A) and MAC_FI (A → B). */
  readonly macFR: Uint8Array;
  readonly macFI: Uint8Array;
}

export function phase3Session(z: Uint8Array, kAB: Uint8Array, t: Uint8Array, nA: Uint8Array, spiA: number, spiB: number): Phase3Session {
  const spis = concat(u32(spiA), u32(spiB));
  const km = hkdfSha256(z, kAB, concat(LABELS.keys, t, spis), KM3_BYTES);
  const kMacR = km.subarray(0, 32);
  const kMacI = km.subarray(32, 64);
  const session: Phase3Session = {
    i2r: new Keymat(km.subarray(64, 100)),
    r2i: new Keymat(km.subarray(100, 136)),
    macFR: hmacSha256(kMacR, LABELS.fin, ROLE.R, t, nA, spis),
    macFI: hmacSha256(kMacI, LABELS.fin, ROLE.I, t, nA, spis),
  };
  km.fill(0);
  return session;
}

/** W_E (station → S, role "I") or W_E' (S → station, role "R") (§9.8). */
export function enrollKey(keyE: NodeKey, role: Role, t: Uint8Array, nE: Uint8Array): Promise<Uint8Array> {
  return keyE.hmac(concat(LABELS.enroll, ROLE[role], t, nE));
}

/** AAD of the sealed request ("I", no status) or result ("R", with the status byte). */
export function enrollAad(role: Role, idE: NodeId, t: Uint8Array, nE: Uint8Array, status?: P3Status): Uint8Array {
  return concat(LABELS.enroll, ROLE[role], idE, t, nE, status === undefined ? new Uint8Array(0) : Uint8Array.of(status));
}

export { macEquals };
