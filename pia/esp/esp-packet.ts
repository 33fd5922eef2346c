/**
 * ESP packets as PIA sends them (docs/protocol.md §6; RFC 4303, RFC 4106 §3–5, RFC 7634 §2–3):
 *
 *   SPI (4) | sequence number, low 32 bits (4) | IV (8) | ciphertext | ICV (16)
 *   plaintext = payload | padding 1, 2, 3, … | pad length (1) | next header (1)
 *
 * Outbound (sealEsp):
 *   1. pad so that the plaintext length is a multiple of 4 (RFC 4303 §2.4), pad bytes 1, 2, 3…;
 *   2. write SPI, low 32 bits of the sequence number, and IV = the 64-bit sequence number
 *      (unique per key, RFC 4106 §3.1) into one buffer, with the plaintext after them;
 *   3. nonce = salt (4) | IV (8); AAD = SPI | seq high 32 | seq low 32 (ESN form, RFC 4106 §5);
 *   4. seal the plaintext in place; the ICV lands at the end.
 * Inbound (parseEspHeader → caller's SPI lookup and replay pre-check → openEsp):
 *   1. parseEspHeader: lengths only (no key needed), views into the datagram;
 *   2. openEsp: nonce = salt | IV from the wire (RFC 4106 §3.1), AAD from the SPI and the full
 *      sequence number the caller inferred (RFC 4303 Appendix A2), AEAD open → undefined if the
 *      ICV fails; then the trailer: pad length, monotonic padding (RFC 4303 §2.4), next header.
 *      A PiaDecodeError from openEsp therefore means the ICV DID verify (an authenticated peer
 *      sent a malformed trailer): per §6 the caller still updates its replay window.
 */
import { PiaDecodeError } from '../errors.js';
import { AEAD_KEY_LENGTH, AEAD_TAG_LENGTH, type Aead } from './aead.js';

export const ESP_SPI_SEQ_LENGTH = 8;
export const ESP_IV_LENGTH = 8;
export const ESP_HEADER_LENGTH = ESP_SPI_SEQ_LENGTH + ESP_IV_LENGTH;
export const ESP_SALT_LENGTH = 4;
/** Smallest plaintext: pad length + next header, padded to 4 bytes. */
const MIN_CIPHERTEXT = 4;
export const ESP_MIN_DATAGRAM = ESP_HEADER_LENGTH + MIN_CIPHERTEXT + AEAD_TAG_LENGTH;

/** The next-header values PIA carries (IANA protocol numbers). */
export const EspNextHeader = {
  /** The inner packet is IPv6 (tunnel mode). */
  Ipv6: 41,
  /** A dummy packet (keepalive), discarded once it verifies (RFC 4303 §2.6). */
  NoNextHeader: 59,
  /** A PIA control message (phase 3, docs/protocol.md §9.2; CLOSE, §6): RFC 3692 experimental value, safe inside an SA (§6). */
  Control: 253,
} as const;
export type EspNextHeader = (typeof EspNextHeader)[keyof typeof EspNextHeader];

/** 'esn': AAD = SPI | seq high | seq low (PIA). '32-bit': AAD = SPI | seq (RFC 7634 App. A). */
export type EspSequenceForm = 'esn' | '32-bit';

export interface EspSealParams {
  readonly spi: number;
  /** Full 64-bit sequence number (1 … 2^53 − 1 here; 1 … 2^32 − 1 in the '32-bit' form). */
  readonly seq: number;
  readonly key: Uint8Array;
  readonly salt: Uint8Array;
  readonly aead: Aead;
  readonly nextHeader: EspNextHeader;
  readonly payload: Uint8Array;
  readonly sequenceForm?: EspSequenceForm;
}

export interface EspHeader {
  readonly spi: number;
  readonly seqLow: number;
  /** 8-byte view of the IV. */
  readonly iv: Uint8Array;
  /** View of ciphertext ‖ ICV. */
  readonly body: Uint8Array;
}

export interface EspOpenParams {
  readonly header: EspHeader;
  /** The full sequence number inferred for header.seqLow (inferEsn). */
  readonly seq: number;
  readonly key: Uint8Array;
  readonly salt: Uint8Array;
  readonly aead: Aead;
  readonly sequenceForm?: EspSequenceForm;
}

export interface EspOpened<N extends number = EspNextHeader> {
  readonly nextHeader: N;
  /** View of the decrypted payload (no padding, no trailer). */
  readonly payload: Uint8Array;
}

