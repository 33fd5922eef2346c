/**
 * A DatagramTransport on a real UDP socket (node:dgram), docs/protocol.md §2.
 *
 * - An IPv6 bind address (default `::`) opens a 'udp6' socket with `ipv6Only: false`, so
 *   IPv4 peers reach it too and are reported as IPv4-mapped addresses (::ffff:a.b.c.d);
 *   an IPv4 destination is sent to as its mapped form. An IPv4 bind address opens 'udp4',
 *   which sends to an IPv4-mapped destination (the node's canonical form) as dotted IPv4.
 * - Default port 4500; port 0 lets the OS choose (`local.port` tells which).
 * - `connectPeers` (a program that only initiates, §2 "Sockets"): one socket connected to each
 *   peer (udp-peer-sockets.ts), so an ICMP "unreachable" for a peer reaches `onUnreachable`.
 *   Without it, one unconnected socket serves every peer and the OS reports no ICMP errors.
 * - Other socket errors after the bind go to `onError` and do not close the socket: UDP is
 *   lossy anyway and the node's timers handle silence.
 * - `localAddressFor(peer)` (§6 inner source): the bound address; bound to `::`/`0.0.0.0`, the
 *   local address of a socket connected to the peer (the peer's own with `connectPeers`, else
 *   a throwaway one that sends nothing), cached per peer (at most 1024, then started afresh).
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import { PIA_DEFAULT_PORT, type DatagramListener, type DatagramTransport, type Endpoint, type UnreachableListener } from './transport.js';
import { PeerSockets } from './udp-peer-sockets.js';

export interface UdpTransportOptions {
  /** Bind address; default `::` (every IPv6 and IPv4 address). */
  readonly address?: string;
  /** Bind port; default 4500, 0 = any free port. */
  readonly port?: number;
  readonly onError?: (error: Error) => void;
  /** What the socket is, in messages; default "PIA UDP transport" (the CoAP layer says "CoAP UDP"). */
  readonly label?: string;
  /** One socket connected to each peer (programs that only initiate: piactl, pia ping); default false. */
  readonly connectPeers?: boolean;
}

export async function openUdpTransport(options: UdpTransportOptions = {}): Promise<DatagramTransport> {
  const address = options.address ?? '::';
  const port = options.port ?? PIA_DEFAULT_PORT;
  const label = options.label ?? 'PIA UDP transport';
  const v4 = isIPv4(address);
  if (!v4 && !isIPv6(address.split('%')[0] ?? '')) {
    throw new Error(`${label}: bind address "${address}" is not an IPv6 or IPv4 address; use e.g. :: or 127.0.0.1`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new Error(`${label}: port ${port} is not in 0..65535; use ${PIA_DEFAULT_PORT} (PIA's default) or 0 for any free port`);
  }
  const socket = v4 ? createSocket({ type: 'udp4' }) : createSocket({ type: 'udp6', ipv6Only: false });
  await new Promise<void>((resolve, reject) => {
    const onBindError = (err: NodeJS.ErrnoException): void => {
      socket.close();
      const hint = err.code === 'EADDRINUSE' ? 'another process uses it; stop it or choose another port' : bindHint(address, err.code);
      reject(new Error(`${label}: cannot bind [${address}]:${port} (${err.code ?? err.message}); ${hint}`));
    };
    socket.once('error', onBindError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onBindError);
      resolve();
    });
  });
  return new UdpTransport(socket, v4, options.onError, label, options.connectPeers === true);
}

const SOURCE_CACHE = 1024;

class UdpTransport implements DatagramTransport {
  readonly local: Endpoint;
  readonly #socket: Socket;
  readonly #v4: boolean;
  readonly #listeners = new Set<DatagramListener>();
  readonly #unreachable = new Set<UnreachableListener>();
  readonly #addresses = new Map<string, string>();
  readonly #sources = new Map<string, Promise<string>>();
  readonly #peers: PeerSockets | undefined;
  #closed = false;

