/**
 * Phase-3 messages, docs/protocol.md §9.2: payloads of ESP next header 253, never with the
 * non-ESP marker. All integers big-endian; `version (1) = 1 | type (1) | body`:
 *
 *   16 P3_REQ        N_A 32 | ID_A 16 | ID_B* 16 | SPI_A' 4 | MAC_A 32                    = 102
 *   17 P3_VOUCH      T 32 | N_A 32 | ID_A 16 | ID_B* 16 | MAC_A 32 | N_B 32 | ID_B 16 | MAC_B 32 = 210
 *   18 P3_VERDICT    N_B 32 | T 32 | status 1 | reason 1 | lenA 2 | ticket_A | lenB 2 | ticket_B
 *   19 P3_RESP       N_A 32 | status 1 | reason 1 | SPI_B' 4 | lenA 2 | ticket_A | MAC_FR 32 (status 0 only)
 *   20 P3_FIN        N_A 32 | MAC_FI 32                                                     = 66
 *   21 ENROLL        N_E 32 | ID_E 16 | len 2 | sealed request
 *   22 ENROLL_RESULT N_E 32 | status 1 | reason 1 | len 2 | sealed result
 *
 * Must hold:
 * - `decodeP3` throws only `PiaDecodeError`; lengths are exact per type; status/reason pairs,
 *   SPIs, ticket and seal lengths are checked per status (granted: both tickets; denied:
 *   tickets empty or denial-sized; pending: B → A only, nothing sealed); ID_A, ID_B and ID_E
 *   are never all-zero (only ID_B* may be);
 * - it copies at most the input's size (each field is a copy of its bytes);
 * - `encodeP3` output decodes back to the same message (it checks by decoding).
 */
import { PiaDecodeError } from '../errors.js';
import * as Z from './sizes.js';
import { P3Status, P3_REASON_TEXT, type P3Reason } from './types.js';
import type { P3Enroll, P3EnrollResult, P3Fin, P3Message, P3Req, P3Resp, P3Verdict, P3Vouch } from './message-types.js';
import { P3Type, P3_TYPE_NAMES, isP3Type } from './message-types.js';

export * from './message-types.js';

const FIXED: Readonly<Record<16 | 17 | 20, number>> = { 16: 102, 17: 210, 20: 66 };

export function encodeP3(msg: P3Message): Uint8Array {
  const w = new Writer(encodedLength(msg));
  w.u8(Z.P3_VERSION);
  w.u8(typeOf(msg));
  switch (msg.kind) {
    case 'req':
      w.put(msg.nA, Z.NONCE_BYTES).put(msg.idA, Z.ID_BYTES).put(msg.idBStar, Z.ID_BYTES).u32(msg.spiA).put(msg.macA, Z.MAC_BYTES);
      break;
    case 'vouch':
      w.put(msg.t, Z.T_BYTES).put(msg.nA, Z.NONCE_BYTES).put(msg.idA, Z.ID_BYTES).put(msg.idBStar, Z.ID_BYTES).put(msg.macA, Z.MAC_BYTES);
      w.put(msg.nB, Z.NONCE_BYTES).put(msg.idB, Z.ID_BYTES).put(msg.macB, Z.MAC_BYTES);
      break;
    case 'verdict':
      w.put(msg.nB, Z.NONCE_BYTES).put(msg.t, Z.T_BYTES).u8(msg.status).u8(msg.reason).blob(msg.ticketA).blob(msg.ticketB);
      break;
    case 'resp':
      w.put(msg.nA, Z.NONCE_BYTES).u8(msg.status).u8(msg.reason).u32(msg.spiB).blob(msg.ticketA);
      if (msg.status === P3Status.Granted) w.put(msg.macFR, Z.MAC_BYTES);
      break;
    case 'fin':
      w.put(msg.nA, Z.NONCE_BYTES).put(msg.macFI, Z.MAC_BYTES);
      break;
    case 'enroll':
      w.put(msg.nE, Z.NONCE_BYTES).put(msg.idE, Z.ID_BYTES).blob(msg.sealed);
      break;
    case 'enroll-result':
      w.put(msg.nE, Z.NONCE_BYTES).u8(msg.status).u8(msg.reason).blob(msg.sealed);
      break;
  }
  const out = w.done();
  try {
    decodeP3(out); // one set of rules for both directions
  } catch (err) {
    if (err instanceof PiaDecodeError) throw new RangeError(`encodeP3: ${err.message}`);
    throw err;
  }
  return out;
}

function typeOf(msg: P3Message): P3Type {
  switch (msg.kind) {
    case 'req': return P3Type.Req;
    case 'vouch': return P3Type.Vouch;
    case 'verdict': return P3Type.Verdict;
    case 'resp': return P3Type.Resp;
    case 'fin': return P3Type.Fin;
    case 'enroll': return P3Type.Enroll;
    case 'enroll-result': return P3Type.EnrollResult;
  }
}

