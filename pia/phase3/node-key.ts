/**
 * A node's long-term key K_X held in memory (docs/protocol.md §9.1): the file-backed
 * `NodeKey`. Its only operation is HMAC-SHA256 over a message, exactly what a secure element
 * with a slot key (ATECC608 SHA command in HMAC mode) offers, so the phase-3 code cannot use
 * the key any other way.
 *
 * Must hold: the key bytes live in a private field (a copy of what the caller gave); the object
 * prints as "[redacted]" under toString, JSON and util.inspect; errors name lengths, never bytes.
 */
import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import type { NodeKey } from './types.js';

/** K_X is 256 bits (§9). */
export const NODE_KEY_BYTES = 32;

class FileNodeKey implements NodeKey {
  readonly #key: Uint8Array;
  constructor(key: Uint8Array) {
    if (key.length !== NODE_KEY_BYTES) {
      throw new RangeError(`node key must be ${NODE_KEY_BYTES} bytes (256 bits), got ${key.length}; check the credential file's "key" (base64 of 32 bytes)`);
    }
    this.#key = Uint8Array.from(key);
  }
  hmac(message: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(createHmac('sha256', this.#key).update(message).digest()));
  }
  toString(): string {
    return 'NodeKey [redacted]';
  }
  toJSON(): string {
    return this.toString();
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

/** A NodeKey over 32 key bytes (copied: the caller may wipe its own buffer afterwards). */
export function fileNodeKey(key: Uint8Array): NodeKey {
  return new FileNodeKey(key);
}
