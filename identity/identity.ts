/**
 * Checks on a `BoardIdentity` and a node key shared by every store.
 *
 * Must hold:
 * - node IDs are lower-case, non-zero UUIDs (stores compare them as text);
 * - the server address is an IPv6 or IPv4 literal and the port 1–65535, as pia/credential reads them;
 * - `identityFromJson` returns the fields in one fixed order (id, kind, label, server{address,
 *   port, id}), so an identity encodes to the same bytes every time;
 * - a key problem names its length, never a byte of it.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { NODE_KEY_BYTES, isZeroNodeId, nodeIdFromText, nodeIdToText } from '../pia/phase3/index.js';
import { ProvisioningError } from './errors.js';
import type { BoardIdentity } from './types.js';

/** The identity with its fields in canonical order, or the problem with `v`. */
export function identityFromJson(v: unknown): BoardIdentity | { readonly problem: string } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { problem: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  const { id, kind, label, server } = o;
  if (typeof id !== 'string' || !isNodeIdText(id)) return { problem: '"id" is not a lower-case node ID (UUID)' };
  if (kind !== 'gateway' && kind !== 'operator') return { problem: '"kind" is not "gateway" or "operator"' };
  if (typeof label !== 'string') return { problem: '"label" is not a string' };
  if (typeof server !== 'object' || server === null) return { problem: '"server" is not an object {address, port, id}' };
  const s = server as Record<string, unknown>;
  if (typeof s.address !== 'string' || !(isIPv6(s.address) || isIPv4(s.address))) return { problem: '"server.address" is not an IPv6 or IPv4 address' };
  if (typeof s.port !== 'number' || !Number.isInteger(s.port) || s.port < 1 || s.port > 0xffff) return { problem: '"server.port" is not a UDP port 1–65535' };
  if (typeof s.id !== 'string' || !isNodeIdText(s.id)) return { problem: '"server.id" is not a lower-case node ID (UUID)' };
  return { id, kind, label, server: { address: s.address, port: s.port, id: s.id } };
}

/** `identity` in canonical form; throws a 'usage' ProvisioningError naming the store and the field. */
export function checkIdentity(identity: BoardIdentity, where: string): BoardIdentity {
  const checked = identityFromJson(identity);
  if ('problem' in checked) throw new ProvisioningError('usage', `${where}: the identity to write is not valid: ${checked.problem}; use the identity the trusted server returned, unchanged`);
  return checked;
}

/** A 32-byte node key, or a 'usage' error naming its length (never its bytes). */
export function checkKey(key: Uint8Array | undefined, where: string): Uint8Array {
  if (key === undefined) throw new ProvisioningError('usage', `${where} keeps the node key, and none was given; pass the ${NODE_KEY_BYTES}-byte key the trusted server returned`);
  if (key.length !== NODE_KEY_BYTES) throw new ProvisioningError('usage', `${where}: a node key is ${NODE_KEY_BYTES} bytes (256 bits), got ${key.length}; pass the key the trusted server returned`);
  return key;
}

export function sameIdentity(a: BoardIdentity, b: BoardIdentity): boolean {
  return a.id === b.id && a.kind === b.kind && a.label === b.label && a.server.address === b.server.address && a.server.port === b.server.port && a.server.id === b.server.id;
}

/** e.g. `node 7a2a…ab (gateway "rack 4")`, for messages. */
export function describeIdentity(i: BoardIdentity): string {
  return `node ${i.id} (${i.kind} ${JSON.stringify(i.label)})`;
}

function isNodeIdText(text: string): boolean {
  try {
    const id = nodeIdFromText(text);
    return !isZeroNodeId(id) && nodeIdToText(id) === text;
  } catch {
    return false;
  }
}