function encodedLength(msg: P3Message): number {
  switch (msg.kind) {
    case 'req': return FIXED[16];
    case 'vouch': return FIXED[17];
    case 'verdict': return 72 + msg.ticketA.length + msg.ticketB.length;
    case 'resp': return 42 + msg.ticketA.length + (msg.status === P3Status.Granted ? Z.MAC_BYTES : 0);
    case 'fin': return FIXED[20];
    case 'enroll': return 52 + msg.sealed.length;
    case 'enroll-result': return 38 + msg.sealed.length;
  }
}

/** The type byte of a version-1 phase-3 payload, or undefined (for routing before decoding). */
export function peekP3Type(bytes: Uint8Array): P3Type | undefined {
  const type = bytes[1];
  return bytes[0] === Z.P3_VERSION && type !== undefined && isP3Type(type) ? type : undefined;
}

export function decodeP3(bytes: Uint8Array): P3Message {
  if (bytes.length < 2) throw new PiaDecodeError('phase-3 message', `truncated: ${bytes.length} bytes, the header alone is 2`);
  if (bytes.length > Z.MAX_P3_PAYLOAD_BYTES) throw new PiaDecodeError('phase-3 message', `${bytes.length} bytes, more than any phase-3 message (${Z.MAX_P3_PAYLOAD_BYTES})`);
  const version = bytes[0] ?? 0;
  const type = bytes[1] ?? 0;
  if (version !== Z.P3_VERSION) throw new PiaDecodeError('phase-3 message', `version ${version} is not supported (this node speaks ${Z.P3_VERSION})`);
  if (!isP3Type(type)) throw new PiaDecodeError('phase-3 message', `unknown type ${type} (16–22 are defined)`);
  const r = new Reader(bytes, P3_TYPE_NAMES[type]);
  switch (type) {
    case P3Type.Req: {
      r.exact(FIXED[16]);
      const msg: P3Req = { kind: 'req', nA: r.take(32), idA: r.id('ID_A'), idBStar: r.take(16), spiA: r.spi("SPI_A'"), macA: r.take(32) };
      return msg;
    }
    case P3Type.Vouch: {
      r.exact(FIXED[17]);
      const msg: P3Vouch = {
        kind: 'vouch', t: r.take(32), nA: r.take(32), idA: r.id('ID_A'), idBStar: r.take(16), macA: r.take(32),
        nB: r.take(32), idB: r.id('ID_B'), macB: r.take(32),
      };
      return msg;
    }
    case P3Type.Verdict: {
      const nB = r.take(32);
      const t = r.take(32);
      const { status, reason } = r.statusReason(false);
      const ticketA = r.blob('ticket_A', ticketBounds(status));
      const ticketB = r.blob('ticket_B', ticketBounds(status));
      r.end();
      if (status === P3Status.Granted && (ticketA.length === 0 || ticketB.length === 0)) throw r.error('granted without both tickets');
      const msg: P3Verdict = { kind: 'verdict', nB, t, status, reason, ticketA, ticketB };
      return msg;
    }
    case P3Type.Resp: {
      const nA = r.take(32);
      const { status, reason } = r.statusReason(true);
      const spiB = status === P3Status.Granted ? r.spi("SPI_B'") : r.zeroU32("SPI_B' (not granted)");
      const ticketA = r.blob('ticket_A', status === P3Status.Pending ? [0, 0] : ticketBounds(status));
      if (status === P3Status.Granted && ticketA.length === 0) throw r.error('granted without ticket_A');
      const macFR = status === P3Status.Granted ? r.take(32) : new Uint8Array(0);
      r.end();
      const msg: P3Resp = { kind: 'resp', nA, status, reason, spiB, ticketA, macFR };
      return msg;
    }
    case P3Type.Fin: {
      r.exact(FIXED[20]);
      const msg: P3Fin = { kind: 'fin', nA: r.take(32), macFI: r.take(32) };
      return msg;
    }
    case P3Type.Enroll: {
      const msg: P3Enroll = { kind: 'enroll', nE: r.take(32), idE: r.id('ID_E'), sealed: r.blob('sealed request', [Z.MIN_ENROLL_SEALED_BYTES, Z.MAX_ENROLL_SEALED_BYTES]) };
      r.end();
      return msg;
    }
    case P3Type.EnrollResult: {
      const nE = r.take(32);
      const { status, reason } = r.statusReason(false);
      const sealed = r.blob('sealed result', [Z.MIN_ENROLL_SEALED_BYTES, Z.MAX_ENROLL_SEALED_BYTES], status === P3Status.Denied);
      r.end();
      if (status === P3Status.Granted && sealed.length === 0) throw r.error('granted without a sealed result');
      const msg: P3EnrollResult = { kind: 'enroll-result', nE, status, reason, sealed };
      return msg;
    }
  }
}

/** Allowed non-empty ticket lengths for a status (an empty ticket is checked separately). */
function ticketBounds(status: P3Status): readonly [number, number] {
  return status === P3Status.Granted ? [Z.MIN_GRANTED_TICKET_BYTES, Z.MAX_TICKET_BYTES] : [Z.MIN_DENIED_TICKET_BYTES, Z.MAX_DENIED_TICKET_BYTES];
}

