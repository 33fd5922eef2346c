/**
 * Key-exchange messages, docs/protocol.md §5. Every message is one UDP datagram:
 *
 *   non-ESP marker 0x00000000 (4) | version 1 (1) | type (1) | flags 0 (1) | reserved 0 (1)
 *   | SPIi (4) | SPIr (4) | body
 *
 *   1 INIT     Ni (32) | g^i (32) | n (1) | n suite ids | c (1) | cookie (c ≤ 32)   SPIr = 0
 *   2 RESP     Nr (32) | g^r (32) | chosen suite (1) | MAC_R (32)                   SPIr ≥ 256
 *   3 CONFIRM  Nr (32) | MAC_I (32)                                                  SPIr ≥ 256
 *   4 COOKIE   cookie (17)                                                           SPIr = 0
 *   5 REFUSE   reason (1): 1 no common suite, 2 rate limited, 3 version              SPIr = 0
 *
 * Must hold:
 * - `decodeKx` throws only `PiaDecodeError`; it checks the marker, version, type, reserved
 *   byte and the flags byte (no flag is defined in version 1: both must be 0, so no bit of a
 *   CONFIRM, whose header no MAC covers, can change unnoticed), SPIs (SPIi ≥ 256 always; SPIr per the table), that the length is exact, suite ids
 *   (INIT: 1–255, no duplicates, unknown ones kept so the responder can skip them; RESP: a
 *   suite this version knows), cookie lengths and REFUSE reasons; it copies at most the
 *   input's size (fields are fixed-size copies of the input);
 * - `encodeKx` output always decodes back to the same message (it checks by decoding);
 * - every message is < 1280 bytes (the largest INIT is 369 bytes).
 */
import { PiaDecodeError } from '../errors.js';
import { isSuiteId, type SuiteId } from '../suites-ids.js';

export const KX_VERSION = 1;
/** Marker (4) + version, type, flags, reserved (4) + SPIi (4) + SPIr (4). */
export const KX_HEADER_BYTES = 16;
export const NONCE_BYTES = 32;
export const PUBLIC_KEY_BYTES = 32;
export const MAC_BYTES = 32;
/** A cookie as this version makes it: version byte + 16 bytes of HMAC (§5 "Cookie"). */
export const COOKIE_BYTES = 17;
/** The longest cookie an INIT may echo (room for a later cookie format). */
export const MAX_INIT_COOKIE_BYTES = 32;
/** SPIs 1–255 are reserved by IANA (RFC 4303 §2.1); 0 means "none". */
export const MIN_SPI = 256;
/** The IPv6 minimum MTU: no key-exchange message may reach it (§3). */
export const KX_MAX_MESSAGE_BYTES = 1279;

/** An INIT's exact length (§5): header 16, Ni 32, g^i 32, suite count, suites, cookie length, cookie. */
export function initBytes(suiteCount: number, cookieBytes = 0): number {
  return KX_HEADER_BYTES + NONCE_BYTES + PUBLIC_KEY_BYTES + 1 + suiteCount + 1 + cookieBytes;
}

export const KxType = { Init: 1, Resp: 2, Confirm: 3, Cookie: 4, Refuse: 5 } as const;
export type KxType = (typeof KxType)[keyof typeof KxType];

export const RefuseReason = { NoCommonSuite: 1, RateLimited: 2, Version: 3 } as const;
export type RefuseReason = (typeof RefuseReason)[keyof typeof RefuseReason];

