/**
 * CoAP over a PIA node (phase 2/3): each CoAP message is the payload of an inner UDP packet
 * in the ESP SA (docs/protocol.md §6, tunnel mode), addressed to the device's own address.
 *
 * Flow:
 *   1. inbound: PiaNode.onData(payload, ctx, inner) with inner.dstPort = our CoAP port →
 *      handlers(a copy of payload, from = (inner.src, inner.srcPort), {local: inner.dst, ctx})
 *      (the node's payload view lasts only during its callback);
 *   2. outbound: send(bytes, to, meta) → PiaNode.send(peer, {srcPort: port, dstPort: to.port,
 *      innerSrc: meta.local, innerDst: to.address}) where peer (whose SA carries it) is the
 *      answered request's ctx.peer, else meta.via, else options.route(to), else
 *      (to.address, 4500): a node serving its own address.
 * The node is the caller's: close() only detaches from it.
 */
import { formatEndpoint } from '../../pia/discovery/index.js';
import { PIA_DEFAULT_PORT, type PiaNode } from '../../pia/node/index.js';
import { IPV6_HEADER, IPV6_MIN_MTU, type CoapEndpoint, type CoapTransport, type MessageHandler, type SendMeta } from './types.js';

/**
 * docs/protocol.md §3: the ESP overhead is at most 93 bytes (outer UDP 8, SPI 4, seq 4, IV 8,
 * pad 3 + 2, ICV 16, inner IPv6 40, inner UDP 8), plus the outer IPv6 header (40): a CoAP
 * message of 1280 − 40 − 93 = 1147 bytes fits one unfragmented packet.
 */
export const ESP_MAX_OVERHEAD = 93;
export const PIA_MAX_MESSAGE = IPV6_MIN_MTU - IPV6_HEADER - ESP_MAX_OVERHEAD;

export interface PiaTransportOptions {
  /** Our inner UDP port; default 5683 (a server's; a client may use it too: inner addresses are per node). */
  readonly port?: number;
  /** Which PIA peer carries datagrams to `to` when the caller names none (a client's discovery table). */
  readonly route?: (to: CoapEndpoint) => CoapEndpoint | undefined;
}

/** `piaTransport(node)`, `piaTransport(node, 5683)` or `piaTransport(node, { port, route })`. */
export function piaTransport(node: PiaNode, portOrOptions: number | PiaTransportOptions = {}): CoapTransport {
  const options = typeof portOrOptions === 'number' ? { port: portOrOptions } : portOrOptions;
  const port = options.port ?? 5683;
  if (!Number.isInteger(port) || port < 1 || port > 0xffff) throw new Error(`CoAP over PIA: port ${port} is not in 1–65535; use 5683`);
  const handlers = new Set<MessageHandler>();
  let closed = false;
  const unlisten = node.onData((payload, ctx, inner) => {
    if (inner.dstPort !== port) return;
    // The node gives inner addresses as canonical text (RFC 5952) already.
    const from = { address: inner.src, port: inner.srcPort };
    const meta = { local: inner.dst, ctx };
    // The node's payload is a view valid during this call only; a decoded message keeps views
    // of its bytes (token, options, payload) past it, so CoAP gets a copy of its own.
    const bytes = payload.slice();
    for (const h of handlers) h(bytes, from, meta);
  });
  return {
    maxMessageSize: PIA_MAX_MESSAGE,
    description: `PIA ${formatEndpoint(node.local)} inner port ${port}`,
    send(bytes: Uint8Array, to: CoapEndpoint, meta?: SendMeta): Promise<void> {
      if (closed) return Promise.reject(new Error('CoAP over PIA: transport closed; cannot send'));
      if (meta?.ctx?.phase === 1) {
        return Promise.reject(new Error(`CoAP over PIA: the request from ${formatEndpoint(meta.ctx.peer)} came in plaintext; answer it on the plain transport`));
      }
      const peer = meta?.ctx?.peer ?? meta?.via ?? options.route?.(to) ?? { address: to.address, port: PIA_DEFAULT_PORT };
      return node.send(peer, {
        srcPort: port,
        dstPort: to.port,
        payload: bytes,
        innerDst: to.address,
        ...(meta?.local === undefined ? {} : { innerSrc: meta.local }),
      });
    },
    onMessage(handler: MessageHandler): () => void {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    close(): Promise<void> {
      closed = true;
      handlers.clear();
      unlisten();
      return Promise.resolve();
    },
  };
}
