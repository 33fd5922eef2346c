/**
 * How node keys sit in the database (never in clear): AES-256-GCM under the master key with
 *   AAD = "pia-trust node key v1" | node ID (16 bytes),
 * so a wrapped key copied into another node's row does not open, and a key-check value
 *   AES-256-GCM(master key, "pia-trust key check v1", AAD = "pia-trust key check v1")
 * sealed when the database is created and opened at every start, so a wrong master key is
 * refused at open instead of yielding garbage keys later.
 */
import type { MasterKey } from './master-key.js';
import { uuidBytes } from './validate.js';

const NODE_KEY_AAD = Buffer.from('pia-trust node key v1', 'utf8');
const KEY_CHECK = Buffer.from('pia-trust key check v1', 'utf8');
export const NODE_KEY_BYTES = 32;

export function wrapNodeKey(master: MasterKey, nodeId: string, key: Uint8Array, random?: (n: number) => Uint8Array): Uint8Array {
  if (key.length !== NODE_KEY_BYTES) throw new Error(`node ${nodeId}: key must be ${NODE_KEY_BYTES} bytes, got ${key.length}`);
  return master.seal(key, nodeAad(nodeId), random);
}

/** The node key, or undefined if the blob was not wrapped for this node under this master key. */
export function unwrapNodeKey(master: MasterKey, nodeId: string, wrapped: Uint8Array): Uint8Array | undefined {
  const key = master.open(wrapped, nodeAad(nodeId));
  return key?.length === NODE_KEY_BYTES ? key : undefined;
}

export function sealKeyCheck(master: MasterKey, random?: (n: number) => Uint8Array): Uint8Array {
  return master.seal(KEY_CHECK, KEY_CHECK, random);
}

export function keyCheckOpens(master: MasterKey, sealed: Uint8Array): boolean {
  const plain = master.open(sealed, KEY_CHECK);
  return plain !== undefined && Buffer.from(plain).equals(KEY_CHECK);
}

function nodeAad(nodeId: string): Buffer {
  return Buffer.concat([NODE_KEY_AAD, uuidBytes(nodeId)]);
}
