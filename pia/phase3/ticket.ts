/**
 * The plaintext inside a ticket (docs/protocol.md §9.3, §9.6):
 *
 *   granted: K_AB (32) | peer ID (16) | peer kind (1: 1 gateway, 2 operator, 3 station, 4 server)
 *            | lifetime s (4) | JSON length (2) | JSON {"label", "grants": [{"id", "devices", "rights", "validS"}]}
 *   denied:  reason (1) | UTF-8 text (≤ 200 bytes)
 *
 * Must hold: `decodeTicket` throws only `PiaDecodeError` (a ticket that opened but does not
 * parse is treated like one that did not open); K_AB comes out as SecretBytes (never
 * printed); caps: lifetime 1–600 s, ≤ 16 grants, ≤ 448 bytes of JSON, each grant's validS an
 * integer 0…lifetime; `encodeGrantedTicket` refuses what the decoder would refuse (RangeError).
 */
import { PiaDecodeError } from '../errors.js';
import { SecretBytes } from '../handshake/key-schedule.js';
import * as Z from './sizes.js';
import { NODE_KIND_CODES, isP3Reason, type NodeId, type NodeKind, type P3Reason, type TicketGrant } from './types.js';

export interface GrantedTicket {
  readonly kind: 'granted';
  /** 32 bytes (SecretBytes); the caller wipes it once KM3 is derived. */
  readonly kAB: Uint8Array;
  readonly peerId: NodeId;
  readonly peerKind: NodeKind;
  readonly lifetimeS: number;
  readonly label: string;
  readonly grants: readonly TicketGrant[];
}

export interface DeniedTicket {
  readonly kind: 'denied';
  readonly reason: P3Reason;
  readonly text: string;
}

const WHAT = 'ticket';
const utf8 = new TextDecoder('utf-8', { fatal: true });
const KINDS = Object.entries(NODE_KIND_CODES) as [NodeKind, number][];

/** The JSON of a granted ticket, as S writes it (keys in the §9.6 order). */
export function ticketJson(label: string, grants: readonly TicketGrant[]): Uint8Array {
  const body = { label, grants: grants.map((g) => ({ id: g.id, devices: g.devices, rights: g.rights, validS: g.validS })) };
  return new Uint8Array(Buffer.from(JSON.stringify(body), 'utf8'));
}

export function encodeGrantedTicket(t: Omit<GrantedTicket, 'kind'>): Uint8Array {
  const json = ticketJson(t.label, t.grants);
  if (t.kAB.length !== 32 || t.peerId.length !== Z.ID_BYTES) throw new RangeError('encodeGrantedTicket: K_AB must be 32 bytes and the peer ID 16');
  const out = new Uint8Array(Z.GRANTED_FIXED_BYTES + json.length);
  const view = new DataView(out.buffer);
  out.set(t.kAB, 0);
  out.set(t.peerId, 32);
  out[48] = NODE_KIND_CODES[t.peerKind];
  view.setUint32(49, t.lifetimeS);
  view.setUint16(53, json.length);
  out.set(json, Z.GRANTED_FIXED_BYTES);
  try {
    decodeGrantedTicket(out).kAB.fill(0);
  } catch (err) {
    out.fill(0);
    if (err instanceof PiaDecodeError) throw new RangeError(`encodeGrantedTicket: ${err.problem}`);
    throw err;
  }
  return out;
}

export function encodeDeniedTicket(reason: P3Reason, text: string): Uint8Array {
  const bytes = truncateUtf8(text, Z.MAX_DENIAL_TEXT_BYTES);
  if (reason === 0) throw new RangeError('encodeDeniedTicket: a denial needs a reason 1–10');
  const out = new Uint8Array(1 + bytes.length);
  out[0] = reason;
  out.set(bytes, 1);
  return out;
}

