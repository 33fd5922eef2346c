/**
 * Node IDs (docs/protocol.md §9.1): 16 bytes in the RFC 9562 version-4 layout, written as a
 * UUID in text. The all-zero ID means "any" where the protocol allows it (`ID_B*`).
 *
 *   1. newNodeId: 16 random bytes, then the version nibble set to 4 (octet 6, high nibble) and
 *      the variant bits to 10 (octet 8, two high bits) (RFC 9562 §5.4)
 *   2. nodeIdToText: 8-4-4-4-12 lowercase hexadecimal (RFC 9562 §4)
 *   3. nodeIdFromText: the same form, any case; anything else is refused with a message that
 *      names the text and the form expected
 *
 * Must hold: IDs are public (no constant-time compare needed); text round-trips exactly.
 */
import type { KxRandom } from '../handshake/random.js';
import type { NodeId } from './types.js';

export const NODE_ID_BYTES = 16;

/** "Any node" (§9.1). Do not write into it. */
export const ZERO_NODE_ID: NodeId = new Uint8Array(NODE_ID_BYTES);

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A fresh random node ID with the RFC 9562 version-4 and variant bits. */
export function newNodeId(random: KxRandom): NodeId {
  const id = Uint8Array.from(random.bytes(NODE_ID_BYTES));
  if (id.length !== NODE_ID_BYTES) throw new RangeError(`newNodeId: the random source gave ${id.length} bytes, 16 are needed`);
  id[6] = ((id[6] ?? 0) & 0x0f) | 0x40;
  id[8] = ((id[8] ?? 0) & 0x3f) | 0x80;
  return id;
}

export function nodeIdToText(id: NodeId): string {
  if (id.length !== NODE_ID_BYTES) throw new RangeError(`nodeIdToText: a node ID is ${NODE_ID_BYTES} bytes, got ${id.length}`);
  const hex = Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Parses a UUID (any case). Throws a RangeError naming the text and the expected form. */
export function nodeIdFromText(text: string): NodeId {
  if (!UUID_TEXT.test(text)) {
    const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    throw new RangeError(`node ID "${shown}" is not a UUID: expected 32 hexadecimal digits as 8-4-4-4-12, e.g. 3f2504e0-4f89-41d3-9a0c-0305e82c3301`);
  }
  return new Uint8Array(Buffer.from(text.replaceAll('-', ''), 'hex'));
}

export function isZeroNodeId(id: NodeId): boolean {
  return id.length === NODE_ID_BYTES && id.every((b) => b === 0);
}

export function sameNodeId(a: NodeId, b: NodeId): boolean {
  return a.length === NODE_ID_BYTES && b.length === NODE_ID_BYTES && Buffer.compare(a, b) === 0;
}
