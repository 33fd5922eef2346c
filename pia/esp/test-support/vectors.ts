/** Loads the known-answer vectors in ../vectors (see its README for sources). Tests only. */
import { readFileSync } from 'node:fs';

export interface AeadVector {
  readonly tcId: number;
  readonly comment: string;
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
  readonly aad: Uint8Array;
  readonly msg: Uint8Array;
  readonly ct: Uint8Array;
  readonly tag: Uint8Array;
  readonly result: 'valid' | 'invalid';
}

export interface Rfc7634Vector {
  readonly key: Uint8Array;
  readonly salt: Uint8Array;
  readonly spi: number;
  readonly seq: number;
  readonly iv: Uint8Array;
  readonly nonce: Uint8Array;
  readonly aad: Uint8Array;
  readonly nextHeader: number;
  readonly plaintext: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
}

export function hex(text: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/.test(text)) throw new Error(`not lower-case hex: ${text}`);
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function readJson(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

/** The JSON files of AEAD known answers (../vectors/README.md names each one's source). */
export type AeadVectorFile = 'aes-gcm-256-wycheproof.json' | 'aes-gcm-256-mcgrew-viega.json' | 'chacha20-poly1305-wycheproof.json';

export function aeadVectors(file: AeadVectorFile): AeadVector[] {
  const raw = readJson(file).vectors as Record<string, string | number>[];
  return raw.map((v) => ({
    tcId: Number(v.tcId),
    comment: String(v.comment),
    key: hex(String(v.key)),
    iv: hex(String(v.iv)),
    aad: hex(String(v.aad)),
    msg: hex(String(v.msg)),
    ct: hex(String(v.ct)),
    tag: hex(String(v.tag)),
    result: v.result === 'valid' ? 'valid' : 'invalid',
  }));
}

export function rfc7634Vector(): Rfc7634Vector {
  const v = readJson('rfc7634-esp.json') as Record<string, string | number>;
  return {
    key: hex(String(v.key)),
    salt: hex(String(v.salt)),
    spi: Number.parseInt(String(v.spi), 16),
    seq: Number(v.seq),
    iv: hex(String(v.iv)),
    nonce: hex(String(v.nonce)),
    aad: hex(String(v.aad)),
    nextHeader: Number(v.nextHeader),
    plaintext: hex(String(v.plaintext)),
    ciphertext: hex(String(v.ciphertext)),
    tag: hex(String(v.tag)),
  };
}

/** Copies of `bytes`, each with one bit flipped: bit 0 of the first byte and bit 7 of the last. */
export function bitFlips(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length === 0) return [];
  const first = Uint8Array.from(bytes);
  first[0]! ^= 0x01;
  const last = Uint8Array.from(bytes);
  last[last.length - 1]! ^= 0x80;
  return [first, last];
}

/** Tampered variants of a field: its bit flips, or (empty field) one extra byte. */
export function tampered(bytes: Uint8Array): Uint8Array[] {
  return bytes.length === 0 ? [Uint8Array.of(0)] : bitFlips(bytes);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}
