/**
 * The Block2/Block1 option value (RFC 7959 §2.2): NUM (4, 12 or 20 bits) | M (1 bit) |
 * SZX (3 bits), as a uint of 0–3 bytes. Block size = 2^(SZX + 4): 16 … 1024 bytes; SZX 7 is
 * reserved (BERT, RFC 8323, only over reliable transports) and refused here.
 */
import { CoapOptionError } from './errors.js';
import { decodeUint, encodeUint } from './options.js';

export interface BlockOption {
  /** Block number: the block's offset is num × size. */
  readonly num: number;
  /** More blocks follow (in a response); ignored in a Block2 request (RFC 7959 §2.2). */
  readonly more: boolean;
  /** Size exponent, 0–6. */
  readonly szx: number;
}

export const MAX_SZX = 6;
/** RFC 7959 §2.2: NUM has at most 20 bits. */
export const MAX_BLOCK_NUM = 0xfffff;

export function blockSize(szx: number): number {
  return 2 ** (szx + 4);
}

/** The largest SZX whose block fits in `bytes` (at least 0: 16 bytes). */
export function szxFor(bytes: number): number {
  let szx = MAX_SZX;
  while (szx > 0 && blockSize(szx) > bytes) szx--;
  return szx;
}

export function encodeBlock(block: BlockOption): Uint8Array {
  if (!Number.isInteger(block.num) || block.num < 0 || block.num > MAX_BLOCK_NUM) throw new RangeError(`block number ${block.num} is not in 0–${MAX_BLOCK_NUM}`);
  if (!Number.isInteger(block.szx) || block.szx < 0 || block.szx > MAX_SZX) throw new RangeError(`block SZX ${block.szx} is not in 0–${MAX_SZX}`);
  return encodeUint(block.num * 16 + (block.more ? 8 : 0) + block.szx);
}

/** Throws CoapOptionError for more than 3 bytes or the reserved SZX 7. */
export function decodeBlock(value: Uint8Array, what = 'Block2'): BlockOption {
  const n = decodeUint(value, 3, what);
  const szx = n & 7;
  if (szx > MAX_SZX) throw new CoapOptionError(what, 'SZX 7 is reserved (BERT needs a reliable transport, RFC 8323)');
  return { num: Math.floor(n / 16), more: (n & 8) !== 0, szx };
}
