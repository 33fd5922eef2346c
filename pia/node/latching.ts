/**
 * Latching after a completed exchange (docs/protocol.md §4): the peer's address is recorded
 * in the latch store with its PIA port and suite, so it never gets plaintext again. With a
 * PeerDiscovery wired in, discovery decides which addresses to latch (a gateway's devices
 * too) and the node carries out its actions.
 */
import type { DiscoveryAction, LatchInfo, LatchStore, PeerDiscovery, PeerEndpoint, PlaintextPolicy } from '../discovery/index.js';
import type { SuiteId } from '../suites-ids.js';

export interface LatchingOptions {
  readonly latches: LatchStore;
  readonly discovery: PeerDiscovery | undefined;
  readonly log: (level: 'info' | 'warn', message: string) => void;
  /** Discovery asked for an exchange toward `pia`. */
  readonly start: (pia: PeerEndpoint, options: { readonly initOnce: boolean }) => void;
}

export class Latching {
  constructor(private readonly o: LatchingOptions) {}

  plaintextPolicy(address: string): PlaintextPolicy {
    if (this.o.discovery !== undefined) return this.o.discovery.plaintextPolicy(address);
    return this.o.latches.get(address) === undefined ? 'allow' : 'refuse-latched';
  }

  established(peer: PeerEndpoint, suite: SuiteId): void {
    if (this.o.discovery !== undefined) this.carryOut(this.o.discovery.exchangeEstablished(peer, suite));
    else this.record([peer.address], { piaPort: peer.port, suite });
  }

  started(peer: PeerEndpoint): void {
    this.o.discovery?.exchangeStarted(peer);
  }
  failed(peer: PeerEndpoint, reason: string): void {
    this.carryOut(this.o.discovery?.exchangeFailed(peer, reason) ?? []);
  }
  saClosed(peer: PeerEndpoint): void {
    this.o.discovery?.saClosed(peer);
  }
  touch(address: string): void {
    this.o.latches.touch(address);
  }

  private carryOut(actions: readonly DiscoveryAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'record-latch':
          this.record(a.peers, a.latch);
          break;
        case 'log':
          this.o.log(a.level, a.message);
          break;
        case 'start-exchange':
          this.o.start(a.pia, { initOnce: a.initOnce === true });
          break;
      }
    }
  }

  private record(peers: readonly string[], info: LatchInfo): void {
    this.o.latches.record(peers, info).catch((err: unknown) => {
      const why = err instanceof Error ? err.message : String(err);
      this.o.log('warn', `latch store: could not persist the latch of ${peers.join(', ')} (${why}); it holds in memory until restart; fix the store's file or directory`);
    });
  }
}
