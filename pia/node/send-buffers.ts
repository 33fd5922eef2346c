/**
 * The node's outbound datagram buffers (docs/protocol.md §6 outbound, without an allocation
 * per packet): each sealed packet is built in a buffer taken from here, handed to the
 * transport without a copy, and the buffer comes back when the transport's `send` settles.
 *
 * Must hold:
 * - a buffer is never written while the transport may still read it: node:dgram reads the
 *   bytes after `socket.send` returns (its address lookup runs on the next tick), so a buffer
 *   returns only when the send promise settles (transport.ts: `send` settles once the
 *   transport no longer needs the bytes);
 * - one request/response flow reuses one buffer; a burst of N unsettled sends holds N, and
 *   at most `MAX_FREE` stay kept afterwards (the rest are left to the garbage collector);
 * - settling allocates no closure: each buffer's `sent` / `failed` handlers are bound once,
 *   when the buffer is made; `failed` reports through `onFailed` (counter and event).
 */
import { PacketBuffer } from '../esp/index.js';
import type { PeerEndpoint } from '../discovery/index.js';

const MAX_FREE = 32;

export type SendFailed = (to: PeerEndpoint, error: unknown) => void;

export class SendBuffer extends PacketBuffer {
  /** Where the datagram in this buffer goes (for the send-error event). */
  to: PeerEndpoint | undefined;
  /** Promise handlers for the transport's send: return the buffer (and report a failure). */
  readonly sent: () => void;
  readonly failed: (error: unknown) => void;

  constructor(pool: SendBuffers, onFailed: SendFailed) {
    super();
    this.to = undefined;
    this.sent = () => pool.give(this);
    this.failed = (error: unknown) => {
      const to = this.to;
      pool.give(this);
      if (to !== undefined) onFailed(to, error);
    };
  }
}

export class SendBuffers {
  readonly #free: SendBuffer[] = [];
  readonly #onFailed: SendFailed;

  constructor(onFailed: SendFailed) {
    this.#onFailed = onFailed;
  }

  /** A buffer nobody reads or writes; give it back (its `sent` / `failed`) when done. */
  take(): SendBuffer {
    return this.#free.pop() ?? new SendBuffer(this, this.#onFailed);
  }

  give(buffer: SendBuffer): void {
    buffer.to = undefined;
    if (this.#free.length < MAX_FREE && !this.#free.includes(buffer)) this.#free.push(buffer);
  }

  /** Buffers kept for reuse (for tests). */
  get free(): number {
    return this.#free.length;
  }
}