interface KxHeader {
  /** The initiator's SPI: names the exchange in every message. (No flag is defined in v1.) */
  readonly spiI: number;
}
export interface KxInit extends KxHeader {
  readonly kind: 'init';
  readonly ni: Uint8Array;
  readonly gi: Uint8Array;
  /** Offered suite ids in preference order; may hold ids this version does not know. */
  readonly suites: readonly number[];
  /** Empty when no cookie is echoed. */
  readonly cookie: Uint8Array;
}
export interface KxResp extends KxHeader {
  readonly kind: 'resp';
  readonly spiR: number;
  readonly nr: Uint8Array;
  readonly gr: Uint8Array;
  readonly suite: SuiteId;
  readonly macR: Uint8Array;
}
export interface KxConfirm extends KxHeader {
  readonly kind: 'confirm';
  readonly spiR: number;
  readonly nr: Uint8Array;
  readonly macI: Uint8Array;
}
export interface KxCookie extends KxHeader {
  readonly kind: 'cookie';
  readonly cookie: Uint8Array;
}
export interface KxRefuse extends KxHeader {
  readonly kind: 'refuse';
  readonly reason: RefuseReason;
}
export type KxMessage = KxInit | KxResp | KxConfirm | KxCookie | KxRefuse;

/** True when the datagram starts with the non-ESP marker (RFC 3948 §2.2). */
export function isKxDatagram(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0 && bytes[3] === 0;
}

/** The part of a message the transcript hash covers: from the version byte on (§5). */
export function transcriptPart(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(4);
}

export function encodeKx(msg: KxMessage): Uint8Array {
  checkUint('SPIi', msg.spiI, 0xffffffff);
  if ('spiR' in msg) checkUint('SPIr', msg.spiR, 0xffffffff);
  checkBody(msg);
  const out = new Uint8Array(KX_HEADER_BYTES + bodyLength(msg));
  const view = new DataView(out.buffer);
  out[4] = KX_VERSION;
  out[5] = typeOf(msg);
  view.setUint32(8, msg.spiI);
  view.setUint32(12, 'spiR' in msg ? msg.spiR : 0);
  writeBody(msg, out, KX_HEADER_BYTES);
  try {
    decodeKx(out); // one set of rules for both directions
  } catch (err) {
    if (err instanceof PiaDecodeError) throw new RangeError(`encodeKx: ${err.message}`);
    throw err;
  }
  return out;
}

function typeOf(msg: KxMessage): KxType {
  switch (msg.kind) {
    case 'init': return KxType.Init;
    case 'resp': return KxType.Resp;
    case 'confirm': return KxType.Confirm;
    case 'cookie': return KxType.Cookie;
    case 'refuse': return KxType.Refuse;
  }
}

/** Field sizes and counts, checked before anything is written (a RangeError names the field). */
function checkBody(msg: KxMessage): void {
  switch (msg.kind) {
    case 'init':
      fixed('INIT Ni', msg.ni, NONCE_BYTES);
      fixed('INIT g^i', msg.gi, PUBLIC_KEY_BYTES);
      for (const id of msg.suites) checkUint('INIT suite id', id, 0xff);
      if (msg.suites.length > 255 || msg.cookie.length > MAX_INIT_COOKIE_BYTES) {
        throw new RangeError(`encodeKx: INIT with ${msg.suites.length} suites (max 255) and a ${msg.cookie.length}-byte cookie (max ${MAX_INIT_COOKIE_BYTES})`);
      }
      return;
    case 'resp':
      fixed('RESP Nr', msg.nr, NONCE_BYTES);
      fixed('RESP g^r', msg.gr, PUBLIC_KEY_BYTES);
      fixed('RESP MAC_R', msg.macR, MAC_BYTES);
      return;
    case 'confirm':
      fixed('CONFIRM Nr', msg.nr, NONCE_BYTES);
      fixed('CONFIRM MAC_I', msg.macI, MAC_BYTES);
      return;
    case 'cookie':
      fixed('COOKIE cookie', msg.cookie, COOKIE_BYTES);
      return;
    case 'refuse':
      return;
  }
}

function bodyLength(msg: KxMessage): number {
  switch (msg.kind) {
    case 'init': return NONCE_BYTES + PUBLIC_KEY_BYTES + 1 + msg.suites.length + 1 + msg.cookie.length;
    case 'resp': return BODY_BYTES[KxType.Resp];
    case 'confirm': return BODY_BYTES[KxType.Confirm];
    case 'cookie': return BODY_BYTES[KxType.Cookie];
    case 'refuse': return BODY_BYTES[KxType.Refuse];
  }
}