class Reader {
  #at = 2;
  readonly #view: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly name: string,
  ) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  error(problem: string): PiaDecodeError {
    return new PiaDecodeError(this.name, problem);
  }
  exact(length: number): void {
    if (this.bytes.length !== length) throw this.error(`${this.bytes.length} bytes, must be exactly ${length}`);
  }
  #need(n: number, what: string): void {
    if (this.#at + n > this.bytes.length) throw this.error(`truncated: ${this.bytes.length} bytes, ${what} needs ${this.#at + n}`);
  }
  take(n: number): Uint8Array {
    this.#need(n, 'the next field');
    const out = new Uint8Array(this.bytes.subarray(this.#at, this.#at + n)); // a copy even of a Buffer (whose slice is a view)
    this.#at += n;
    return out;
  }
  id(what: string): Uint8Array {
    const id = this.take(Z.ID_BYTES);
    if (id.every((b) => b === 0)) throw this.error(`${what} is all zero (only ID_B* may be "any")`);
    return id;
  }
  #u32(): number {
    this.#need(4, 'an SPI');
    const v = this.#view.getUint32(this.#at);
    this.#at += 4;
    return v;
  }
  spi(what: string): number {
    const v = this.#u32();
    if (v < Z.MIN_SPI) throw this.error(`${what} ${v} is not a valid SPI (0–255 are reserved)`);
    return v;
  }
  zeroU32(what: string): number {
    const v = this.#u32();
    if (v !== 0) throw this.error(`${what} must be 0, got ${v}`);
    return 0;
  }
  statusReason(pendingAllowed: boolean): { status: P3Status; reason: P3Reason } {
    this.#need(2, 'status and reason');
    const status = this.bytes[this.#at] ?? 0;
    const reason = this.bytes[this.#at + 1] ?? 0;
    this.#at += 2;
    if (status > 2 || (status === P3Status.Pending && !pendingAllowed)) throw this.error(`status ${status} is not allowed here (0 granted, 1 denied${pendingAllowed ? ', 2 pending' : ''})`);
    const denied = status === P3Status.Denied;
    if (denied && (reason < 1 || reason > 10)) throw this.error(`denied with reason ${reason}; reasons are 1–10`);
    if (!denied && reason !== 0) throw this.error(`reason ${reason} with status ${status}; must be 0 unless denied`);
    return { status: status as P3Status, reason: reason as P3Reason };
  }
  /** length (2) | bytes: empty, or a length within `bounds` (empty allowed unless `bounds[0]` says so). */
  blob(what: string, bounds: readonly [number, number], emptyAllowed = true): Uint8Array {
    this.#need(2, `${what}'s length`);
    const n = this.#view.getUint16(this.#at);
    this.#at += 2;
    const [min, max] = bounds;
    const ok = (n === 0 && emptyAllowed) || (n >= min && n <= max);
    if (!ok) throw this.error(`${what} of ${n} bytes; must be ${emptyAllowed ? 'empty or ' : ''}${min}–${max}`);
    this.#need(n, what);
    return this.take(n);
  }
  end(): void {
    if (this.#at !== this.bytes.length) throw this.error(`${this.bytes.length} bytes, ${this.bytes.length - this.#at} more than the fields need (${this.#at})`);
  }
}

class Writer {
  readonly #out: Uint8Array;
  readonly #view: DataView;
  #at = 0;
  constructor(length: number) {
    this.#out = new Uint8Array(length);
    this.#view = new DataView(this.#out.buffer);
  }
  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`encodeP3: a byte field must be 0–255, got ${v}`);
    this.#out[this.#at++] = v;
    return this;
  }
  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`encodeP3: an SPI must be an integer 0–2^32−1, got ${v}`);
    this.#view.setUint32(this.#at, v);
    this.#at += 4;
    return this;
  }
  put(field: Uint8Array, length: number): this {
    if (field.length !== length) throw new RangeError(`encodeP3: a ${length}-byte field got ${field.length} bytes`);
    this.#out.set(field, this.#at);
    this.#at += length;
    return this;
  }
  blob(field: Uint8Array): this {
    if (field.length > 0xffff) throw new RangeError(`encodeP3: a sealed field of ${field.length} bytes is too long`);
    this.#view.setUint16(this.#at, field.length);
    this.#at += 2;
    return this.put(field, field.length);
  }
  done(): Uint8Array {
    return this.#out;
  }
}

/** For error texts: "denied (5 no grant for this pair)". */
export function describeStatus(status: P3Status, reason: P3Reason): string {
  return status === P3Status.Denied ? `denied (${reason} ${P3_REASON_TEXT[reason]})` : status === P3Status.Granted ? 'granted' : 'pending';
}

/** `decodeP3`, or undefined (counted as 'undecodable') for what does not decode: the server's entry points drop such input silently. */
export function decodeP3OrCount(payload: Uint8Array, count?: (what: 'undecodable') => void): P3Message | undefined {
  try {
    return decodeP3(payload);
  } catch (err) {
    if (!(err instanceof PiaDecodeError)) throw err;
    count?.('undecodable');
    return undefined;
  }
}
