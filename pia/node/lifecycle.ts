/**
 * The SA lifecycle run at timer deadlines (docs/protocol.md §3), and the node's one timer.
 *
 *   1. the responder's tick (half-open expiry)
 *   2. per peer whose deadline has come (the table's deadline queue, never a walk over all
 *      peers): its initiator's tick (INIT retransmission); older pairs past their grace or
 *      hard limit dropped; a dead peer (35 s silent after we sent) or a current pair past its
 *      hard limit (180 s) torn down; else a keepalive (dummy ESP, next header 59) and/or a
 *      rekey by time (peer.ts `due`)
 *   3. a torn-down peer that matters (§3: we initiated to it, or the application holds an
 *      interest in it) is reported dead ('peer-dead', counted); any other is forgotten
 *      quietly ('peer-forgotten', counted apart): a program that exited costs nothing more
 * Returns the peers it serviced: the node schedules each anew, or forgets it once it holds
 * nothing. Teardown drops every SA with the peer and tells discovery; its latch stays (§4).
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import type { KxAction, Responder } from '../handshake/index.js';
import type { PiaNodeCounters, PiaNodeEvent, SaCloseReason, SaLimits } from './node-types.js';
import type { Peer } from './peer.js';
import type { SaPair } from './sa.js';
import type { SaTable } from './sa-table.js';

export interface LifecycleHost {
  readonly clock: Clock;
  readonly limits: SaLimits;
  readonly table: SaTable;
  readonly counters: PiaNodeCounters;
  readonly responder: Responder;
  emit(event: PiaNodeEvent): void;
  run(actions: readonly KxAction[]): void;
  sendDummy(peer: Peer, pair: SaPair): void;
  startExchange(peer: Peer, reason: 'rekey-time'): void;
  saClosed(peer: Peer): void;
  /** §3: we initiated to `peer`, or the application holds an interest in it. */
  matters(peer: Peer): boolean;
  readonly phase3: { giveUp(peer: Peer, pair: SaPair, why: string): void; pairClosed(pair: SaPair): void };
}

export function serviceDeadlines(host: LifecycleHost): Peer[] {
  const now = host.clock.now();
  host.run(host.responder.tick());
  const serviced = host.table.duePeers(now);
  for (const peer of serviced) {
    if (peer.initiator !== undefined) host.run(peer.initiator.tick());
    const due = peer.due(now, host.limits);
    for (const old of due.retire) closePair(host, peer, old, old.retireAt !== undefined && old.retireAt <= now ? 'grace-over' : 'hard-limit');
    if (due.dead) {
      if (host.matters(peer)) {
        host.counters.deadPeers++;
        host.emit({ kind: 'peer-dead', peer: peer.endpoint, silentMs: now - (peer.dpdSince ?? now) });
        teardown(host, peer, 'dead-peer');
      } else {
        teardown(host, peer, 'dead-peer');
        forgotten(host, peer, 'silent');
      }
    } else if (due.expire) {
      const matters = host.matters(peer);
      teardown(host, peer, 'hard-limit');
      if (!matters) forgotten(host, peer, 'expired');
    } else if (peer.current !== undefined) {
      if (due.keepalive) {
        host.counters.keepalivesSent++;
        host.sendDummy(peer, peer.current);
      }
      if (due.rekey) host.startExchange(peer, 'rekey-time');
      if (due.promote && peer.pending !== undefined) host.phase3.giveUp(peer, peer.pending, 'phase 3 did not complete on the rekeyed SA in time');
    }
  }
  return serviced;
}

function forgotten(host: LifecycleHost, peer: Peer, why: 'silent' | 'expired'): void {
  host.counters.peersForgotten++;
  host.emit({ kind: 'peer-forgotten', peer: peer.endpoint, why });
}

/** Every SA with the peer goes. A rekey still running may yet bring a new SA after a hard limit; not to a dead or closed peer. */
export function teardown(host: LifecycleHost, peer: Peer, reason: 'dead-peer' | 'hard-limit' | 'closed' | 'peer-closed'): void {
  const hadSa = peer.current !== undefined;
  for (const pair of peer.pairs()) closePair(host, peer, pair, reason);
  peer.rekeyAt = undefined;
  peer.dpdSince = undefined;
  if (reason !== 'hard-limit' && peer.initiator !== undefined) {
    peer.initiator.abandon();
    host.table.dropInitiator(peer.initiator);
  }
  if (hadSa) host.saClosed(peer);
}

function closePair(host: LifecycleHost, peer: Peer, pair: SaPair, reason: SaCloseReason): void {
  host.table.removePair(peer, pair);
  host.phase3.pairClosed(pair);
  host.emit({ kind: 'sa-closed', peer: peer.endpoint, sa: pair.info, reason });
}

/**
 * One clock timer at the earliest deadline. Must hold: it never fires later than the earliest
 * deadline it was given since it last fired. It may fire earlier (a deadline that moved later
 * does not re-arm it: re-arming costs a clock queue operation per packet); the fire handler
 * recomputes every deadline and arms the next, so an early fire only costs that recomputation.
 */
export class DeadlineTimer {
  #armed: { handle: TimerHandle; at: number } | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly fire: () => void,
  ) {}

  /** Makes sure the timer fires no later than `at` (undefined: no new deadline). */
  arm(at: number | undefined): void {
    if (at === undefined || !Number.isFinite(at)) return;
    if (this.#armed !== undefined && this.#armed.at <= at) return;
    this.cancel();
    const handle = this.clock.setTimeout(() => {
      this.#armed = undefined;
      this.fire();
    }, Math.max(0, at - this.clock.now()));
    this.#armed = { handle, at };
  }

  cancel(): void {
    if (this.#armed !== undefined) this.clock.clearTimeout(this.#armed.handle);
    this.#armed = undefined;
  }
}