/** Writes the (checked) body into `out` at `at`, straight from the fields (no intermediate copies). */
function writeBody(msg: KxMessage, out: Uint8Array, at: number): void {
  switch (msg.kind) {
    case 'init':
      out.set(msg.ni, at);
      out.set(msg.gi, at + NONCE_BYTES);
      at += NONCE_BYTES + PUBLIC_KEY_BYTES;
      out[at++] = msg.suites.length;
      for (const id of msg.suites) out[at++] = id;
      out[at++] = msg.cookie.length;
      out.set(msg.cookie, at);
      return;
    case 'resp':
      out.set(msg.nr, at);
      out.set(msg.gr, at + NONCE_BYTES);
      out[at + NONCE_BYTES + PUBLIC_KEY_BYTES] = msg.suite;
      out.set(msg.macR, at + NONCE_BYTES + PUBLIC_KEY_BYTES + 1);
      return;
    case 'confirm':
      out.set(msg.nr, at);
      out.set(msg.macI, at + NONCE_BYTES);
      return;
    case 'cookie':
      out.set(msg.cookie, at);
      return;
    case 'refuse':
      out[at] = msg.reason;
      return;
  }
}

function checkUint(what: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`encodeKx: ${what} must be an integer 0–${max}, got ${v}`);
}

function fixed(what: string, field: Uint8Array, length: number): void {
  if (field.length !== length) throw new RangeError(`encodeKx: ${what} must be ${length} bytes, got ${field.length}`);
}

const WHAT = 'key-exchange message';
const NAMES: Readonly<Record<KxType, string>> = { 1: 'INIT', 2: 'RESP', 3: 'CONFIRM', 4: 'COOKIE', 5: 'REFUSE' };
const BODY_BYTES: Readonly<Record<Exclude<KxType, 1>, number>> = {
  2: NONCE_BYTES + PUBLIC_KEY_BYTES + 1 + MAC_BYTES,
  3: NONCE_BYTES + MAC_BYTES,
  4: COOKIE_BYTES,
  5: 1,
};