export function decodeGrantedTicket(p: Uint8Array): GrantedTicket {
  if (p.length < Z.GRANTED_FIXED_BYTES) throw new PiaDecodeError(WHAT, `granted ticket of ${p.length} bytes, at least ${Z.GRANTED_FIXED_BYTES}`);
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const code = p[48] ?? 0;
  const peerKind = KINDS.find(([, c]) => c === code)?.[0];
  if (peerKind === undefined) throw new PiaDecodeError(WHAT, `peer kind ${code} is not one of 1 gateway, 2 operator, 3 station, 4 server`);
  const lifetimeS = view.getUint32(49);
  if (lifetimeS < 1 || lifetimeS > Z.MAX_TICKET_LIFETIME_S) throw new PiaDecodeError(WHAT, `lifetime ${lifetimeS} s, must be 1–${Z.MAX_TICKET_LIFETIME_S}`);
  const jsonLength = view.getUint16(53);
  if (jsonLength > Z.MAX_TICKET_JSON_BYTES) throw new PiaDecodeError(WHAT, `${jsonLength} bytes of JSON, at most ${Z.MAX_TICKET_JSON_BYTES}`);
  if (p.length !== Z.GRANTED_FIXED_BYTES + jsonLength) throw new PiaDecodeError(WHAT, `${p.length} bytes, but the JSON length says ${Z.GRANTED_FIXED_BYTES + jsonLength}`);
  if (p.subarray(32, 48).every((b) => b === 0)) throw new PiaDecodeError(WHAT, 'peer ID is all zero');
  const { label, grants } = parseTicketJson(p.subarray(Z.GRANTED_FIXED_BYTES), lifetimeS);
  return { kind: 'granted', kAB: new SecretBytes(p.subarray(0, 32)), peerId: new Uint8Array(p.subarray(32, 48)), peerKind, lifetimeS, label, grants };
}

export function decodeDeniedTicket(p: Uint8Array): DeniedTicket {
  const reason = p[0] ?? 0;
  if (p.length < 1 || !isP3Reason(reason) || reason === 0) throw new PiaDecodeError(WHAT, `denial reason ${reason}; reasons are 1–10`);
  if (p.length - 1 > Z.MAX_DENIAL_TEXT_BYTES) throw new PiaDecodeError(WHAT, `denial text of ${p.length - 1} bytes, at most ${Z.MAX_DENIAL_TEXT_BYTES}`);
  let text: string;
  try {
    text = utf8.decode(p.subarray(1));
  } catch {
    throw new PiaDecodeError(WHAT, 'denial text is not valid UTF-8');
  }
  return { kind: 'denied', reason, text };
}

function parseTicketJson(bytes: Uint8Array, lifetimeS: number): { label: string; grants: TicketGrant[] } {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    throw new PiaDecodeError(WHAT, 'JSON does not parse (or is not UTF-8)');
  }
  if (!isRecord(value) || typeof value.label !== 'string' || !Array.isArray(value.grants)) {
    throw new PiaDecodeError(WHAT, 'JSON must be {"label": string, "grants": [...]}');
  }
  if (value.grants.length > Z.MAX_TICKET_GRANTS) throw new PiaDecodeError(WHAT, `${value.grants.length} grants, at most ${Z.MAX_TICKET_GRANTS}`);
  const grants = value.grants.map((g: unknown, i): TicketGrant => {
    if (!isRecord(g) || typeof g.id !== 'string' || typeof g.devices !== 'string' || !Array.isArray(g.rights) || !g.rights.every((r) => typeof r === 'string')) {
      throw new PiaDecodeError(WHAT, `grant ${i} must be {"id": string, "devices": string, "rights": [string…], "validS": integer}`);
    }
    const validS = g.validS;
    if (typeof validS !== 'number' || !Number.isInteger(validS) || validS < 0 || validS > lifetimeS) {
      throw new PiaDecodeError(WHAT, `grant ${i}: validS must be an integer 0–${lifetimeS} (the ticket lifetime)`);
    }
    return { id: g.id, devices: g.devices, rights: g.rights, validS };
  });
  return { label: value.label, grants };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The longest prefix of `text` that is at most `max` UTF-8 bytes and still valid UTF-8. */
export function truncateUtf8(text: string, max: number): Uint8Array {
  const all = Buffer.from(text, 'utf8');
  if (all.length <= max) return new Uint8Array(all);
  let end = max;
  while (end > 0 && ((all[end] ?? 0) & 0xc0) === 0x80) end--; // do not cut a multi-byte character
  return new Uint8Array(all.subarray(0, end));
}
