/**
 * An in-memory network of DatagramTransports for tests (like wireguard-go's `bindtest`), with
 * hooks to drop, delay, duplicate, reorder, tamper with and observe datagrams, to inject
 * datagrams (replays, forgeries), and to move a node behind a NAT to a new public endpoint.
 *
 * Flow of one datagram:
 *   1. `send` from a transport: the source is the transport's public endpoint (its own bind
 *      endpoint unless `rebind` moved it, as a NAT rebinding does);
 *   2. the interceptors run in the order added; the first that returns a fate decides:
 *      'drop', or a list of deliveries (each with its own bytes and delay: several =
 *      duplicates, changed bytes = tampering, delays = reordering); none → delivered as is;
 *   3. observers see the datagram and what happened to it;
 *   4. each delivery reaches the transport whose public endpoint is the destination, as a
 *      fresh copy, after its delay (on the injected clock; without delay, in a microtask, so
 *      datagrams from one sender arrive in order); with nobody there, a sender attached with
 *      `reportUnreachable` hears "ECONNREFUSED" for that destination, as a connected UDP
 *      socket hears an ICMP port unreachable (docs/protocol.md §2 "Sockets").
 * Endpoints compare as the key exchange compares them (peerKey: 16 address bytes and port).
 */
import type { Clock } from '../../common/index.js';
import { peerKey } from '../handshake/index.js';
import type { DatagramListener, DatagramTransport, Endpoint, UnreachableListener } from './transport.js';

export interface Datagram {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly bytes: Uint8Array;
}

export interface Delivery {
  /** Default: the datagram's bytes. */
  readonly bytes?: Uint8Array;
  /** Default 0. */
  readonly delayMs?: number;
}

export type Fate = 'drop' | readonly Delivery[];
/** Returns the datagram's fate, or undefined to leave it to the next interceptor (or deliver it). */
export type Interceptor = (d: Datagram) => Fate | undefined;
export type Outcome = 'delivered' | 'dropped' | 'unreachable';
export type Observer = (d: Datagram, outcome: Outcome) => void;

export interface AttachOptions {
  /** Hear of datagrams that found nobody at their destination (onUnreachable), as a connected socket does. */
  readonly reportUnreachable?: boolean;
}

export interface MemoryNetwork {
  attach(address: string, port: number, options?: AttachOptions): DatagramTransport;
  intercept(fn: Interceptor): () => void;
  observe(fn: Observer): () => void;
  /** Sends `bytes` as if from `from`, past the interceptors (a replay or forgery on the wire). */
  inject(from: Endpoint, to: Endpoint, bytes: Uint8Array, delayMs?: number): void;
  /** NAT rebinding: the transport bound at `bound` now sends from, and is reached at, `publicEndpoint`. */
  rebind(bound: Endpoint, publicEndpoint: Endpoint): void;
  readonly stats: { readonly sent: number; readonly delivered: number; readonly dropped: number; readonly unreachable: number };
}

export interface MemoryNetworkOptions {
  /** Runs delays; default the process timers (delays then need real time). */
  readonly clock?: Clock;
}