/** Length of the datagram sealEsp makes for a payload of `payloadLength` bytes. */
export function espDatagramLength(payloadLength: number): number {
  return ESP_HEADER_LENGTH + paddedLength(payloadLength) + AEAD_TAG_LENGTH;
}

export function sealEsp(params: EspSealParams): Uint8Array {
  return sealWithIv(params, undefined);
}

/**
 * Known-answer tests only: seals with an IV other than the sequence number (RFC 7634 App. A
 * uses IV 0x1011121314151617 with sequence number 5). PIA itself never does this: a chosen IV
 * risks nonce reuse. Not exported from the package index.
 */
export function sealEspWithExplicitIv(params: Omit<EspSealParams, 'nextHeader'> & { nextHeader: number }, iv: Uint8Array): Uint8Array {
  if (iv.length !== ESP_IV_LENGTH) throw new RangeError(`ESP: IV must be ${ESP_IV_LENGTH} bytes, got ${iv.length}`);
  return sealWithIv(params, iv);
}

export function parseEspHeader(datagram: Uint8Array): EspHeader {
  if (datagram.length < ESP_MIN_DATAGRAM) {
    throw new PiaDecodeError('ESP', `truncated: ${datagram.length} bytes, need at least ${ESP_MIN_DATAGRAM} (header 16, 4 of ciphertext, ICV 16)`);
  }
  const spi = readUint32(datagram, 0);
  if (spi === 0) throw new PiaDecodeError('ESP', 'SPI 0 is the non-ESP marker (RFC 3948 §2.2), not an SA');
  const cipherLength = datagram.length - ESP_HEADER_LENGTH - AEAD_TAG_LENGTH;
  if (cipherLength % 4 !== 0) {
    throw new PiaDecodeError('ESP', `ciphertext of ${cipherLength} bytes is not a multiple of 4 (RFC 4303 §2.4)`);
  }
  return {
    spi,
    seqLow: readUint32(datagram, 4),
    iv: datagram.subarray(ESP_SPI_SEQ_LENGTH, ESP_HEADER_LENGTH),
    body: datagram.subarray(ESP_HEADER_LENGTH),
  };
}

/** PIA's open: also refuses next headers other than 41 and 59 (after the ICV verified). */
export function openEsp(params: EspOpenParams): EspOpened | undefined {
  const opened = openEspAnyNextHeader(params);
  if (opened === undefined) return undefined;
  const nh = opened.nextHeader;
  if (nh !== EspNextHeader.Ipv6 && nh !== EspNextHeader.NoNextHeader && nh !== EspNextHeader.Control) {
    throw new PiaDecodeError('ESP', `next header ${nh} is not carried by PIA (expected 41 IPv6, 59 dummy or 253 control)`);
  }
  return { nextHeader: nh, payload: opened.payload };
}

/** Opens and checks the trailer, whatever the next header (known-answer tests use 4, IPv4). */
export function openEspAnyNextHeader(params: EspOpenParams): EspOpened<number> | undefined {
  const { header, seq, key, salt, aead } = params;
  const form = params.sequenceForm ?? 'esn';
  checkSeq(seq, form);
  if (seq % 2 ** 32 !== header.seqLow) {
    throw new RangeError(`ESP: sequence number ${seq} does not end in the packet's low 32 bits ${header.seqLow}; pass inferEsn(header.seqLow, window)`);
  }
  checkSalt(salt);
  const scratch = nonceAndAad(salt, header.iv, header.spi, seq, form);
  const plain = aead.open(key, scratch.nonce, scratch.aad, header.body);
  if (plain === undefined) return undefined;
  return parseTrailer(plain);
}

