/**
 * The latch store (docs/protocol.md §4, "Latching"): the peers this node has completed a key
 * exchange with. To a latched peer the node never sends plaintext and from it refuses
 * plaintext, so stripping the discovery option cannot downgrade the pair. A forgotten latch IS
 * a downgrade, hence: the file store survives restarts and refuses to start silently empty on
 * a corrupt file (latch-file.ts), and the only way a latch is forgotten without an operator is
 * eviction when the store is full, which is logged.
 *
 * Keys are canonical peer addresses (address.ts): the address the application talks to and
 * hears plaintext from. `piaAddress` is where that peer's PIA port lives when it differs (a
 * gateway serving device addresses). The PIA endpoint is kept so that after a restart the node
 * can start a key exchange toward a latched peer without sending it plaintext first.
 */
import type { SuiteId } from '../suites-ids.js';
import { canonicalAddress } from '../address.js';

export interface LatchEntry {
  /** Wall-clock ms (Unix epoch) when the peer was first latched. */
  readonly since: number;
  /** Wall-clock ms when the peer was last seen authenticated (or latched again). */
  readonly lastSeen: number;
  /** The peer's PIA UDP port. */
  readonly piaPort: number;
  /** The peer's PIA address when it is not the peer address itself. */
  readonly piaAddress?: string;
  /** The suite of the last exchange, for the operator. */
  readonly suite?: SuiteId;
}

/** What a completed exchange tells the store about a peer. */
export interface LatchInfo {
  readonly piaPort: number;
  readonly piaAddress?: string;
  readonly suite?: SuiteId;
}

/** The read side the discovery state machine needs (discovery.ts). */
export interface LatchView {
  get(peer: string): LatchEntry | undefined;
}

export interface LatchStore extends LatchView {
  has(peer: string): boolean;
  readonly size: number;
  entries(): IterableIterator<[string, LatchEntry]>;
  /**
   * Latches `peers` (or refreshes them). The in-memory latch holds as soon as this is called;
   * the promise resolves once it is durable (file store: after fsync and rename) and rejects
   * if it could not be made durable (the in-memory latch stays).
   */
  record(peers: readonly string[], info: LatchInfo): Promise<void>;
  /** Marks `peer` seen now, in memory; persisted with the next write or `flush()`. */
  touch(peer: string): void;
  /** An operator's unlatch (the peer was reinstalled and lost its keys). Durable when resolved. */
  remove(peer: string): Promise<boolean>;
  /** Persists pending `touch` updates. */
  flush(): Promise<void>;
}

export const DEFAULT_MAX_LATCHES = 10_000;

export interface LatchTableOptions {
  /** Wall-clock ms; `Date.now` by default (latches outlive the process, so not the monotonic Clock). */
  readonly now?: () => number;
  readonly maxPeers?: number;
  readonly log?: (message: string) => void;
}

/**
 * The in-memory table both stores share: canonical keys, bounded size with least-recently-
 * seen eviction (logged, naming the forgotten peer).
 */
export class LatchTable {
  readonly peers = new Map<string, LatchEntry>();
  readonly now: () => number;
  readonly maxPeers: number;
  private readonly log: (message: string) => void;

  constructor(options: LatchTableOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxPeers = options.maxPeers ?? DEFAULT_MAX_LATCHES;
    this.log = options.log ?? ((): void => undefined);
    if (!Number.isInteger(this.maxPeers) || this.maxPeers < 1) {
      throw new RangeError(`latch store: maxPeers ${this.maxPeers} must be a positive integer`);
    }
  }

  get(peer: string): LatchEntry | undefined {
    return this.peers.get(canonicalAddress(peer));
  }

  /** Returns true when the table changed. */
  record(peers: readonly string[], info: LatchInfo): boolean {
    const t = this.now();
    const piaAddress = info.piaAddress === undefined ? undefined : canonicalAddress(info.piaAddress);
    for (const raw of peers) {
      const peer = canonicalAddress(raw);
      const old = this.peers.get(peer);
      if (old === undefined && this.peers.size >= this.maxPeers) this.evictOne();
      this.peers.set(peer, {
        since: old?.since ?? t,
        lastSeen: t,
        piaPort: info.piaPort,
        ...(piaAddress !== undefined && piaAddress !== peer ? { piaAddress } : {}),
        ...(info.suite !== undefined ? { suite: info.suite } : old?.suite !== undefined ? { suite: old.suite } : {}),
      });
    }
    return peers.length > 0;
  }

  /** Returns true when the peer is latched (and its lastSeen moved). */
  touch(peer: string): boolean {
    const key = canonicalAddress(peer);
    const old = this.peers.get(key);
    if (old === undefined) return false;
    this.peers.set(key, { ...old, lastSeen: this.now() });
    return true;
  }

  remove(peer: string): boolean {
    return this.peers.delete(canonicalAddress(peer));
  }

  private evictOne(): void {
    let victim: [string, LatchEntry] | undefined;
    for (const e of this.peers) if (victim === undefined || e[1].lastSeen < victim[1].lastSeen) victim = e;
    if (victim === undefined) return;
    this.peers.delete(victim[0]);
    this.log(
      `latch store: full (${this.maxPeers} peers); forgot the latch of ${victim[0]} (last seen ` +
        `${new Date(victim[1].lastSeen).toISOString()}), which may be sent plaintext again until it ` +
        `reconnects with PIA; raise maxPeers if this repeats`,
    );
  }
}

/** The read side every latch store shares: lookups in its `LatchTable`. */
export abstract class LatchTableReader {
  constructor(protected readonly table: LatchTable) {}

  get(peer: string): LatchEntry | undefined {
    return this.table.get(peer);
  }
  has(peer: string): boolean {
    return this.table.get(peer) !== undefined;
  }
  get size(): number {
    return this.table.peers.size;
  }
  entries(): IterableIterator<[string, LatchEntry]> {
    return this.table.peers.entries();
  }
  touch(peer: string): void {
    this.table.touch(peer);
  }
}

/** The latch store for tests and for nodes that must not persist (same interface, no file). */
export class MemoryLatchStore extends LatchTableReader implements LatchStore {
  constructor(options: LatchTableOptions = {}) {
    super(new LatchTable(options));
  }

  record(peers: readonly string[], info: LatchInfo): Promise<void> {
    this.table.record(peers, info);
    return Promise.resolve();
  }
  remove(peer: string): Promise<boolean> {
    return Promise.resolve(this.table.remove(peer));
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
}