export function createMemoryNetwork(options: MemoryNetworkOptions = {}): MemoryNetwork {
  const byPublic = new Map<string, MemoryTransport>();
  const interceptors: Interceptor[] = [];
  const observers: Observer[] = [];
  const stats = { sent: 0, delivered: 0, dropped: 0, unreachable: 0 };
  const later = (fn: () => void, ms: number): void => {
    if (ms <= 0) queueMicrotask(fn);
    else if (options.clock !== undefined) options.clock.setTimeout(fn, ms);
    else setTimeout(fn, ms);
  };

  const deliver = (d: Datagram, deliveries: readonly Delivery[]): void => {
    for (const delivery of deliveries) {
      const bytes = Uint8Array.from(delivery.bytes ?? d.bytes);
      later(() => {
        const target = byPublic.get(peerKey(d.to));
        const shown = { ...d, bytes };
        if (target === undefined || target.closed) {
          stats.unreachable++;
          for (const o of observers) o(shown, 'unreachable');
          const sender = byPublic.get(peerKey(d.from));
          if (sender?.reportsUnreachable === true && !sender.closed) sender.unreachable(d.to);
          return;
        }
        stats.delivered++;
        for (const o of observers) o(shown, 'delivered');
        target.receive(Uint8Array.from(bytes), d.from);
      }, delivery.delayMs ?? 0);
    }
  };

  const route = (d: Datagram): void => {
    stats.sent++;
    let fate: Fate | undefined;
    for (const fn of interceptors) {
      fate = fn(d);
      if (fate !== undefined) break;
    }
    if (fate === 'drop') {
      stats.dropped++;
      for (const o of observers) o(d, 'dropped');
      return;
    }
    deliver(d, fate ?? [{}]);
  };

  const remove = <T>(list: T[], item: T) => (): void => {
    const at = list.indexOf(item);
    if (at >= 0) list.splice(at, 1);
  };

  return {
    attach(address, port, attachOptions = {}) {
      const t = new MemoryTransport({ address, port }, route, attachOptions.reportUnreachable === true);
      const key = peerKey(t.local);
      if (byPublic.get(key)?.closed === false) throw new Error(`memory network: [${address}]:${port} is already attached; close that transport first or pick another port`);
      byPublic.set(key, t);
      return t;
    },
    intercept(fn) {
      interceptors.push(fn);
      return remove(interceptors, fn);
    },
    observe(fn) {
      observers.push(fn);
      return remove(observers, fn);
    },
    inject(from, to, bytes, delayMs = 0) {
      deliver({ from, to, bytes: Uint8Array.from(bytes) }, [{ delayMs }]);
    },
    rebind(bound, publicEndpoint) {
      const entry = [...byPublic.entries()].find(([, t]) => peerKey(t.local) === peerKey(bound) && !t.closed);
      if (entry === undefined) throw new Error(`memory network: no transport bound at [${bound.address}]:${bound.port} to rebind`);
      byPublic.delete(entry[0]);
      entry[1].publicEndpoint = publicEndpoint;
      byPublic.set(peerKey(publicEndpoint), entry[1]);
    },
    get stats() {
      return { ...stats };
    },
  };
}

class MemoryTransport implements DatagramTransport {
  readonly local: Endpoint;
  publicEndpoint: Endpoint;
  closed = false;
  readonly #listeners = new Set<DatagramListener>();
  readonly #unreachable = new Set<UnreachableListener>();
  readonly #route: (d: Datagram) => void;

  constructor(
    local: Endpoint,
    route: (d: Datagram) => void,
    readonly reportsUnreachable: boolean,
  ) {
    this.local = local;
    this.publicEndpoint = local;
    this.#route = route;
  }

  /** No wildcard here: every transport sends from the address it was attached at. */
  localAddressFor(): Promise<string> {
    return Promise.resolve(this.local.address);
  }

  onUnreachable(listener: UnreachableListener): () => void {
    this.#unreachable.add(listener);
    return () => this.#unreachable.delete(listener);
  }

  unreachable(to: Endpoint): void {
    for (const l of this.#unreachable) l(to, 'ECONNREFUSED');
  }

  send(bytes: Uint8Array, to: Endpoint): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`memory transport [${this.local.address}]:${this.local.port}: closed; cannot send`));
    this.#route({ from: this.publicEndpoint, to: { address: to.address, port: to.port }, bytes: Uint8Array.from(bytes) });
    return Promise.resolve();
  }

  receive(bytes: Uint8Array, from: Endpoint): void {
    for (const listener of this.#listeners) listener(bytes, from);
  }

  onDatagram(listener: DatagramListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): Promise<void> {
    this.closed = true;
    this.#listeners.clear();
    this.#unreachable.clear();
    return Promise.resolve();
  }
}
