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
 * - `close()` is idempotent; after it no listener is called.
 */

/** An IP address (IPv6 text, or IPv4 / IPv4-mapped) and a UDP port. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export type DatagramListener = (bytes: Uint8Array, from: Endpoint) => void;

export interface DatagramTransport {
  send(bytes: Uint8Array, to: Endpoint): Promise<void>;
  /** Adds a listener; returns the function that removes it. */
  onDatagram(listener: DatagramListener): () => void;
  /** The bound address and port (the port the OS chose when 0 was asked for). */
  readonly local: Endpoint;
  close(): Promise<void>;
}

/** The PIA UDP port (docs/protocol.md §2; RFC 3948's NAT-T port). */
export const PIA_DEFAULT_PORT = 4500;
