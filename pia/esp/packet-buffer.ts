/**
 * A reusable datagram buffer for the per-packet path (docs/protocol.md §6): the node seals
 * into and opens into these instead of allocating a buffer per packet.
 *
 * Must hold:
 * - `bytes` grows (to a power of two, at most `MAX_DATAGRAM`) only when a packet larger than
 *   any before arrives; after that, the same memory is reused: steady traffic allocates nothing;
 * - `view(start, length)` returns the same Uint8Array object for the same (start, length) while
 *   `bytes` is unchanged, so the AEAD seam (which takes exact-length arrays) costs no view per
 *   packet. The cache is bounded (`MAX_VIEWS`, emptied when full) whatever lengths arrive;
 * - whoever holds a view sees the next packet's bytes once the buffer is reused: the owner
 *   documents how long a view stays valid (pia-node.ts `onData`: during the callback only).
 */

/**
 * The largest UDP payload over IPv6 without jumbograms (RFC 8200 §3: 16-bit payload length,
 * minus the 8-byte UDP header). An ESP datagram PIA sends or accepts is never larger.
 */
export const MAX_DATAGRAM = 0xffff - 8;
const INITIAL_BYTES = 2048;
const MAX_VIEWS = 64;

export class PacketBuffer {
  #bytes: Uint8Array;
  readonly #views = new Map<number, Uint8Array>();

  constructor(initialBytes = INITIAL_BYTES) {
    this.#bytes = new Uint8Array(initialBytes);
  }

  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /** Makes `bytes` at least `length` long (contents not kept: call before writing a packet). */
  ensure(length: number): Uint8Array {
    if (length > this.#bytes.length) {
      if (length > MAX_DATAGRAM) throw new RangeError(`packet buffer: ${length} bytes exceed the largest UDP datagram (${MAX_DATAGRAM})`);
      let size = this.#bytes.length;
      while (size < length) size *= 2;
      this.#bytes = new Uint8Array(Math.min(size, MAX_DATAGRAM));
      this.#views.clear();
    }
    return this.#bytes;
  }

  /** `bytes.subarray(start, start + length)`, the same object each time (see the module comment). */
  view(start: number, length: number): Uint8Array {
    const key = start * 0x20000 + length;
    let v = this.#views.get(key);
    if (v === undefined) {
      if (start + length > this.#bytes.length) throw new RangeError(`packet buffer: bytes ${start}..${start + length} are past its ${this.#bytes.length}; ensure() first`);
      if (this.#views.size >= MAX_VIEWS) this.#views.clear();
      v = this.#bytes.subarray(start, start + length);
      this.#views.set(key, v);
    }
    return v;
  }
}
