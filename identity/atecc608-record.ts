/**
 * The PIA identity record, as stored in the ATECC608's identity slot (default slot 8, 416 bytes;
 * datasheet DS40001977 §2.3: slot 8 is the large data slot, written in 32-byte blocks).
 *
 *   offset   size  field
 *   0        4     magic "PIAi" (50 49 41 69)
 *   4        1     version, 1
 *   5        2     L: length of the JSON, u16 big-endian
 *   7        L     UTF-8 JSON of the BoardIdentity, fields in this order:
 *                  {"id","kind","label","server":{"address","port","id"}}
 *   7 + L    8     the first 8 bytes of SHA-256 over bytes 0 … 6 + L
 *   then 0x00 up to a whole number of 32-byte blocks (the Write command's unit)
 *
 * Must hold:
 * - the record fits the slot: 15 + L ≤ 416, so L ≤ 401; the label is at most 64 UTF-8 bytes
 *   (refused before anything is written);
 * - a record that is torn (a power cut between block writes leaves 0xFF, the shipped content,
 *   after it), overwritten or written by another tool fails the magic, the version, the length
 *   or the hash, and is never taken for an identity;
 * - the record is public (the slot is readable in clear): it never holds a key.
 */
import { createHash } from 'node:crypto';
import { ProvisioningError } from './errors.js';
import { identityFromJson } from './identity.js';
import type { BoardIdentity } from './types.js';

export const RECORD_MAGIC: Buffer = Buffer.from('PIAi', 'ascii');
export const RECORD_VERSION = 1;
export const MAX_LABEL_BYTES = 64;
const HEADER = 7;
const HASH = 8;
const BLOCK = 32;

/** The record padded to whole blocks; throws 'usage' when it does not fit in `capacity` bytes. */
export function encodeIdentityRecord(identity: BoardIdentity, capacity: number, where: string): Buffer {
  const labelBytes = Buffer.byteLength(identity.label, 'utf8');
  if (labelBytes > MAX_LABEL_BYTES) {
    throw new ProvisioningError('usage', `${where}: the label is ${labelBytes} UTF-8 bytes, the identity record holds at most ${MAX_LABEL_BYTES}; shorten the label`);
  }
  const { id, kind, label, server } = identity;
  const json = Buffer.from(JSON.stringify({ id, kind, label, server: { address: server.address, port: server.port, id: server.id } }), 'utf8');
  const length = HEADER + json.length + HASH;
  const size = Math.ceil(length / BLOCK) * BLOCK;
  if (size > capacity) {
    throw new ProvisioningError('usage', `${where}: the identity record needs ${size} bytes, the identity slot holds ${capacity}; shorten the label or use slot 8 (416 bytes)`);
  }
  const out = Buffer.alloc(size, 0x00);
  RECORD_MAGIC.copy(out, 0);
  out[4] = RECORD_VERSION;
  out.writeUInt16BE(json.length, 5);
  json.copy(out, HEADER);
  digest(out.subarray(0, HEADER + json.length)).copy(out, HEADER + json.length);
  return out;
}

/** The identity in a slot's bytes, or why there is none. */
export function decodeIdentityRecord(slot: Uint8Array): { readonly identity: BoardIdentity } | { readonly problem: string } {
  const b = Buffer.from(slot);
  if (b.length < HEADER + HASH || !b.subarray(0, 4).equals(RECORD_MAGIC)) {
    return { problem: `no "PIAi" record (the slot starts ${b.subarray(0, 4).toString('hex') || 'empty'})` };
  }
  if (b[4] !== RECORD_VERSION) return { problem: `record version ${b[4] ?? '?'}, this tool reads version ${RECORD_VERSION}` };
  const length = b.readUInt16BE(5);
  if (HEADER + length + HASH > b.length) return { problem: `record length ${length} runs past the ${b.length}-byte slot` };
  const stored = b.subarray(HEADER + length, HEADER + length + HASH);
  if (!digest(b.subarray(0, HEADER + length)).equals(stored)) return { problem: 'record hash mismatch (torn or altered)' };
  let v: unknown;
  try {
    v = JSON.parse(b.subarray(HEADER, HEADER + length).toString('utf8'));
  } catch {
    return { problem: 'record JSON does not parse' };
  }
  const identity = identityFromJson(v);
  return 'problem' in identity ? { problem: `record ${identity.problem}` } : { identity };
}

function digest(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest().subarray(0, HASH);
}
