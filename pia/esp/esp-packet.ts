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
 *
 * The per-packet path (a node's SAs) uses `EspDirection` instead: the same steps on buffers
 * the caller owns (PacketBuffer), nonce and AAD built in fixed arrays, so a packet allocates
 * nothing (checkEspDatagram / espSpi / espSeqLow → EspDirection.openInto → espPayloadLength
 * inbound; the payload written at ESP_PAYLOAD_OFFSET → EspDirection.sealInPlace outbound).
 * sealEsp and openEsp are that same code with a fresh buffer per call, for tests and tools.
 */
import { PiaDecodeError } from '../errors.js';
import { inspect } from 'node:util';
import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, type Aead } from './aead.js';
import { PacketBuffer } from './packet-buffer.js';

export const ESP_SPI_SEQ_LENGTH = 8;
export const ESP_IV_LENGTH = 8;
export const ESP_HEADER_LENGTH = ESP_SPI_SEQ_LENGTH + ESP_IV_LENGTH;
export const ESP_SALT_LENGTH = 4;
/** Where the payload (the inner packet) starts in an ESP datagram. */
export const ESP_PAYLOAD_OFFSET = ESP_HEADER_LENGTH;
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

/**
 * One direction of an SA on the per-packet path: SPI, key, salt and AEAD, with the nonce
 * (salt | IV, RFC 4106 §4, RFC 7634 §2) and the AAD (RFC 4106 §5) written into arrays of its
 * own per packet. The key stays in a private field: the object prints as its SPI only.
 */
export class EspDirection {
  readonly spi: number;
  readonly #key: Uint8Array;
  readonly #aead: Aead;
  readonly #form: EspSequenceForm;
  /** salt (4, written once) | IV (8, per packet). */
  readonly #nonce = new Uint8Array(AEAD_NONCE_LENGTH);
  /** SPI | seq high | seq low (ESN), or SPI | seq (the 32-bit form: 8 bytes). */
  readonly #aad: Uint8Array;

  /** Throws a RangeError naming what is wrong (lengths and ranges only, never the key). */
  constructor(spi: number, key: Uint8Array, salt: Uint8Array, aead: Aead, form: EspSequenceForm = 'esn') {
    if (!Number.isInteger(spi) || spi < 1 || spi > 0xffffffff) throw new RangeError(`ESP: SPI ${spi} is not in 1..2^32-1`);
    checkSalt(salt);
    if (key.length !== AEAD_KEY_LENGTH) throw new RangeError(`ESP: key must be ${AEAD_KEY_LENGTH} bytes, got ${key.length}`);
    this.spi = spi;
    this.#key = key;
    this.#aead = aead;
    this.#form = form;
    this.#nonce.set(salt, 0);
    this.#aad = new Uint8Array(form === 'esn' ? 12 : 8);
  }

