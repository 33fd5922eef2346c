/** Node IDs (§9.1, RFC 9562) and the file-backed node key. */
import { inspect } from 'node:util';
import { createHmac } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { seededRandom } from '../handshake/test-support/index.js';
import { ZERO_NODE_ID, isZeroNodeId, newNodeId, nodeIdFromText, nodeIdToText, sameNodeId } from './node-id.js';
import { fileNodeKey } from './node-key.js';

describe('node IDs', () => {
  it('new IDs carry the RFC 9562 version 4 and variant 10 bits', () => {
    const random = seededRandom('ids');
    for (let i = 0; i < 50; i++) {
      const id = newNodeId(random);
      expect(id).toHaveLength(16);
      expect(id[6]! >> 4).toBe(4);
      expect(id[8]! >> 6).toBe(0b10);
      expect(nodeIdToText(id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(sameNodeId(newNodeId(seededRandom('x')), newNodeId(seededRandom('y')))).toBe(false);
  });

  it('text round-trips, any case in, lowercase out', () => {
    const text = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
    expect(nodeIdToText(nodeIdFromText(text))).toBe(text);
    expect(nodeIdToText(nodeIdFromText(text.toUpperCase()))).toBe(text);
    expect(sameNodeId(nodeIdFromText(text), nodeIdFromText(text.toUpperCase()))).toBe(true);
    expect(nodeIdToText(ZERO_NODE_ID)).toBe('00000000-0000-0000-0000-000000000000');
    expect(isZeroNodeId(ZERO_NODE_ID)).toBe(true);
    expect(isZeroNodeId(nodeIdFromText(text))).toBe(false);
  });

  it('bad text is refused with the text and the expected form named', () => {
    for (const bad of ['', '3f2504e04f8941d39a0c0305e82c3301', '3f2504e0-4f89-41d3-9a0c-0305e82c330', '3f2504e0-4f89-41d3-9a0c-0305e82c33zz', ' 3f2504e0-4f89-41d3-9a0c-0305e82c3301']) {
      expect(() => nodeIdFromText(bad)).toThrow(`node ID "${bad}" is not a UUID: expected 32 hexadecimal digits as 8-4-4-4-12`);
    }
    expect(() => nodeIdToText(new Uint8Array(15))).toThrow(/16 bytes, got 15/);
  });
});

describe('fileNodeKey', () => {
  it('is HMAC-SHA256 under the key, and never prints the key', async () => {
    const raw = new Uint8Array(32).map((_, i) => i + 100);
    const key = fileNodeKey(raw);
    const message = Uint8Array.of(1, 2, 3);
    const want = createHmac('sha256', raw).update(message).digest();
    raw.fill(0); // the key keeps its own copy
    expect(Buffer.from(await key.hmac(message)).equals(want)).toBe(true);
    const secretHex = Buffer.from(new Uint8Array(32).map((_, i) => i + 100)).toString('hex');
    for (const shown of [inspect(key), (key as { toString(): string }).toString(), JSON.stringify({ key }), inspect({ nested: { key } })]) {
      expect(shown).toContain('redacted');
      expect(shown).not.toContain(secretHex.slice(0, 8));
    }
  });

  it('refuses a key that is not 32 bytes, naming the length', () => {
    expect(() => fileNodeKey(new Uint8Array(16))).toThrow(/32 bytes \(256 bits\), got 16/);
  });
});
