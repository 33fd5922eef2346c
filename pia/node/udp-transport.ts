/**
 * A DatagramTransport on a real UDP socket (node:dgram), docs/protocol.md §2.
 *
 * - An IPv6 bind address (default `::`) opens a 'udp6' socket with `ipv6Only: false`, so
 *   IPv4 peers reach it too and are reported as IPv4-mapped addresses (::ffff:a.b.c.d);
 *   an IPv4 destination is sent to as its mapped form. An IPv4 bind address opens 'udp4',
 *   which sends to an IPv4-mapped destination (the node's canonical form) as dotted IPv4.
 * - Default port 4500; port 0 lets the OS choose (`local.port` tells which).
 * - Socket errors after the bind (ICMP unreachable surfaced by some OSes, …) go to `onError`
 *   and do not close the socket: UDP is lossy anyway and the node's timers handle silence.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import { PIA_DEFAULT_PORT, type DatagramListener, type DatagramTransport, type Endpoint } from './transport.js';

export interface UdpTransportOptions {
  /** Bind address; default `::` (every IPv6 and IPv4 address). */
  readonly address?: string;
  /** Bind port; default 4500, 0 = any free port. */
  readonly port?: number;
  readonly onError?: (error: Error) => void;
  /** What the socket is, in messages; default "PIA UDP transport" (the CoAP layer says "CoAP UDP"). */
  readonly label?: string;
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
  return new UdpTransport(socket, v4, options.onError, label);
}

class UdpTransport implements DatagramTransport {
  readonly local: Endpoint;
  readonly #socket: Socket;
  readonly #v4: boolean;
  readonly #listeners = new Set<DatagramListener>();
  readonly #addresses = new Map<string, string>();
  #closed = false;

  constructor(
    socket: Socket,
    v4: boolean,
    onError: ((error: Error) => void) | undefined,
    private readonly label: string,
  ) {
    this.#socket = socket;
    this.#v4 = v4;
    const bound = socket.address();
    this.local = { address: bound.address, port: bound.port };
    socket.on('message', (msg, rinfo) => {
      // node:dgram makes `msg` and `rinfo` per datagram (outside our control); `rinfo` is passed
      // as the source endpoint rather than copied into one more object.
      const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.length);
      for (const listener of this.#listeners) listener(bytes, rinfo);
    });
    socket.on('error', (err) => onError?.(err));
  }

  /**
   * Hands `bytes` to the socket as they are (no copy: node:dgram reads them on its next tick,
   * so the promise settles only from its callback, after which the caller may reuse them).
   */
  send(bytes: Uint8Array, to: Endpoint): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`${this.label} [${this.local.address}]:${this.local.port}: closed; cannot send`));
    const address = this.#socketAddress(to.address);
    return new Promise((resolve, reject) => {
      this.#socket.send(bytes, to.port, address, (err) => (err ? reject(err) : resolve()));
    });
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

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#listeners.clear();
    return new Promise((resolve) => this.#socket.close(() => resolve()));
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
