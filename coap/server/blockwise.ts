/**
 * Block-wise responses (RFC 7959 §2.4, Block2) and the blob cache behind them.
 *
 * - Block size: the request's SZX, or smaller when ours is smaller (then the block number is
 *   rescaled so the byte offset stays: §2.4); ours is the largest power of two that leaves
 *   room for the headers in the transport's message size (1024 over plain UDP and over PIA:
 *   docs/protocol.md §3).
 * - A response larger than one block is always sent block-wise; a block past the end is
 *   answered 4.02 Bad Option (§2.2).
 * - Every block carries an ETag of the whole representation (§2.4: a client that sees it
 *   change restarts), and block 0 carries Size2 (§4).
 * - A blob (a snapshot) is fetched once per transfer: block 0 fetches it anew and caches it
 *   for that client and resource; later blocks come from the cache (bounded in entries and
 *   time), so every block of a transfer is of the same capture.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../common/index.js';
import { blockSize, szxFor, type BlockOption } from '../message/block.js';

/** Headroom for the header, token and options of a block response (ETag 9, Block2 4, Size2 5, Content-Format 3, Observe 4, Max-Age 5, discovery echo 24, token 8, header 4, marker 1, spare). */
export const BLOCK_HEADROOM = 100;

export function defaultSzx(maxMessageSize: number, maxBlockSize = 1024): number {
  return szxFor(Math.min(maxBlockSize, maxMessageSize - BLOCK_HEADROOM));
}

export interface Slice {
  readonly payload: Uint8Array;
  /** Undefined when the whole representation fits and the request asked for no block. */
  readonly block: BlockOption | undefined;
}

/** The block the request asks for, at most our size; 'out-of-range' for a block past the end. */
export function sliceBlock(whole: Uint8Array, requested: BlockOption | undefined, ourSzx: number): Slice | 'out-of-range' {
  const szx = Math.min(requested?.szx ?? ourSzx, ourSzx);
  const size = blockSize(szx);
  if (requested === undefined && whole.length <= size) return { payload: whole, block: undefined };
  const offset = requested === undefined ? 0 : requested.num * blockSize(requested.szx);
  if (offset > 0 && offset >= whole.length) return 'out-of-range';
  const num = Math.floor(offset / size);
  const start = num * size;
  const end = Math.min(start + size, whole.length);
  return { payload: whole.subarray(start, end), block: { num, more: end < whole.length, szx } };
}

/** 8 bytes of SHA-256: an entity tag for a representation (RFC 7252 §5.10.6). */
export function etagOf(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest().subarray(0, 8));
}

interface CachedBlob {
  readonly bytes: Uint8Array;
  readonly etag: Uint8Array;
  expiresAt: number;
}

export class BlobCache {
  readonly #entries = new Map<string, CachedBlob>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(key: string): CachedBlob | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= this.clock.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    e.expiresAt = this.clock.now() + this.ttlMs;
    this.#entries.delete(key);
    this.#entries.set(key, e);
    return e;
  }

  put(key: string, bytes: Uint8Array): CachedBlob {
    const e = { bytes, etag: etagOf(bytes), expiresAt: this.clock.now() + this.ttlMs };
    this.#entries.delete(key);
    this.#entries.set(key, e);
    for (const [k, v] of this.#entries) {
      if (this.#entries.size <= this.maxEntries && v.expiresAt > this.clock.now()) break;
      this.#entries.delete(k);
    }
    return e;
  }

  get size(): number {
    return this.#entries.size;
  }
}
