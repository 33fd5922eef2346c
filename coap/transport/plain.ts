/**
 * Plain CoAP over UDP (phase 1): one socket per local address, because a UDP socket bound to
 * a wildcard does not tell which of the host's addresses a datagram was sent to (node:dgram
 * has no IPV6_PKTINFO), and a device is an address. Each socket is a DatagramTransport
 * (pia/node's seam), so the same code runs on real sockets and on the in-memory network.
 *
 * Flow: 1. bind one socket per address (IPv6 'udp6' with ipv6Only: false, IPv4 'udp4');
 *       2. a datagram received on socket S → handlers(bytes, from, {local: S's address,
 *          ctx: phase 1 from `from`}); 3. send(bytes, to, {local}) → the socket bound to
 *          `local` (the first socket when none is named).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { canonicalAddress, plaintextContext } from '../../pia/discovery/index.js';
import { AddressCache } from '../../pia/index.js';
import { openUdpTransport, type DatagramListener, type DatagramTransport } from '../../pia/node/index.js';
import { IPV6_HEADER, IPV6_MIN_MTU, UDP_HEADER, type CoapEndpoint, type CoapTransport, type MessageHandler, type SendMeta } from './types.js';

/** 1280 − 40 − 8 = 1232 bytes of CoAP message in one unfragmented IPv6 packet. */
export const PLAIN_MAX_MESSAGE = IPV6_MIN_MTU - IPV6_HEADER - UDP_HEADER;

export interface PlainTransport extends CoapTransport {
  /** The bound endpoints, one per address (the OS's port when 0 was asked for). */
  readonly locals: readonly CoapEndpoint[];
}

/** CoAP over datagram transports already bound, one per local address. */
export function plainTransport(sockets: readonly DatagramTransport[]): PlainTransport {
  if (sockets.length === 0) throw new Error('plain CoAP transport: no socket; bind at least one address');
  const handlers = new Set<MessageHandler>();
  const byLocal = new Map<string, DatagramTransport>();
  const unlisten: (() => void)[] = [];
  const addresses = new AddressCache(); // the same few peers on every datagram
  for (const s of sockets) {
    const local = canonicalAddress(s.local.address);
    byLocal.set(local, s);
    const listener: DatagramListener = (bytes, from) => {
      const peer = { address: addresses.canonical(from.address), port: from.port };
      const meta = { local, ctx: plaintextContext(peer) };
      for (const h of handlers) h(bytes, peer, meta);
    };
    unlisten.push(s.onDatagram(listener));
  }
  const first = sockets[0]!;
  const locals = sockets.map((s) => ({ address: s.local.address, port: s.local.port }));
  let closed = false;
  return {
    locals,
    maxMessageSize: PLAIN_MAX_MESSAGE,
    description: `plain UDP ${locals.map((l) => `[${l.address}]:${l.port}`).join(' ')}`,
    send(bytes: Uint8Array, to: CoapEndpoint, meta?: SendMeta): Promise<void> {
      if (closed) return Promise.reject(new Error('plain CoAP transport: closed; cannot send'));
      const socket = meta?.local === undefined ? first : byLocal.get(canonicalAddress(meta.local));
      if (socket === undefined) {
        return Promise.reject(new Error(`plain CoAP transport: no socket bound to ${meta?.local ?? '?'}; bound: ${[...byLocal.keys()].join(', ')}`));
      }
      return socket.send(bytes, to);
    },
    onMessage(handler: MessageHandler): () => void {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      handlers.clear();
      for (const u of unlisten) u();
      await Promise.all(sockets.map((s) => s.close()));
    },
  };
}

export interface PlainUdpOptions {
  /** One socket per address: each device address, or "::1" for a laptop demo. */
  readonly addresses: readonly string[];
  /** Default 5683 (RFC 7252 §6.1); 0 = a free port per socket (tests, clients). */
  readonly port?: number;
  readonly onError?: (error: Error) => void;
}

/** Binds one UDP socket per address; on a bind failure closes the ones bound and throws a message naming the address and the fix. */
export async function plainUdpTransport(options: PlainUdpOptions): Promise<PlainTransport> {
  const port = options.port ?? 5683;
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new Error(`CoAP UDP: port ${port} is not in 0–65535; use 5683 or 0 for any free port`);
  const sockets: DatagramTransport[] = [];
  try {
    for (const address of options.addresses) sockets.push(await bindUdp(address, port, options.onError));
  } catch (error) {
    await Promise.all(sockets.map((s) => s.close()));
    throw error;
  }
  return plainTransport(sockets);
}

async function bindUdp(address: string, port: number, onError: ((e: Error) => void) | undefined): Promise<DatagramTransport> {
  if (!isIPv4(address) && !isIPv6(address.split('%')[0] ?? '')) throw new Error(`CoAP UDP: "${address}" is not an IPv6 or IPv4 address; give the device's address, e.g. 2001:db8:42::f1 or ::1`);
  return openUdpTransport({ address, port, label: 'CoAP UDP', ...(onError === undefined ? {} : { onError }) });
}