function sealWithIv(params: Omit<EspSealParams, 'nextHeader'> & { nextHeader: number }, iv: Uint8Array | undefined): Uint8Array {
  const { spi, seq, key, salt, aead, nextHeader, payload } = params;
  const form = params.sequenceForm ?? 'esn';
  if (!Number.isInteger(spi) || spi < 1 || spi > 0xffffffff) throw new RangeError(`ESP: SPI ${spi} is not in 1..2^32-1`);
  checkSeq(seq, form);
  checkSalt(salt);
  // Checked before the plaintext is written into the (pooled) buffer, so a refusal leaves none behind.
  if (key.length !== AEAD_KEY_LENGTH) throw new RangeError(`ESP: key must be ${AEAD_KEY_LENGTH} bytes, got ${key.length}`);
  if (!Number.isInteger(nextHeader) || nextHeader < 0 || nextHeader > 255) throw new RangeError(`ESP: next header ${nextHeader} is not a byte`);
  const textLength = paddedLength(payload.length);
  // Every byte is written below (header, payload, padding, trailer, then ciphertext and ICV in
  // place), so the unzeroed pool allocation leaks nothing.
  const datagram = Buffer.allocUnsafe(ESP_HEADER_LENGTH + textLength + AEAD_TAG_LENGTH);
  const high = Math.floor(seq / 2 ** 32);
  const low = seq % 2 ** 32;
  writeUint32(datagram, 0, spi);
  writeUint32(datagram, 4, low);
  if (iv === undefined) {
    writeUint32(datagram, 8, high);
    writeUint32(datagram, 12, low);
  } else {
    datagram.set(iv, ESP_SPI_SEQ_LENGTH);
  }
  datagram.set(payload, ESP_HEADER_LENGTH);
  const padLength = textLength - payload.length - 2;
  let at = ESP_HEADER_LENGTH + payload.length;
  for (let i = 1; i <= padLength; i++) datagram[at++] = i;
  datagram[at++] = padLength;
  datagram[at] = nextHeader;
  const scratch = nonceAndAad(salt, datagram.subarray(ESP_SPI_SEQ_LENGTH, ESP_HEADER_LENGTH), spi, seq, form);
  const plaintext = datagram.subarray(ESP_HEADER_LENGTH, ESP_HEADER_LENGTH + textLength);
  aead.seal(key, scratch.nonce, scratch.aad, plaintext, datagram.subarray(ESP_HEADER_LENGTH));
  return datagram;
}

function parseTrailer(plain: Uint8Array): EspOpened<number> {
  const n = plain.length;
  if (n < 2) throw new PiaDecodeError('ESP', `decrypted payload of ${n} bytes has no room for pad length and next header`);
  const padLength = plain[n - 2]!;
  const payloadLength = n - 2 - padLength;
  if (payloadLength < 0) throw new PiaDecodeError('ESP', `pad length ${padLength} exceeds the ${n - 2} bytes before it`);
  for (let i = 0; i < padLength; i++) {
    if (plain[payloadLength + i] !== i + 1) {
      throw new PiaDecodeError('ESP', `padding byte ${i + 1} of ${padLength} is ${plain[payloadLength + i]}, expected ${i + 1} (RFC 4303 §2.4)`);
    }
  }
  return { nextHeader: plain[n - 1]!, payload: plain.subarray(0, payloadLength) };
}

/** nonce = salt | IV (RFC 4106 §4, RFC 7634 §2); AAD per RFC 4106 §5 / RFC 7634 §2.1. */
function nonceAndAad(salt: Uint8Array, iv: Uint8Array, spi: number, seq: number, form: EspSequenceForm): { nonce: Uint8Array; aad: Uint8Array } {
  const scratch = Buffer.allocUnsafe(24); // the bytes returned are all written below
  scratch.set(salt, 0);
  scratch.set(iv, 4);
  writeUint32(scratch, 12, spi);
  if (form === 'esn') {
    writeUint32(scratch, 16, Math.floor(seq / 2 ** 32));
    writeUint32(scratch, 20, seq % 2 ** 32);
    return { nonce: scratch.subarray(0, 12), aad: scratch.subarray(12, 24) };
  }
  writeUint32(scratch, 16, seq);
  return { nonce: scratch.subarray(0, 12), aad: scratch.subarray(12, 20) };
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function writeUint32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

function paddedLength(payloadLength: number): number {
  return Math.ceil((payloadLength + 2) / 4) * 4;
}

function checkSeq(seq: number, form: EspSequenceForm): void {
  const max = form === 'esn' ? Number.MAX_SAFE_INTEGER : 0xffffffff;
  if (!Number.isInteger(seq) || seq < 1 || seq > max) {
    throw new RangeError(`ESP: sequence number ${seq} is not in 1..${max} (${form} form); the SA must rekey before its limit (docs/protocol.md §3)`);
  }
}

function checkSalt(salt: Uint8Array): void {
  if (salt.length !== ESP_SALT_LENGTH) throw new RangeError(`ESP: salt must be ${ESP_SALT_LENGTH} bytes, got ${salt.length}`);
}
