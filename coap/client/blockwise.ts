/**
 * Block2 reassembly (RFC 7959 §2.4, §3): after a response carrying Block2 with M set, ask
 * for the next block (same size, or the smaller one the server chose) until M is clear.
 * Must hold: every block but the last is full; each starts where the last ended; the ETag
 * stays the same (a changed ETag means the representation changed: the transfer restarts
 * from block 0, at most `maxRestarts` times); the body stays under `maxBytes`.
 */
import { blockSize, decodeBlock, encodeBlock, type BlockOption } from '../message/block.js';
import { CoapOptionError } from '../message/errors.js';
import { CoapOptionNumber, findOption, type CoapOption } from '../message/options.js';
import type { RawResponse } from './exchange.js';
import { CoapClientError } from './types.js';

export interface BlockFetch {
  /** Sends the request again with this Block2 option; resolves with the response. */
  readonly next: (block: BlockOption) => Promise<RawResponse>;
  readonly maxBytes: number;
  readonly maxRestarts: number;
  readonly what: string;
}

/** The whole body, starting from the first response (which may carry no Block2: then it is the body). */
export async function reassemble(first: RawResponse, f: BlockFetch): Promise<{ last: RawResponse; first: RawResponse; body: Uint8Array }> {
  let restarts = 0;
  let head = first;
  for (;;) {
    const got = await collect(head, f);
    if (got !== 'restart') return { ...got, first: head };
    if (++restarts > f.maxRestarts) throw new CoapClientError('blockwise', `${f.what}: the representation changed during the transfer ${restarts} times (ETag, RFC 7959 §2.4); try again`);
    head = await f.next({ num: 0, more: false, szx: blockOf(head)?.szx ?? 6 });
  }
}

async function collect(head: RawResponse, f: BlockFetch): Promise<{ last: RawResponse; body: Uint8Array } | 'restart'> {
  const block = blockOf(head);
  if (block === undefined || (block.num === 0 && !block.more)) return { last: head, body: head.message.payload };
  if (block.num !== 0) throw new CoapClientError('blockwise', `${f.what}: the first response is block ${block.num}, not 0`);
  const etag = etagKey(head.message.options);
  const parts: Uint8Array[] = [];
  let offset = 0;
  let current = head;
  let b = block;
  for (;;) {
    const payload = current.message.payload;
    if (b.num * blockSize(b.szx) !== offset) throw new CoapClientError('blockwise', `${f.what}: block ${b.num} of ${blockSize(b.szx)} bytes does not start at byte ${offset}`);
    if (b.more && payload.length !== blockSize(b.szx)) throw new CoapClientError('blockwise', `${f.what}: block ${b.num} has ${payload.length} bytes, not ${blockSize(b.szx)}, and is not the last`);
    offset += payload.length;
    if (offset > f.maxBytes) throw new CoapClientError('blockwise', `${f.what}: the body passes ${f.maxBytes} bytes; raise the client's maxBodyBytes if that is expected`);
    parts.push(payload);
    if (!b.more) break;
    const size = blockSize(b.szx);
    current = await f.next({ num: offset / size, more: false, szx: b.szx });
    if ((current.message.code >> 5) !== 2) throw new CoapClientError('blockwise', `${f.what}: block at byte ${offset} answered ${current.message.code >> 5}.${String(current.message.code & 31).padStart(2, '0')}: ${new TextDecoder().decode(current.message.payload)}`);
    if (etagKey(current.message.options) !== etag) return 'restart';
    const nb = blockOf(current);
    if (nb === undefined) throw new CoapClientError('blockwise', `${f.what}: the response for the block at byte ${offset} carries no Block2`);
    b = nb;
  }
  const body = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    body.set(p, at);
    at += p.length;
  }
  return { last: current, body };
}

export function blockOf(r: RawResponse): BlockOption | undefined {
  const o = findOption(r.message.options, CoapOptionNumber.Block2);
  if (o === undefined) return undefined;
  try {
    return decodeBlock(o.value);
  } catch (e) {
    if (e instanceof CoapOptionError) throw new CoapClientError('blockwise', `Block2 in the response: ${e.problem}`);
    throw e;
  }
}

export function block2Option(block: BlockOption): CoapOption {
  return { number: CoapOptionNumber.Block2, value: encodeBlock(block) };
}

function etagKey(options: readonly CoapOption[]): string {
  const e = findOption(options, CoapOptionNumber.ETag)?.value;
  return e === undefined ? '' : Buffer.from(e).toString('hex');
}