  constructor(
    socket: Socket,
    v4: boolean,
    onError: ((error: Error) => void) | undefined,
    private readonly label: string,
    connectPeers: boolean,
  ) {
    this.#socket = socket;
    this.#v4 = v4;
    const bound = socket.address();
    this.local = { address: bound.address, port: bound.port };
    const receive = (msg: Buffer, from: Endpoint): void => {
      const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.length);
      for (const listener of this.#listeners) listener(bytes, from);
    };
    // node:dgram makes `msg` and `rinfo` per datagram (outside our control); `rinfo` is passed as
    // the source endpoint rather than copied into one more object.
    socket.on('message', (msg, rinfo) => receive(msg, rinfo));
    const error = (err: Error): void => onError?.(err);
    this.#peers = connectPeers
      ? new PeerSockets({
          main: socket,
          type: v4 ? 'udp4' : 'udp6',
          bindAddress: bound.address,
          label,
          receive,
          error,
          unreachable: (peer, code) => {
            for (const l of this.#unreachable) l(peer, code);
          },
        })
      : undefined;
    socket.on('error', (err) => {
      if (this.#peers?.socketError(socket, err) !== true) error(err);
    });
  }

  /**
   * Hands `bytes` to the socket as they are (no copy: node:dgram reads them on its next tick,
   * so the promise settles only from its callback, after which the caller may reuse them).
   */
  send(bytes: Uint8Array, to: Endpoint): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`${this.label} [${this.local.address}]:${this.local.port}: closed; cannot send`));
    const address = this.#socketAddress(to.address);
    if (this.#peers !== undefined) return this.#peers.send(bytes, to, address);
    return new Promise((resolve, reject) => {
      this.#socket.send(bytes, to.port, address, (err) => (err ? reject(err) : resolve()));
    });
  }

  localAddressFor(peer: Endpoint): Promise<string> {
    if (this.#closed) return Promise.reject(new Error(`${this.label} [${this.local.address}]:${this.local.port}: closed`));
    if (!isUnspecified(this.local.address)) return Promise.resolve(this.local.address);
    const address = this.#socketAddress(peer.address);
    if (this.#peers !== undefined) return this.#peers.localAddressFor(peer, address);
    const key = `${address}|${peer.port}`;
    let source = this.#sources.get(key);
    if (source === undefined) {
      source = routedFrom(this.#v4, address, peer.port, this.label);
      if (this.#sources.size >= SOURCE_CACHE) this.#sources.clear();
      this.#sources.set(key, source);
      source.catch(() => this.#sources.delete(key)); // no route now: ask again next time
    }
    return source;
  }

  onUnreachable(listener: UnreachableListener): () => void {
    this.#unreachable.add(listener);
    return () => this.#unreachable.delete(listener);
  }

  /** The destination as this socket family takes it; cached (a regex per packet otherwise). */
  #socketAddress(text: string): string {
    let address = this.#addresses.get(text);
    if (address === undefined) {
      address = this.#v4 ? unmapped(text) : isIPv4(text) ? `::ffff:${text}` : text;
      if (this.#addresses.size >= 1024) this.#addresses.clear();
      this.#addresses.set(text, address);
    }
    return address;
  }

  onDatagram(listener: DatagramListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#unreachable.clear();
    await this.#peers?.close();
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}

function isUnspecified(address: string): boolean {
  return address === '::' || address === '0.0.0.0';
}

/** The local address of a throwaway socket connected to the peer (connecting sends nothing). */
async function routedFrom(v4: boolean, address: string, port: number, label: string): Promise<string> {
  const socket = v4 ? createSocket({ type: 'udp4' }) : createSocket({ type: 'udp6', ipv6Only: false });
  try {
    await new Promise<void>((resolve, reject) => socket.connect(port, address, (err?: Error) => (err ? reject(err) : resolve())));
    return socket.address().address;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw Object.assign(new Error(`${label}: no local address reaches [${address}]:${port} (${err.code ?? err.message}); check this host's routes (ip route get ${address})`), { code: err.code });
  } finally {
    try {
      socket.close();
    } catch {
      // already closed by a failed connect: nothing to release
    }
  }
}

/** A link-local address (fe80::/10) is bound on one interface only: it needs that zone. */
function bindHint(address: string, code: string | undefined): string {
  if (!/^fe[89ab][0-9a-f]:/i.test(address)) {
    return code === 'EADDRNOTAVAIL'
      ? 'the address is not configured on this host: add it (ip -6 addr add ADDR/128 dev lo) or an AnyIP local route, or fall back to ::1'
      : 'check the address is configured on this host';
  }
  return address.includes('%')
    ? 'check the address is configured on that interface (ip -6 addr show dev IFNAME) and that the interface exists'
    : 'a link-local address needs the interface it is on, e.g. [fe80::1%eth0]';
}

/** ::ffff:a.b.c.d → a.b.c.d (a udp4 socket cannot send to IPv6 text); anything else unchanged. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m?.[1] ?? address;
}
