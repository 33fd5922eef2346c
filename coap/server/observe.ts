/**
 * Observers of properties (RFC 7641), driven by Device.onChange.
 *
 * - Registration (GET with Observe 0 on an observable property) is keyed by (client endpoint,
 *   local address, path): a second one from the same client replaces the first (§4.1,
 *   re-registration) and keeps its sequence counter, so the client's freshness check (§3.4)
 *   still orders everything it gets.
 * - Notifications are 2.05 with Observe = a 24-bit sequence number, Content-Format and
 *   Max-Age (§4.3.1: the client re-registers when it expires without news). They are NON,
 *   except every `conEvery`-th and at least one a day (§4.5), which are CON. At most one CON
 *   is in flight per observer; changes meanwhile are coalesced into one notification of the
 *   newest state once it is acknowledged (§4.5.2).
 * - An observer is removed by GET with Observe 1 (§3.6), a Reset answering a notification
 *   (§3.6), a CON notification not acknowledged after the retransmissions (§4.5), a
 *   notification the transport cannot send (the PIA SA is gone), `drop`, the device being
 *   unmounted (it gets a final 4.04, §3.2), or the server closing (a final 5.03).
 * - Bounded: `maxObservers` in all, `maxPerPeer` per client endpoint; beyond, a GET with
 *   Observe 0 is answered without Observe (§4.1: the client learns it is not registered).
 */
import type { Clock } from '../../common/index.js';
import type { Messenger } from '../messaging/messenger.js';
import { replyMeta } from '../messaging/messenger.js';
import { CoapCode } from '../message/codes.js';
import type { CoapType } from '../message/message.js';
import { CoapOptionNumber, uintOption, type CoapOption } from '../message/options.js';
import type { CoapEndpoint, ReceiveMeta } from '../transport/types.js';
import type { Mount } from './routes.js';
import type { Representation } from './representation.js';
import type { ServerLogger } from './types.js';

export interface ObserveSettings {
  /** Max-Age of notifications, seconds; default 60. */
  readonly maxAgeS: number;
  /** Every n-th notification is Confirmable; default 5. */
  readonly conEvery: number;
  readonly maxObservers: number;
  readonly maxPerPeer: number;
}

export const DEFAULT_OBSERVE: ObserveSettings = { maxAgeS: 60, conEvery: 5, maxObservers: 1024, maxPerPeer: 64 };
const DAY_MS = 86_400_000;
const SEQ_MASK = 0xffffff;
const RECENT_MIDS = 8;

export interface ObserverView {
  readonly from: CoapEndpoint;
  readonly local: string;
  readonly device: string;
  readonly property: string;
  readonly meta: ReceiveMeta;
}

interface Observer extends ObserverView {
  readonly key: string;
  messenger: Messenger;
  meta: ReceiveMeta;
  readonly mount: Mount;
  token: Uint8Array;
  seq: number;
  sinceCon: number;
  lastConAt: number;
  inFlight: boolean;
  dirty: boolean;
  readonly recentMids: number[];
}

export type Render = (mount: Mount, property: string) => Representation;

export class Observers {
  readonly #byKey = new Map<string, Observer>();

  constructor(
    private readonly clock: Clock,
    private readonly settings: ObserveSettings,
    private readonly render: Render,
    private readonly logger: ServerLogger | undefined,
  ) {}

  get size(): number {
    return this.#byKey.size;
  }