  /**
   * Outbound steps 1–4 on a datagram the caller is building in `buf`: the payload is already at
   * ESP_PAYLOAD_OFFSET (`payloadLength` bytes, `buf` ensured to espDatagramLength of it); writes
   * the header, padding and trailer, then seals in place. Returns the datagram length (its
   * bytes: `buf.view(0, length)`). `iv`: known-answer tests only (sealEspWithExplicitIv).
   */
  sealInPlace(buf: PacketBuffer, payloadLength: number, nextHeader: number, seq: number, iv?: Uint8Array): number {
    checkSeq(seq, this.#form);
    if (!Number.isInteger(nextHeader) || nextHeader < 0 || nextHeader > 255) throw new RangeError(`ESP: next header ${nextHeader} is not a byte`);
    const textLength = paddedLength(payloadLength);
    const total = ESP_HEADER_LENGTH + textLength + AEAD_TAG_LENGTH;
    const d = buf.bytes;
    if (d.length < total) throw new RangeError(`ESP: buffer of ${d.length} bytes cannot hold a ${total}-byte datagram; ensure(espDatagramLength(payload)) first`);
    const high = Math.floor(seq / 2 ** 32);
    const low = seq % 2 ** 32;
    writeUint32(d, 0, this.spi);
    writeUint32(d, 4, low);
    if (iv === undefined) {
      writeUint32(d, 8, high);
      writeUint32(d, 12, low);
    } else {
      d.set(iv, ESP_SPI_SEQ_LENGTH);
    }
    const padLength = textLength - payloadLength - 2;
    let at = ESP_HEADER_LENGTH + payloadLength;
    for (let i = 1; i <= padLength; i++) d[at++] = i;
    d[at++] = padLength;
    d[at] = nextHeader;
    this.#prepare(this.spi, d, ESP_SPI_SEQ_LENGTH, seq);
    this.#aead.seal(this.#key, this.#nonce, this.#aad, buf.view(ESP_HEADER_LENGTH, textLength), buf.view(ESP_HEADER_LENGTH, textLength + AEAD_TAG_LENGTH));
    return total;
  }

  /**
   * Inbound step 2 on a datagram that passed checkEspDatagram, with the full sequence number the
   * caller inferred: opens into `out` from byte 0 and returns the ESP plaintext length (payload,
   * padding, trailer: see espPayloadLength), or -1 when the ICV fails (then nothing is written).
   */
  openInto(datagram: Uint8Array, seq: number, out: PacketBuffer): number {
    const textLength = datagram.length - ESP_HEADER_LENGTH - AEAD_TAG_LENGTH;
    out.ensure(textLength);
    const opened = this.#open(espSpi(datagram), datagram, ESP_SPI_SEQ_LENGTH, espSeqLow(datagram), seq, datagram.subarray(ESP_HEADER_LENGTH), out.view(0, textLength));
    return opened ? textLength : -1;
  }

  /** openInto for a parsed header (the allocating API): a fresh plaintext array, or undefined. */
  openHeader(header: EspHeader, seq: number): Uint8Array | undefined {
    if (header.body.length < AEAD_TAG_LENGTH) return undefined;
    const plain = new Uint8Array(header.body.length - AEAD_TAG_LENGTH);
    return this.#open(header.spi, header.iv, 0, header.seqLow, seq, header.body, plain) ? plain : undefined;
  }

  /** The AAD takes the SPI from the packet (RFC 4303 §2.1), as the sender's did. */
  #open(spi: number, ivSource: Uint8Array, ivAt: number, seqLow: number, seq: number, body: Uint8Array, out: Uint8Array): boolean {
    checkSeq(seq, this.#form);
    if (seq % 2 ** 32 !== seqLow) {
      throw new RangeError(`ESP: sequence number ${seq} does not end in the packet's low 32 bits ${seqLow}; pass inferEsn(seqLow, window)`);
    }
    this.#prepare(spi, ivSource, ivAt, seq);
    return this.#aead.open(this.#key, this.#nonce, this.#aad, body, out) !== undefined;
  }

  /** nonce = salt | IV (taken from `ivSource` at `ivAt`); AAD = SPI | seq (high | low in the ESN form). */
  #prepare(spi: number, ivSource: Uint8Array, ivAt: number, seq: number): void {
    const nonce = this.#nonce;
    writeUint32(this.#aad, 0, spi);
    for (let i = 0; i < ESP_IV_LENGTH; i++) nonce[ESP_SALT_LENGTH + i] = ivSource[ivAt + i]!;
    if (this.#form === 'esn') {
      writeUint32(this.#aad, 4, Math.floor(seq / 2 ** 32));
      writeUint32(this.#aad, 8, seq % 2 ** 32);
    } else {
      writeUint32(this.#aad, 4, seq);
    }
  }

  toString(): string {
    return `EspDirection spi 0x${this.spi.toString(16).padStart(8, '0')} [key redacted]`;
  }
  toJSON(): string {
    return this.toString();
  }
  [inspect.custom](): string {
    return this.toString();
  }
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

/**
 * Inbound step 1 without allocating: throws a PiaDecodeError for a datagram no SA could have
 * sent (shorter than 36 bytes, SPI 0, ciphertext not a multiple of 4); espSpi / espSeqLow then
 * read the header.
 */
export function checkEspDatagram(datagram: Uint8Array): void {
  if (datagram.length < ESP_MIN_DATAGRAM) {
    throw new PiaDecodeError('ESP', `truncated: ${datagram.length} bytes, need at least ${ESP_MIN_DATAGRAM} (header 16, 4 of ciphertext, ICV 16)`);
  }
  if (espSpi(datagram) === 0) throw new PiaDecodeError('ESP', 'SPI 0 is the non-ESP marker (RFC 3948 §2.2), not an SA');
  const cipherLength = datagram.length - ESP_HEADER_LENGTH - AEAD_TAG_LENGTH;
  if (cipherLength % 4 !== 0) {
    throw new PiaDecodeError('ESP', `ciphertext of ${cipherLength} bytes is not a multiple of 4 (RFC 4303 §2.4)`);
  }
}

export function espSpi(datagram: Uint8Array): number {
  return readUint32(datagram, 0);
}

export function espSeqLow(datagram: Uint8Array): number {
  return readUint32(datagram, 4);
}

export function parseEspHeader(datagram: Uint8Array): EspHeader {
  checkEspDatagram(datagram);
  return {
    spi: espSpi(datagram),
    seqLow: espSeqLow(datagram),
    iv: datagram.subarray(ESP_SPI_SEQ_LENGTH, ESP_HEADER_LENGTH),
    body: datagram.subarray(ESP_HEADER_LENGTH),
  };
}

/** PIA's open: also refuses next headers other than 41, 59 and 253 (after the ICV verified). */
export function openEsp(params: EspOpenParams): EspOpened | undefined {
  const opened = openEspAnyNextHeader(params);
  if (opened === undefined) return undefined;
  checkNextHeader(opened.nextHeader);
  return { nextHeader: opened.nextHeader, payload: opened.payload };
}

/** Throws the PiaDecodeError for a next header PIA does not carry (the ICV verified: data, not an attack). */
export function checkNextHeader(nh: number): asserts nh is EspNextHeader {
  if (nh !== EspNextHeader.Ipv6 && nh !== EspNextHeader.NoNextHeader && nh !== EspNextHeader.Control) {
    throw new PiaDecodeError('ESP', `next header ${nh} is not carried by PIA (expected 41 IPv6, 59 dummy or 253 control)`);
  }
}

/** Opens and checks the trailer, whatever the next header (known-answer tests use 4, IPv4). */
export function openEspAnyNextHeader(params: EspOpenParams): EspOpened<number> | undefined {
  const { header, seq, key, salt, aead } = params;
  const plain = new EspDirection(header.spi, key, salt, aead, params.sequenceForm ?? 'esn').openHeader(header, seq);
  if (plain === undefined) return undefined;
  const payloadLength = espPayloadLength(plain, plain.length);
  return { nextHeader: plain[plain.length - 1]!, payload: plain.subarray(0, payloadLength) };
}

function sealWithIv(params: Omit<EspSealParams, 'nextHeader'> & { nextHeader: number }, iv: Uint8Array | undefined): Uint8Array {
  const { spi, seq, key, salt, aead, nextHeader, payload } = params;
  const direction = new EspDirection(spi, key, salt, aead, params.sequenceForm ?? 'esn');
  checkSeq(seq, params.sequenceForm ?? 'esn');
  const buf = new PacketBuffer(espDatagramLength(payload.length));
  buf.bytes.set(payload, ESP_PAYLOAD_OFFSET);
  direction.sealInPlace(buf, payload.length, nextHeader, seq, iv);
  return buf.bytes;
}

/**
 * Inbound step 2's trailer, on the `textLength` bytes of ESP plaintext at the start of
 * `plain` (the ICV verified): checks pad length and padding (RFC 4303 §2.4) and returns the
 * payload length; the next header is `plain[textLength - 1]`. Throws PiaDecodeError.
 */
export function espPayloadLength(plain: Uint8Array, textLength: number): number {
  const n = textLength;
  if (n < 2) throw new PiaDecodeError('ESP', `decrypted payload of ${n} bytes has no room for pad length and next header`);
  const padLength = plain[n - 2]!;
  const payloadLength = n - 2 - padLength;
  if (payloadLength < 0) throw new PiaDecodeError('ESP', `pad length ${padLength} exceeds the ${n - 2} bytes before it`);
  for (let i = 0; i < padLength; i++) {
    if (plain[payloadLength + i] !== i + 1) {
      throw new PiaDecodeError('ESP', `padding byte ${i + 1} of ${padLength} is ${plain[payloadLength + i]}, expected ${i + 1} (RFC 4303 §2.4)`);
    }
  }
  return payloadLength;
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
