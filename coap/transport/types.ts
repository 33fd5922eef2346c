/**
 * The datagram seam under CoAP: plain UDP (phase 1) or a PIA node (phase 2/3, inner UDP
 * packets to and from a device's own address, docs/protocol.md §6).
 *
 * Must hold for every implementation:
 * - each received datagram reaches every handler once, whole, with its source endpoint (the
 *   peer's CoAP endpoint: over PIA the inner source address and port) and `ReceiveMeta`:
 *   the local address it was sent to (a device's address) and its SecurityContext (§7);
 * - `send(bytes, to, meta)` sends from `meta.local` when given (a server answers from the
 *   address the request was sent to); over PIA it goes through the SA of `meta.ctx.peer`
 *   (the request's) or of `meta.via`; it resolves once handed to the network and rejects
 *   when it cannot be sent (no SA, closed, unknown local address);
 * - `close()` is idempotent and detaches every handler.
 */
import type { SecurityContext } from '../../pia/discovery/index.js';

/** An IP address (IPv6 text, or IPv4 / IPv4-mapped) and a UDP port. */
export interface CoapEndpoint {
  readonly address: string;
  readonly port: number;
}

export interface ReceiveMeta {
  /** The address the datagram was sent to (canonical text): the device it is for. */
  readonly local: string;
  readonly ctx: SecurityContext;
}

export interface SendMeta {
  /** Send from this local address (a device's address); default the transport's first. */
  readonly local?: string;
  /** The context of the request being answered: over PIA, its SA carries the answer. */
  readonly ctx?: SecurityContext;
  /** Over PIA: the PIA endpoint whose SA carries the datagram (a client's first request). */
  readonly via?: CoapEndpoint;
}

export type MessageHandler = (bytes: Uint8Array, from: CoapEndpoint, meta: ReceiveMeta) => void;

export interface CoapTransport {
  send(bytes: Uint8Array, to: CoapEndpoint, meta?: SendMeta): Promise<void>;
  /** Adds a handler; returns the function that removes it. */
  onMessage(handler: MessageHandler): () => void;
  /**
   * The largest CoAP message this transport carries without IP fragmentation; the server
   * sizes Block2 blocks from it (plain.ts, pia.ts say how it is computed).
   */
  readonly maxMessageSize: number;
  /** For logs: "plain UDP [::1]:5683" or "PIA [2001:db8::1]:4500 port 5683". */
  readonly description: string;
  close(): Promise<void>;
}

/**
 * RFC 8200 §5: every IPv6 link carries 1280-byte packets. Without path MTU discovery a
 * datagram is sized for that minimum.
 */
export const IPV6_MIN_MTU = 1280;
export const IPV6_HEADER = 40;
export const UDP_HEADER = 8;
