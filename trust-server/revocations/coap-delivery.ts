/**
 * One revocation notice to one gateway (docs/protocol.md §9.11), as notifier.ts asks: a
 * confirmable CoAP POST /pia/revocations with the JSON body, to the gateway's inner port 5682,
 * over the gateway's own phase-3 association with this server (the one it opened for its reports,
 * §9.9). The server never opens an association toward a gateway: without one, it retries later.
 *
 *   1. the gateway's PIA endpoint: the newest 'phase3-up' on the server's node whose peer is of
 *      kind gateway with that node ID (kept per gateway, at most MAX_GATEWAYS, the oldest dropped);
 *      none, or no phase-3 SA with it now → 'retry';
 *   2. the POST (the CoAP client retransmits the CON, RFC 7252 §4.2); 2.04 → 'ok'; 4.xx → 'refused'
 *      (the gateway will not take it: another trusted server pinned, a bad body); no answer or
 *      5.xx → 'retry'.
 */
import { CoapClient, ContentFormat, piaTransport, type CoapTransport } from '../../coap/index.js';
import type { Clock } from '../../common/index.js';
import type { Endpoint, PiaNode } from '../../pia/node/index.js';
import { encodeRevocationNotice, type RevocationNotice } from '../../pia/phase3/index.js';
import type { DeliveryOutcome } from './notifier.js';

/** The gateway's inner UDP port for notices (§9.11; its devices are on 5683 and up). */
export const GATEWAY_REVOCATION_PORT = 5682;
export const REVOCATIONS_PATH = ['pia', 'revocations'] as const;
export const MAX_GATEWAYS = 65_536;

export class CoapDelivery {
  readonly #node: PiaNode;
  readonly #gateways = new Map<string, Endpoint>();
  readonly #transport: CoapTransport;
  readonly #client: CoapClient;
  readonly #unlisten: () => void;

  constructor(o: { readonly node: PiaNode; readonly clock: Clock; readonly random?: () => number; readonly port?: number }) {
    this.#node = o.node;
    const random = o.random ?? Math.random;
    this.#transport = piaTransport(o.node, { port: o.port ?? 49_152 + Math.floor(random() * 16_384) });
    this.#client = new CoapClient({ transport: this.#transport, clock: o.clock, random });
    this.#unlisten = o.node.onEvent((e) => {
      if (e.kind !== 'phase3-up' || e.peerKind !== 'gateway') return;
      const id = e.peerId.toLowerCase();
      this.#gateways.delete(id);
      this.#gateways.set(id, { address: e.peer.address, port: e.peer.port });
      if (this.#gateways.size > MAX_GATEWAYS) this.#gateways.delete(this.#gateways.keys().next().value ?? '');
    });
  }

  /** notifier.ts's `deliver`. */
  async deliver(gateway: string, notice: RevocationNotice): Promise<DeliveryOutcome> {
    const at = this.#gateways.get(gateway.toLowerCase());
    if (at === undefined) return { kind: 'retry', detail: 'no association with the gateway yet' };
    if (this.#node.phase(at) !== 3) return { kind: 'retry', detail: 'no phase-3 association with the gateway now' };
    try {
      const r = await this.#client.request('POST', { to: { address: at.address, port: GATEWAY_REVOCATION_PORT }, path: REVOCATIONS_PATH, query: [] }, { payload: encodeRevocationNotice(notice), contentFormat: ContentFormat.Json, via: at });
      const detail = `${r.codeText}${r.diagnostic === undefined ? '' : ` ${r.diagnostic}`}`;
      if (r.codeText === '2.04') return { kind: 'ok' };
      return r.codeText.startsWith('4.') ? { kind: 'refused', detail } : { kind: 'retry', detail };
    } catch (e) {
      return { kind: 'retry', detail: e instanceof Error ? e.message : String(e) };
    }
  }

  async close(): Promise<void> {
    this.#unlisten();
    await this.#client.close();
    await this.#transport.close();
  }
}
