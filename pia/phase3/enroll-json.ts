/**
 * The JSON inside ENROLL and ENROLL_RESULT seals (docs/protocol.md §9.8):
 *
 *   request: {"op": "register", "id": UUID, "key": base64 (32 bytes), "label", "kind"}
 *          | {"op": "generate", "requestId": UUID, "label", "kind"}
 *   result:  {"id": UUID, "key"?: base64, "created": bool}   (granted)
 *            {"error": text}                                  (denied after the request opened)
 *
 * Must hold: decoders throw only `PiaDecodeError`; at most 512 bytes; label 1–64 UTF-8 bytes
 * without control characters; kind "gateway" or "operator" (a station enrolls boards and
 * operator machines, never stations or servers); keys come out as SecretBytes and the JSON
 * bytes holding them are wiped by the callers after sealing/opening.
 */
import { PiaDecodeError } from '../errors.js';
import { SecretBytes } from '../handshake/key-schedule.js';
import { isZeroNodeId, nodeIdFromText, nodeIdToText } from './node-id.js';
import { NODE_KEY_BYTES } from './node-key.js';
import { MAX_ENROLL_JSON_BYTES } from './sizes.js';
import type { NodeId } from './types.js';

export type EnrollKind = 'gateway' | 'operator';
export const MAX_LABEL_BYTES = 64;

export type EnrollRequest =
  | { readonly op: 'register'; readonly id: NodeId; readonly key: Uint8Array; readonly label: string; readonly kind: EnrollKind }
  | { readonly op: 'generate'; readonly requestId: string; readonly label: string; readonly kind: EnrollKind };

export interface EnrollResult {
  readonly id: NodeId;
  /** The generated key ("generate"); absent for "register". SecretBytes. */
  readonly key?: Uint8Array;
  readonly created: boolean;
}

const WHAT = 'enrollment JSON';
const utf8 = new TextDecoder('utf-8', { fatal: true });
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

function toBytes(value: unknown): Uint8Array {
  const out = new Uint8Array(Buffer.from(JSON.stringify(value), 'utf8'));
  if (out.length > MAX_ENROLL_JSON_BYTES) {
    out.fill(0);
    throw new RangeError(`enrollment JSON of ${out.length} bytes, at most ${MAX_ENROLL_JSON_BYTES}; shorten the label`);
  }
  return out;
}

export function encodeEnrollRequest(r: EnrollRequest): Uint8Array {
  checkLabel(r.label, (p) => new RangeError(`enrollment request: ${p}`));
  if (r.op === 'register') {
    if (isZeroNodeId(r.id)) throw new RangeError('enrollment request: the all-zero node ID means "any" and cannot be registered');
    if (r.key.length !== NODE_KEY_BYTES) throw new RangeError(`enrollment request: the node key must be ${NODE_KEY_BYTES} bytes, got ${r.key.length}`);
    return toBytes({ op: 'register', id: nodeIdToText(r.id), key: b64(r.key), label: r.label, kind: r.kind });
  }
  nodeIdFromText(r.requestId); // a UUID, or a RangeError naming it
  return toBytes({ op: 'generate', requestId: r.requestId.toLowerCase(), label: r.label, kind: r.kind });
}

export function decodeEnrollRequest(bytes: Uint8Array): EnrollRequest {
  const v = parse(bytes);
  const label = v.label;
  if (typeof label !== 'string') throw new PiaDecodeError(WHAT, 'request needs a "label" string');
  checkLabel(label, (p) => new PiaDecodeError(WHAT, p));
  const kind = v.kind;
  if (kind !== 'gateway' && kind !== 'operator') throw new PiaDecodeError(WHAT, 'request "kind" must be "gateway" or "operator"');
  if (v.op === 'register') {
    const id = uuid(v.id, '"id"');
    if (isZeroNodeId(id)) throw new PiaDecodeError(WHAT, 'the all-zero node ID cannot be registered');
    const key = typeof v.key === 'string' && /^[A-Za-z0-9+/]{43}=$/.test(v.key) ? Buffer.from(v.key, 'base64') : undefined;
    if (key?.length !== NODE_KEY_BYTES) throw new PiaDecodeError(WHAT, `register needs "key": base64 of ${NODE_KEY_BYTES} bytes`);
    const secret = new SecretBytes(key);
    key.fill(0);
    return { op: 'register', id, key: secret, label, kind };
  }
  if (v.op === 'generate') {
    uuid(v.requestId, '"requestId"');
    return { op: 'generate', requestId: (v.requestId as string).toLowerCase(), label, kind };
  }
  throw new PiaDecodeError(WHAT, 'request "op" must be "register" or "generate"');
}

export function encodeEnrollResult(r: EnrollResult): Uint8Array {
  if (r.key !== undefined && r.key.length !== NODE_KEY_BYTES) throw new RangeError(`enrollment result: the node key must be ${NODE_KEY_BYTES} bytes, got ${r.key.length}`);
  return toBytes({ id: nodeIdToText(r.id), ...(r.key === undefined ? {} : { key: b64(r.key) }), created: r.created });
}

export function encodeEnrollError(text: string): Uint8Array {
  return toBytes({ error: text.slice(0, 200) });
}

export function decodeEnrollResult(bytes: Uint8Array): EnrollResult {
  const v = parse(bytes);
  const id = uuid(v.id, '"id"');
  if (typeof v.created !== 'boolean') throw new PiaDecodeError(WHAT, 'result needs "created": true or false');
  if (v.key === undefined) return { id, created: v.created };
  const key = typeof v.key === 'string' && /^[A-Za-z0-9+/]{43}=$/.test(v.key) ? Buffer.from(v.key, 'base64') : undefined;
  if (key?.length !== NODE_KEY_BYTES) throw new PiaDecodeError(WHAT, `result "key" must be base64 of ${NODE_KEY_BYTES} bytes`);
  const secret = new SecretBytes(key);
  key.fill(0);
  return { id, key: secret, created: v.created };
}

export function decodeEnrollError(bytes: Uint8Array): string {
  const v = parse(bytes);
  if (typeof v.error !== 'string') throw new PiaDecodeError(WHAT, 'a denial needs {"error": string}');
  return v.error;
}

function parse(bytes: Uint8Array): Record<string, unknown> {
  if (bytes.length > MAX_ENROLL_JSON_BYTES) throw new PiaDecodeError(WHAT, `${bytes.length} bytes, at most ${MAX_ENROLL_JSON_BYTES}`);
  let v: unknown;
  try {
    v = JSON.parse(utf8.decode(bytes));
  } catch {
    throw new PiaDecodeError(WHAT, 'does not parse as UTF-8 JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PiaDecodeError(WHAT, 'must be a JSON object');
  return v as Record<string, unknown>;
}

function uuid(v: unknown, what: string): NodeId {
  if (typeof v !== 'string') throw new PiaDecodeError(WHAT, `${what} must be a UUID string`);
  try {
    return nodeIdFromText(v);
  } catch {
    throw new PiaDecodeError(WHAT, `${what} is not a UUID (8-4-4-4-12 hexadecimal digits)`);
  }
}

function checkLabel(label: string, error: (problem: string) => Error): void {
  const bytes = Buffer.byteLength(label, 'utf8');
  // eslint-disable-next-line no-control-regex
  if (bytes < 1 || bytes > MAX_LABEL_BYTES || /[\u0000-\u001f\u007f]/.test(label)) {
    throw error(`label must be 1–${MAX_LABEL_BYTES} UTF-8 bytes without control characters`);
  }
}
