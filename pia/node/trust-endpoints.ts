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
 *
 * Must hold: a failover moves away from the endpoint that failed only, never from one that
 * another message already failed over to (so many resends at once advance one step, not one
 * each); with a single endpoint nothing ever changes.
 */
import { isZeroNodeId, nodeIdFromText } from '../phase3/index.js';
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
