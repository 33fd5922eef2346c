/**
 * The inner source address of a node bound to the unspecified address (docs/protocol.md §6):
 * the address its OS sends from toward the peer (the transport's `localAddressFor`, a
 * connected socket's local address), looked up once per peer and kept on the peer record.
 *
 * Must hold: the answer is never `::` or `0.0.0.0` (RFC 4291 §2.5.2: the reply would go to
 * it); without a way to tell, the send is refused naming the fix (a `localAddress`).
 */
import { formatEndpoint } from '../discovery/index.js';
import type { SaTable } from './sa-table.js';
import type { DatagramTransport, Endpoint } from './transport.js';

/** Canonical text (RFC 5952, IPv4 mapped) of `::` or `0.0.0.0`. */
export function isUnspecified(canonical: string): boolean {
  return canonical === '::' || canonical === '::ffff:0.0.0.0';
}

export interface InnerSourceHost {
  readonly transport: DatagramTransport;
  readonly table: SaTable;
  readonly localAddress: string;
}

export async function innerSourceFor(host: InnerSourceHost, endpoint: Endpoint): Promise<string> {
  const where = formatEndpoint(endpoint);
  const { transport } = host;
  if (transport.localAddressFor === undefined) {
    throw new Error(`PIA send to ${where}: this node is bound to the unspecified address (${host.localAddress}) and its transport cannot tell which address it sends from; give the node a localAddress`);
  }
  const found = host.table.addresses.canonical(await transport.localAddressFor(endpoint));
  if (isUnspecified(found)) throw new Error(`PIA send to ${where}: the transport names no source address toward it; give the node a localAddress`);
  const peer = host.table.find(endpoint);
  if (peer !== undefined) peer.innerSource = found;
  return found;
}