export function decodeKx(bytes: Uint8Array): KxMessage {
  if (bytes.length < KX_HEADER_BYTES) throw new PiaDecodeError(WHAT, `truncated: ${bytes.length} bytes, the header alone is ${KX_HEADER_BYTES}`);
  if (bytes.length > KX_MAX_MESSAGE_BYTES) throw new PiaDecodeError(WHAT, `${bytes.length} bytes, more than any message (< 1280)`);
  if (!isKxDatagram(bytes)) throw new PiaDecodeError(WHAT, 'no non-ESP marker (the first 4 bytes must be zero)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(4);
  const type = view.getUint8(5);
  const flags = view.getUint8(6);
  const reserved = view.getUint8(7);
  if (version !== KX_VERSION) throw new PiaDecodeError(WHAT, `version ${version} is not supported (this node speaks ${KX_VERSION})`);
  if (!isKxType(type)) throw new PiaDecodeError(WHAT, `unknown type ${type}${type >= 16 && type <= 31 ? ' (reserved for phase 3)' : ''}`);
  const name = NAMES[type];
  if (flags !== 0) throw new PiaDecodeError(name, `flags are 0x${flags.toString(16)}, but version 1 defines none (must be 0)`);
  if (reserved !== 0) throw new PiaDecodeError(name, `reserved byte is ${reserved}, must be 0`);
  const spiI = view.getUint32(8);
  const spiR = view.getUint32(12);
  if (spiI < MIN_SPI) throw new PiaDecodeError(name, `SPIi ${spiI} is not a valid SPI (0–255 are reserved)`);
  const wantsSpiR = type === KxType.Resp || type === KxType.Confirm;
  if (wantsSpiR && spiR < MIN_SPI) throw new PiaDecodeError(name, `SPIr ${spiR} is not a valid SPI (0–255 are reserved)`);
  if (!wantsSpiR && spiR !== 0) throw new PiaDecodeError(name, `SPIr must be 0, got ${spiR}`);
  if (type === KxType.Init) return decodeInit(bytes, spiI);
  const want = KX_HEADER_BYTES + BODY_BYTES[type];
  if (bytes.length !== want) throw new PiaDecodeError(name, `${bytes.length} bytes, must be exactly ${want}`);
  const at = (offset: number, length: number): Uint8Array => bytes.slice(KX_HEADER_BYTES + offset, KX_HEADER_BYTES + offset + length);
  switch (type) {
    case KxType.Resp: {
      const suite = view.getUint8(KX_HEADER_BYTES + 64);
      if (!isSuiteId(suite)) throw new PiaDecodeError(name, `chosen suite ${suite} is not a known suite (1 AES-256-GCM, 2 ChaCha20-Poly1305)`);
      return { kind: 'resp', spiI, spiR, nr: at(0, 32), gr: at(32, 32), suite, macR: at(65, 32) };
    }
    case KxType.Confirm:
      return { kind: 'confirm', spiI, spiR, nr: at(0, 32), macI: at(32, 32) };
    case KxType.Cookie:
      return { kind: 'cookie', spiI, cookie: at(0, COOKIE_BYTES) };
    case KxType.Refuse: {
      const reason = view.getUint8(KX_HEADER_BYTES);
      if (reason < 1 || reason > 3) throw new PiaDecodeError(name, `unknown reason code ${reason} (1 no common suite, 2 rate limited, 3 version)`);
      return { kind: 'refuse', spiI, reason: reason as RefuseReason };
    }
  }
}

function isKxType(n: number): n is KxType {
  return n >= KxType.Init && n <= KxType.Refuse;
}

function decodeInit(bytes: Uint8Array, spiI: number): KxInit {
  const H = KX_HEADER_BYTES;
  const suitesAt = H + NONCE_BYTES + PUBLIC_KEY_BYTES;
  if (bytes.length < suitesAt + 1) throw new PiaDecodeError('INIT', `truncated: ${bytes.length} bytes, need at least ${suitesAt + 2}`);
  const n = bytes[suitesAt] ?? 0;
  if (n === 0) throw new PiaDecodeError('INIT', 'offers no suite (suite count is 0)');
  const cookieLengthAt = suitesAt + 1 + n;
  if (bytes.length < cookieLengthAt + 1) throw new PiaDecodeError('INIT', `truncated: ${bytes.length} bytes, ${n} suites need at least ${cookieLengthAt + 1}`);
  const c = bytes[cookieLengthAt] ?? 0;
  if (c > MAX_INIT_COOKIE_BYTES) throw new PiaDecodeError('INIT', `cookie of ${c} bytes, at most ${MAX_INIT_COOKIE_BYTES}`);
  const want = cookieLengthAt + 1 + c;
  if (bytes.length !== want) throw new PiaDecodeError('INIT', `${bytes.length} bytes, must be exactly ${want} for ${n} suites and a ${c}-byte cookie`);
  const suites = Array.from(bytes.subarray(suitesAt + 1, cookieLengthAt));
  const seen = new Set<number>();
  for (const id of suites) {
    if (id === 0) throw new PiaDecodeError('INIT', 'suite id 0 is not a suite');
    if (seen.has(id)) throw new PiaDecodeError('INIT', `suite id ${id} is offered twice`);
    seen.add(id);
  }
  return {
    kind: 'init',
    spiI,
    ni: bytes.slice(H, H + NONCE_BYTES),
    gi: bytes.slice(H + NONCE_BYTES, suitesAt),
    suites,
    cookie: bytes.slice(cookieLengthAt + 1, want),
  };
}
