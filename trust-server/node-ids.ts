/**
 * Node IDs as the trusted server handles them in text (docs/protocol.md §9.1): 16 random bytes
 * in the RFC 9562 version-4 layout, written as a lower-case UUID. The all-zero ID means "any"
 * in P3_REQ and is never a node's ID.
 */
import { randomBytes } from 'node:crypto';
import { newNodeId, nodeIdToText } from '../pia/phase3/index.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NIL = '00000000-0000-0000-0000-000000000000';

/** Randomness for IDs, keys and tokens; the OS CSPRNG unless a test seeds it. */
export type RandomBytes = (n: number) => Uint8Array;
export const systemRandom: RandomBytes = (n) => new Uint8Array(randomBytes(n));

/** True for a UUID in canonical text (any case) that is not the all-zero "any" ID. */
export function isNodeIdText(text: string): boolean {
  const lower = text.toLowerCase();
  return UUID.test(lower) && lower !== NIL;
}

/** The canonical (lower-case) form; undefined if `text` is not a node ID. */
export function canonicalNodeId(text: string): string | undefined {
  return isNodeIdText(text) ? text.toLowerCase() : undefined;
}

/** A fresh version-4 node ID in text (../pia/phase3's newNodeId, RFC 9562 §5.4). */
export function newNodeIdText(random: RandomBytes): string {
  return nodeIdToText(newNodeId({ bytes: random }));
}
