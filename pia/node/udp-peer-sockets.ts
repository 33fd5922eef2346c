/**
 * One UDP socket connected to each peer, for a program that only initiates (docs/protocol.md
 * §2 "Sockets"): on Linux only a connected socket hears of the ICMP errors its datagrams draw
 * (ECONNREFUSED for "port unreachable"), and its local address is the one the OS chose for
 * that peer (§6: the inner source address of a node bound to `::`).
 *
 * Must hold:
 * - the first peer gets the bound socket itself (a chosen bind port stays the source port),
 *   each later one its own socket on the bind address with a port the OS picks;
 * - at most MAX_CONNECTED_PEERS peers; a send to one more is refused, naming the limit;
 * - an ICMP error on a peer's socket (UNREACHABLE_CODES) goes to `unreachable(peer, code)`,
 *   any other socket error to `error`; neither closes the socket (UDP is lossy; the node
 *   decides what a lost peer means);
 * - a send waits until its socket is connected; a failed connect refuses the sends waiting on
 *   it and frees the slot, so a later send tries again.
 */
import { createSocket, type Socket, type SocketType } from 'node:dgram';
import type { Endpoint } from './transport.js';

export const MAX_CONNECTED_PEERS = 64;

/** The errno values of an ICMP "unreachable" on a connected socket (RFC 4443 §3.1, RFC 792 type 3). */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']);

export interface PeerSocketsHost {
  readonly main: Socket;
  readonly type: SocketType;
  readonly bindAddress: string;
  readonly label: string;
  /** A datagram on a peer socket other than the main one (the main socket's own listener delivers those). */
  receive(msg: Buffer, from: Endpoint): void;
  unreachable(peer: Endpoint, code: string): void;
  error(err: Error): void;
}

interface Connected {
  readonly socket: Socket;
  /** The peer as the caller named it (the node's form of the address). */
  readonly peer: Endpoint;
  /** Settles once the socket is connected (or could not be). */
  ready: Promise<void>;
  connected: boolean;
}

export class PeerSockets {
  readonly #byKey = new Map<string, Connected>();
  readonly #peerOf = new Map<Socket, Endpoint>();
  #mainTaken = false;

  constructor(private readonly host: PeerSocketsHost) {}

  /** Sends on the socket connected to `peer` (`address`: the peer's address in the socket family's form). */
  send(bytes: Uint8Array, peer: Endpoint, address: string): Promise<void> {
    let c: Connected;
    try {
      c = this.#for(peer, address);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    if (c.connected) return this.#sendOn(c, bytes);
    return c.ready.then(() => this.#sendOn(c, bytes));
  }

  /** The local address of the socket connected to `peer`: the one the OS chose toward it. */
  async localAddressFor(peer: Endpoint, address: string): Promise<string> {
    const c = this.#for(peer, address);
    await c.ready;
    return c.socket.address().address;
  }

  /** An error event on `socket`: true when it was an ICMP "unreachable" for its peer (reported). */
  socketError(socket: Socket, err: NodeJS.ErrnoException): boolean {
    const peer = this.#peerOf.get(socket);
    if (peer === undefined || err.code === undefined || !UNREACHABLE_CODES.has(err.code)) return false;
    this.host.unreachable(peer, err.code);
    return true;
  }

  /** Closes every peer socket but the main one (the transport closes that). */
  async close(): Promise<void> {
    const others = [...this.#byKey.values()].map((c) => c.socket).filter((s) => s !== this.host.main);
    this.#byKey.clear();
    this.#peerOf.clear();
    await Promise.all(others.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  #sendOn(c: Connected, bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      c.socket.send(bytes, (err) => {
        if (err === null || err === undefined) return resolve();
        this.socketError(c.socket, err);
        reject(err);
      });
    });
  }

  #for(peer: Endpoint, address: string): Connected {
    const key = `${address}|${peer.port}`;
    const known = this.#byKey.get(key);
    if (known !== undefined) return known;
    if (this.#byKey.size >= MAX_CONNECTED_PEERS) {
      throw new Error(`${this.host.label}: already ${MAX_CONNECTED_PEERS} peers, each on its own connected socket; a program that talks to more peers opens its transport without connectPeers`);
    }
    const main = !this.#mainTaken;
    const socket = main ? this.host.main : createSocket(this.host.type === 'udp6' ? { type: 'udp6', ipv6Only: false } : { type: 'udp4' });
    if (main) this.#mainTaken = true;
    else this.#wire(socket);
    const c: Connected = { socket, peer: { address: peer.address, port: peer.port }, ready: Promise.resolve(), connected: false };
    c.ready = (main ? Promise.resolve() : bind(socket, this.host.bindAddress))
      .then(() => connect(socket, peer.port, address))
      .then(
        () => {
          c.connected = true;
        },
        (err: NodeJS.ErrnoException) => {
          this.#byKey.delete(key);
          this.#peerOf.delete(socket);
          if (main) this.#mainTaken = false;
          else socket.close();
          if (err.code !== undefined && UNREACHABLE_CODES.has(err.code)) this.host.unreachable(c.peer, err.code);
          throw err;
        },
      );
    c.ready.catch(() => undefined); // each send reports it; an unawaited `ready` must not be an unhandled rejection
    this.#byKey.set(key, c);
    this.#peerOf.set(socket, c.peer);
    return c;
  }

  #wire(socket: Socket): void {
    socket.on('message', (msg, rinfo) => this.host.receive(msg, { address: rinfo.address, port: rinfo.port }));
    socket.on('error', (err) => {
      if (!this.socketError(socket, err)) this.host.error(err);
    });
  }
}

function bind(socket: Socket, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address, port: 0, exclusive: true }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

function connect(socket: Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => socket.connect(port, address, (err?: Error) => (err ? reject(err) : resolve())));
}