  /** Registers (or refreshes) an observer; the sequence number for the response, or undefined when full. */
  register(messenger: Messenger, from: CoapEndpoint, meta: ReceiveMeta, path: readonly string[], token: Uint8Array, mount: Mount, property: string): number | undefined {
    const key = observerKey(from, meta.local, path);
    const existing = this.#byKey.get(key);
    if (existing === undefined) {
      const perPeer = [...this.#byKey.values()].filter((o) => o.from.address === from.address && o.from.port === from.port).length;
      if (this.#byKey.size >= this.settings.maxObservers || perPeer >= this.settings.maxPerPeer) return undefined;
    }
    const o: Observer = existing ?? {
      key, messenger, from, meta, mount, property, local: meta.local, device: mount.name,
      token, seq: 1, sinceCon: 0, lastConAt: this.clock.now(), inFlight: false, dirty: false, recentMids: [],
    };
    o.token = token;
    o.messenger = messenger; // a client that moved from plain to PIA keeps its counter
    o.meta = meta;
    o.seq = existing === undefined ? o.seq : (o.seq + 1) & SEQ_MASK;
    this.#byKey.set(key, o);
    return o.seq;
  }

  /** GET with Observe 1 (RFC 7641 §3.6). */
  deregister(from: CoapEndpoint, local: string, path: readonly string[]): boolean {
    return this.#byKey.delete(observerKey(from, local, path));
  }

  /** A Reset from `from`: the observer whose notification it answers is removed. */
  reset(messenger: Messenger, from: CoapEndpoint, messageId: number): void {
    for (const o of this.#byKey.values()) {
      if (o.messenger === messenger && o.from.address === from.address && o.from.port === from.port && o.recentMids.includes(messageId)) {
        this.#remove(o, 'the client answered a notification with Reset');
      }
    }
  }

  /** A property of a mounted device changed. */
  changed(mount: Mount, property: string): void {
    for (const o of this.#byKey.values()) if (o.mount === mount && o.property === property) this.#notify(o);
  }

  /** Ends observations with a final error notification (RFC 7641 §3.2: a non-2.xx ends it). */
  end(filter: (o: ObserverView & { readonly mount: Mount }) => boolean, code: number, diagnostic: string): number {
    let n = 0;
    for (const o of [...this.#byKey.values()]) {
      if (!filter(o)) continue;
      this.#byKey.delete(o.key);
      n++;
      const message = { type: 'NON' as const, code, messageId: o.messenger.nextMessageId(), token: o.token, options: [], payload: new TextEncoder().encode(diagnostic) };
      void o.messenger.send(message, o.from, replyMeta(o.meta));
    }
    return n;
  }

  /** True when some observer matches `filter` (nothing changes). */
  some(filter: (o: ObserverView) => boolean): boolean {
    for (const o of this.#byKey.values()) if (filter(o)) return true;
    return false;
  }

  /** Removes observers silently (an SA closed, a grant ended: the client cannot be reached or may not read). */
  drop(filter: (o: ObserverView) => boolean): number {
    let n = 0;
    for (const o of [...this.#byKey.values()]) {
      if (filter(o)) {
        this.#byKey.delete(o.key);
        n++;
      }
    }
    return n;
  }

  #notify(o: Observer): void {
    if (o.inFlight) {
      o.dirty = true;
      return;
    }
    const now = this.clock.now();
    o.seq = (o.seq + 1) & SEQ_MASK;
    o.sinceCon++;
    const confirmable = o.sinceCon >= this.settings.conEvery || now - o.lastConAt >= DAY_MS;
    const r = this.render(o.mount, o.property);
    const options: CoapOption[] = [];
    if (r.code === CoapCode.Content) options.push(uintOption(CoapOptionNumber.Observe, o.seq));
    if (r.contentFormat !== undefined) options.push(uintOption(CoapOptionNumber.ContentFormat, r.contentFormat));
    options.push(uintOption(CoapOptionNumber.MaxAge, this.settings.maxAgeS));
    const type: CoapType = confirmable ? 'CON' : 'NON';
    const message = { type, code: r.code, messageId: o.messenger.nextMessageId(), token: o.token, options, payload: r.payload };
    o.recentMids.push(message.messageId);
    if (o.recentMids.length > RECENT_MIDS) o.recentMids.shift();
    if (r.code !== CoapCode.Content) this.#byKey.delete(o.key);
    if (!confirmable) {
      void o.messenger.send(message, o.from, replyMeta(o.meta)).then((error) => {
        if (error !== undefined) this.#remove(o, `a notification could not be sent (${error.message})`);
      });
      return;
    }
    o.sinceCon = 0;
    o.lastConAt = now;
    o.inFlight = true;
    void o.messenger.sendConfirmable(message, o.from, replyMeta(o.meta)).outcome.then((outcome) => {
      o.inFlight = false;
      switch (outcome.kind) {
        case 'ack':
          if (o.dirty && this.#byKey.get(o.key) === o) {
            o.dirty = false;
            this.#notify(o);
          }
          return;
        case 'reset':
          return this.#remove(o, 'the client answered a notification with Reset');
        case 'timeout':
          return this.#remove(o, 'a confirmable notification was not acknowledged (RFC 7641 §4.5)');
        case 'send-failed':
          return this.#remove(o, `a notification could not be sent (${outcome.error.message})`);
        case 'cancelled':
          return;
      }
    });
  }

  #remove(o: Observer, why: string): void {
    if (this.#byKey.get(o.key) !== o) return;
    this.#byKey.delete(o.key);
    this.logger?.info(`CoAP: observer [${o.from.address}]:${o.from.port} of ${o.device} ${o.property} removed: ${why}`);
  }
}

function observerKey(from: CoapEndpoint, local: string, path: readonly string[]): string {
  return `${from.address}|${from.port}|${local}|${path.join('/')}`;
}
