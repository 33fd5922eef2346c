/**
 * The gateway's /pia/revocations resource (docs/protocol.md §9.11): the trusted server tells
 * the gateway which nodes it revoked and which grants it removed, over the gateway's own
 * phase-3 association with it, and the gateway acts at once. CoAP (RFC 7252) on the gateway's
 * PIA node, inner UDP port REVOCATION_PORT (the devices' ports are gateway.coapPort, 5683, and up), one Messenger of its own.
 *
 * One request:
 *   1. not a request → Reset for a CON, else ignored; another path → 4.04; not POST → 4.05;
 *   2. not phase 3 → 4.01; phase 3 with anyone but the trusted server's node ID pinned in the
 *      gateway's credential (`server.id`, the ID_B* every phase 3 toward it names) → 4.03; both
 *      counted, never logged one by one (unauthenticated input costs a count);
 *   3. Content-Format other than JSON (50) → 4.15; the body (pia/phase3 revocation-notice.ts):
 *      too large → 4.13 with Size1; bad → 4.00 naming the field;
 *   4. each revoked node (never the server itself): every association phase 3 bound to it is
 *      closed with CLOSE reason 3 'revoked' (§6), so the peer learns why;
 *   5. the removed grants: taken out of every association's grants (the security context the
 *      policy decides with, §7), the others untouched; the uplink subject's grants (§9.10)
 *      dropped and re-fetched when they held one (`onGrantsWithdrawn` listeners);
 *   6. 2.04, also for a repeat (steps 4–5 are idempotent): the server stops retrying on it.
 *      One log line per new notice (a seq above the last), naming what was done;
 *   7. the notice's nodes and grants are remembered for REMEMBER_MS (the §3 hard limit: no
 *      phase 3 the server decided before the change outlives it), at most REMEMBERED_MAX of
 *      each: a phase 3 that completes after the notice with a ticket the server sealed before
 *      the change (its verdict was on the way) is closed or narrowed as soon as it is up.
 */
import { CoapCode, CoapOptionNumber, ContentFormat, Messenger, emptyMessage, isRequestCode, piaTransport, contentFormatOf, samePath, uintOption, uriPathOrUndefined, type CoapOption, type CoapTransport, type Inbound } from '../../coap/index.js';
import type { Clock } from '../../common/index.js';
import type { PiaNode } from '../../pia/node/index.js';
import { decodeRevocationNotice, MAX_NOTICE_JSON_BYTES, type RevocationNotice } from '../../pia/phase3/index.js';

/**
 * The gateway's inner UDP port for notices from its trusted server (§9.11): below the standard
 * CoAP port where devices are served (loopback addressing counts device ports up from
 * gateway.coapPort), so no device server shares it (start-steps.ts refuses a config that would).
 */
export const REVOCATION_PORT = 5682;
export const REVOCATIONS_PATH = ['pia', 'revocations'] as const;
/** Step 7: how long a notice's nodes and grants are remembered (§3: the SA hard limit), and how many. */
export const REMEMBER_MS = 180_000;
export const REMEMBERED_MAX = 1_024;

export interface RevocationEndpointOptions {
  readonly node: PiaNode;
  readonly clock: Clock;
  /** The trusted server's node ID as the gateway's credential pins it (UUID text). */
  readonly serverId: string;
  readonly log: { info(m: string): void; warn(m: string): void };
  readonly random?: () => number;
  readonly port?: number;
}

export interface RevocationCounters {
  /** Notices applied (a repeat included). */
  applied: number;
  /** Associations closed with reason 'revoked'. */
  associationsClosed: number;
  /** Pairs that lost at least one grant. */
  grantsWithdrawn: number;
  /** 4.01 (not phase 3) and 4.03 (not the trusted server): counted, not logged. */
  unauthenticated: number;
  forbidden: number;
  /** 4.00 / 4.13 / 4.15 from the trusted server. */
  rejected: number;
}

interface Answer {
  readonly code: number;
  readonly diagnostic?: string;
  readonly options?: CoapOption[];
}

export class RevocationEndpoint {
  readonly counters: RevocationCounters = { applied: 0, associationsClosed: 0, grantsWithdrawn: 0, unauthenticated: 0, forbidden: 0, rejected: 0 };
  readonly #o: RevocationEndpointOptions;
  readonly #serverId: string;
  readonly #transport: CoapTransport;
  readonly #messenger: Messenger;
  readonly #withdrawn = new Set<(grantIds: readonly string[]) => void>();
  /** Step 7: node ID / grant ID → until when (clock ms). */
  readonly #revokedNodes = new Map<string, number>();
  readonly #removedGrants = new Map<string, number>();
  readonly #unlisten: () => void;
  #lastSeq = -1;

  constructor(o: RevocationEndpointOptions) {
    this.#o = o;
    this.#serverId = o.serverId.toLowerCase();
    this.#transport = piaTransport(o.node, o.port ?? REVOCATION_PORT);
    this.#messenger = new Messenger({ transport: this.#transport, clock: o.clock, ...(o.random === undefined ? {} : { random: o.random }) }, (inbound) => void this.#receive(inbound));
    this.#unlisten = o.node.onEvent((e) => {
      if (e.kind === 'phase3-up' && (this.#revokedNodes.size > 0 || this.#removedGrants.size > 0)) void this.#late(e.peer, e.peerId);
    });
  }

  /** Step 5: the uplink subject's grants (subject-grants.ts `withdraw`) listen here. */
  onGrantsWithdrawn(listener: (grantIds: readonly string[]) => void): () => void {
    this.#withdrawn.add(listener);
    return () => this.#withdrawn.delete(listener);
  }

