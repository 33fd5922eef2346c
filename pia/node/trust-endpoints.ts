/**
 * The trusted server's PIA endpoints as one node sees them (docs/protocol.md §9.12): one
 * server (one node ID and key), served by one or more instances that share its database, each
 * at its own endpoint. The node talks to one of them, the current one, and moves on to the
 * next when the current one has gone silent.
 *
 *   1. `current()` starts at the first endpoint (a credential lists them in the order this node
 *      should try them: pia/credential spreads nodes over them by node ID);
 *   2. `sent(at)` stamps a message to the server with the endpoint it went to and when;
 *   3. `heard(index, at)` notes any control message from an endpoint (a P3_VERDICT);
 *   4. `resending(stamp)`: a message is about to be sent again because no answer came. If the
 *      endpoint it went to is still current and has said nothing since it was sent, that
 *      instance is taken for gone and the next endpoint becomes current (wrapping around);
 *   5. `unreachable(index)`: no SA could be set up with that endpoint: move on likewise.
 * `sendToTrustServer` is the sending side of it: a message (keyed by what resends it) to the
 * current endpoint, connecting first, with steps 2, 4 and 5 applied.
 *
 * Must hold: a failover moves away from the endpoint that failed only, never from one that
 * another message already failed over to (so many resends at once advance one step, not one
 * each); with a single endpoint nothing ever changes.
 */
import type { Clock } from '../../common/index.js';
import { formatEndpoint } from '../discovery/index.js';
import { isZeroNodeId, nodeIdFromText } from '../phase3/index.js';
import type { Peer } from './peer.js';
import type { SaPair } from './sa.js';
import type { Endpoint } from './transport.js';

export interface SentStamp {
  readonly index: number;
  readonly at: number;
}

export class TrustEndpoints {
  readonly all: readonly Endpoint[];
  #index = 0;
  readonly #heardAt: number[];

  constructor(endpoints: readonly Endpoint[]) {
    if (endpoints.length === 0) throw new Error('PIA phase 3: the trusted server needs at least one endpoint (server.address and server.port in the credential)');
    this.all = endpoints;
    this.#heardAt = endpoints.map(() => -Infinity);
  }

  current(): Endpoint {
    return this.all[this.#index] as Endpoint;
  }

  get currentIndex(): number {
    return this.#index;
  }

  sent(at: number): SentStamp {
    return { index: this.#index, at };
  }

  heard(index: number, at: number): void {
    if (index >= 0 && index < this.all.length) this.#heardAt[index] = at;
  }

  /** Step 4: true when this moved to another endpoint. */
  resending(stamp: SentStamp): boolean {
    if ((this.#heardAt[stamp.index] ?? -Infinity) >= stamp.at) return false;
    return this.unreachable(stamp.index);
  }

  /** Step 5 for an endpoint named by address: the new current one when this moved, else undefined. */
  failed(endpoint: Endpoint): Endpoint | undefined {
    const index = this.all.findIndex((e) => e.address === endpoint.address && e.port === endpoint.port);
    return this.unreachable(index) ? this.current() : undefined;
  }

  /** Step 5: true when this moved to another endpoint. */
  unreachable(index: number): boolean {
    if (index !== this.#index || this.all.length < 2) return false;
    this.#index = (this.#index + 1) % this.all.length;
    return true;
  }
}

/** Throws unless `text` is a node ID other than "any" (the message names it and the fix). */
export function checkServerId(text: string): void {
  let zero: boolean;
  try {
    zero = isZeroNodeId(nodeIdFromText(text));
  } catch (err) {
    throw new Error(`PIA phase 3: trustServerId: ${err instanceof Error ? err.message : String(err)}; give the trusted server's node ID (server.id in the node's credential)`);
  }
  if (zero) throw new Error("PIA phase 3: trustServerId is the all-zero ID (\"any\"), which pins nothing; give the trusted server's node ID (server.id in the node's credential)");
}

/** What `sendToTrustServer` needs from the node (the phase-3 driver's host). */
export interface TrustServerLink {
  readonly clock: Clock;
  connect(endpoint: Endpoint): Promise<void>;
  peerAt(endpoint: Endpoint): Peer | undefined;
  sendControl(peer: Peer, pair: SaPair, payload: Uint8Array): Promise<void>;
  log(level: 'info' | 'warn', message: string): void;
}

/**
 * Sends `payload` to the trusted server's current endpoint over our SA with it (set up on
 * demand). `stamps` remembers where and when each `key`'s last message went: a resend moves on
 * from an endpoint silent since (step 4), and an endpoint no SA can be set up with is passed over
 * (step 5). Send errors are dropped: the sender's own retransmission tries again.
 */
export async function sendToTrustServer<K>(servers: TrustEndpoints, link: TrustServerLink, stamps: Map<K, SentStamp>, key: K, payload: Uint8Array): Promise<void> {
  const previous = stamps.get(key);
  if (previous !== undefined && servers.resending(previous)) {
    link.log('warn', `PIA phase 3: no answer from the trusted server at ${formatEndpoint(servers.all[previous.index] as Endpoint)}; trying its endpoint ${formatEndpoint(servers.current())}`);
  }
  for (let tried = 0; tried < servers.all.length; tried++) {
    const index = servers.currentIndex;
    const server = servers.current();
    stamps.set(key, servers.sent(link.clock.now()));
    try {
      await link.connect(server);
    } catch (err) {
      link.log('warn', `PIA phase 3: trusted server ${formatEndpoint(server)} unreachable (${err instanceof Error ? err.message : String(err)}); retrying with backoff, phase-2 traffic goes on`);
      if (servers.unreachable(index)) continue;
      return; // the sender retransmits
    }
    const s = link.peerAt(server);
    if (s?.current !== undefined) await link.sendControl(s, s.current, payload).catch(() => undefined);
    return;
  }
}
