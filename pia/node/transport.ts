/**
 * The datagram seam of a PIA node (docs/architecture.md#conventions: transport behind an
 * interface, like wireguard-go's `conn.Bind`): one UDP port carrying key-exchange messages and ESP packets
 * (docs/protocol.md §2). Two implementations: `openUdpTransport` (node:dgram) and the
 * in-memory network of `createMemoryNetwork` for tests (like wireguard-go's `bindtest`).
 *
 * Must hold for every implementation:
 * - `onDatagram` listeners get each received datagram once, whole, with its source;
 *   the bytes are the listener's to keep (not reused by the transport);
 * - `send` resolves once the datagram is handed to the network (not when it arrives) and
 *   rejects after `close()`; a datagram may be lost, duplicated or reordered, never merged;
 * - `send` may read `bytes` until it settles (node:dgram does, without a copy): the caller
 *   leaves them unchanged until then (the node reuses its seal buffers only after);
 * - `close()` is idempotent; after it no listener is called;
 * - `localAddressFor(peer)`, where implemented, never answers the unspecified address: it is
 *   the bound address, or for a socket bound to `::`/`0.0.0.0` the address the OS sends from
 *   toward that peer (docs/protocol.md §6: the inner source address);
 * - `onUnreachable` listeners hear of a peer only from the network itself (an ICMP error on a
 *   socket connected to that peer, §2 "Sockets"), never from a datagram's content.
 */

/** An IP address (IPv6 text, or IPv4 / IPv4-mapped) and a UDP port. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export type DatagramListener = (bytes: Uint8Array, from: Endpoint) => void;

/** The network said `peer` cannot be reached: `code` is the errno (ECONNREFUSED: nothing listens on that port). */
export type UnreachableListener = (peer: Endpoint, code: string) => void;

export interface DatagramTransport {
  send(bytes: Uint8Array, to: Endpoint): Promise<void>;
  /** Adds a listener; returns the function that removes it. */
  onDatagram(listener: DatagramListener): () => void;
  /** The bound address and port (the port the OS chose when 0 was asked for). */
  readonly local: Endpoint;
  close(): Promise<void>;
  /** The address datagrams to `peer` leave from (see above); rejects when no route leads there. */
  localAddressFor?(peer: Endpoint): Promise<string>;
  /** Adds a listener for peers the network reports unreachable; returns the function that removes it. */
  onUnreachable?(listener: UnreachableListener): () => void;
}

/** The PIA UDP port (docs/protocol.md §2; RFC 3948's NAT-T port). */
export const PIA_DEFAULT_PORT = 4500;