  async close(): Promise<void> {
    this.#unlisten();
    this.#withdrawn.clear();
    this.#messenger.close();
    await this.#transport.close();
  }

  async #receive(inbound: Inbound): Promise<void> {
    const m = inbound.message;
    if (m.type === 'RST' || m.type === 'ACK') return;
    if (!isRequestCode(m.code)) {
      if (m.type === 'CON') void this.#messenger.send(emptyMessage('RST', m.messageId), inbound.from, { local: inbound.meta.local, ctx: inbound.meta.ctx });
      return;
    }
    let answer: Answer;
    try {
      answer = await this.#answer(inbound);
    } catch (e) {
      this.#o.log.warn(`revocation notice from the trusted server not applied: ${e instanceof Error ? e.message : String(e)}`);
      answer = { code: CoapCode.InternalServerError, diagnostic: 'not applied; retry' };
    }
    const payload = answer.diagnostic === undefined ? new Uint8Array(0) : new TextEncoder().encode(answer.diagnostic);
    const base = { code: answer.code, token: m.token, options: answer.options ?? [], payload };
    const reply = m.type === 'CON' ? { ...base, type: 'ACK' as const, messageId: m.messageId } : { ...base, type: 'NON' as const, messageId: this.#messenger.nextMessageId() };
    void this.#messenger.reply(inbound, reply);
  }

  async #answer(inbound: Inbound): Promise<Answer> {
    const m = inbound.message;
    const path = uriPathOrUndefined(m.options);
    if (path === undefined) return { code: CoapCode.BadRequest, diagnostic: 'Uri-Path is not UTF-8' };
    if (!samePath(path, REVOCATIONS_PATH)) return { code: CoapCode.NotFound, diagnostic: 'this port serves POST /pia/revocations only' };
    if (m.code !== CoapCode.POST) return { code: CoapCode.MethodNotAllowed, diagnostic: '/pia/revocations takes POST only' };
    const ctx = inbound.meta.ctx;
    if (ctx.phase !== 3) {
      this.counters.unauthenticated++;
      return { code: CoapCode.Unauthorized, diagnostic: 'a revocation notice needs PIA phase 3 with the trusted server' };
    }
    if (ctx.peerIdentity.nodeId.toLowerCase() !== this.#serverId) {
      this.counters.forbidden++;
      return { code: CoapCode.Forbidden, diagnostic: "only this gateway's trusted server sends revocation notices" };
    }
    if (contentFormatOf(m.options) !== ContentFormat.Json) return this.#reject(CoapCode.UnsupportedContentFormat, 'Content-Format: send the notice as JSON (Content-Format 50)');
    const decoded = decodeRevocationNotice(m.payload);
    if (!decoded.ok) {
      const text = `${decoded.field}: ${decoded.problem}`;
      return decoded.tooLarge === true ? { ...this.#reject(CoapCode.RequestEntityTooLarge, text), options: [uintOption(CoapOptionNumber.Size1, MAX_NOTICE_JSON_BYTES)] } : this.#reject(CoapCode.BadRequest, text);
    }
    await this.#apply(decoded.notice);
    return { code: CoapCode.Changed };
  }

  /** Steps 4–5. */
  async #apply(n: RevocationNotice): Promise<void> {
    const node = this.#o.node;
    let closed = 0;
    for (const id of n.nodes) {
      if (id === this.#serverId) continue; // the server is never revoked (pia-trust refuses); its association carries the notices
      for (const peer of node.associationsWith(id)) if (await node.closeAssociation(peer, 'revoked')) closed++;
    }
    const pairs = node.withdrawGrants(n.grants);
    if (n.grants.length > 0) for (const l of this.#withdrawn) l(n.grants);
    const until = this.#o.clock.now() + REMEMBER_MS;
    for (const id of n.nodes) remember(this.#revokedNodes, id, until);
    for (const id of n.grants) remember(this.#removedGrants, id, until);
    this.counters.applied++;
    this.counters.associationsClosed += closed;
    this.counters.grantsWithdrawn += pairs;
    if (n.seq <= this.#lastSeq) return;
    this.#lastSeq = n.seq;
    const what = [
      n.nodes.length > 0 ? `revoked node(s) ${n.nodes.join(', ')}: ${closed} association(s) closed (CLOSE reason 3)` : '',
      n.grants.length > 0 ? `removed grant(s) ${n.grants.join(', ')}: taken from ${pairs} association(s)` : '',
    ].filter((x) => x !== '');
    this.#o.log.info(`trusted server (notice ${n.seq}): ${what.join('; ')}`);
  }

  /** Step 7: a phase 3 that came up after a notice, with a ticket sealed before the change. */
  async #late(peer: { readonly address: string; readonly port: number }, peerId: string): Promise<void> {
    const now = this.#o.clock.now();
    for (const m of [this.#revokedNodes, this.#removedGrants]) for (const [id, until] of m) if (until <= now) m.delete(id);
    const node = this.#o.node;
    if (this.#revokedNodes.has(peerId.toLowerCase())) {
      if (await node.closeAssociation(peer, 'revoked')) this.counters.associationsClosed++;
      return;
    }
    if (this.#removedGrants.size > 0) this.counters.grantsWithdrawn += node.withdrawGrants([...this.#removedGrants.keys()]);
  }

  #reject(code: number, text: string): Answer {
    this.counters.rejected++;
    return { code, diagnostic: text };
  }
}

/** Step 7's bounded memory: the oldest entry goes when full. */
function remember(m: Map<string, number>, id: string, until: number): void {
  m.delete(id);
  m.set(id, until);
  if (m.size > REMEMBERED_MAX) m.delete(m.keys().next().value ?? '');
}
