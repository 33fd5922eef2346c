/**
 * The server's revocation service assembled (docs/protocol.md §9.11): the tracker fed by phase-3
 * decisions (authority.ts `onGranted`), the notifier, and its CoAP delivery over the server's
 * PIA node. Given up after the ticket lifetime, at most the 180 s hard limit (notifier.ts step 4).
 */
import type { Clock } from '../../common/index.js';
import type { PiaNode } from '../../pia/node/index.js';
import { CoapDelivery } from './coap-delivery.js';
import { RevocationNotifier, type Withdrawal } from './notifier.js';
import { SA_HARD_LIMIT_MS, VouchTracker } from './vouch-tracker.js';

export interface Revocations {
  readonly tracker: VouchTracker;
  readonly notifier: RevocationNotifier;
  /** Tells the gateways concerned, in the background; returns their node IDs. Never throws. */
  withdraw(w: Withdrawal): string[];
  close(): Promise<void>;
}

export function openRevocations(o: { readonly node: PiaNode; readonly clock: Clock; readonly tracker: VouchTracker; readonly ticketLifetimeS: number; readonly log: (level: 'info' | 'warn', message: string) => void; readonly wallNow?: () => number }): Revocations {
  const delivery = new CoapDelivery({ node: o.node, clock: o.clock });
  const notifier = new RevocationNotifier({
    clock: o.clock,
    tracker: o.tracker,
    deliver: (gw, n) => delivery.deliver(gw, n),
    log: o.log,
    giveUpMs: Math.min(o.ticketLifetimeS * 1000, SA_HARD_LIMIT_MS),
    ...(o.wallNow === undefined ? {} : { wallNow: o.wallNow }),
  });
  return {
    tracker: o.tracker,
    notifier,
    withdraw: (w) => {
      try {
        const told = notifier.withdraw(w);
        const items = [...(w.nodes ?? []).map((n) => `node ${n} revoked`), ...(w.grants ?? []).map((g) => `grant ${g.id} removed`)];
        const what = items.length <= 4 ? items.join(', ') : `${w.nodes?.length ?? 0} node(s) revoked, ${w.grants?.length ?? 0} grant(s) removed`;
        const whom = told.length <= 4 ? `gateway(s) ${told.join(', ')}` : `${told.length} gateways`;
        o.log('info', `${what}: ${told.length === 0 ? 'no gateway holds an association it concerns' : `telling ${whom} now (docs/protocol.md §9.11)`}`);
        return told;
      } catch (e) {
        o.log('warn', `revocation notices not sent (${e instanceof Error ? e.message : String(e)}); the gateways converge at their next rekey`);
        return [];
      }
    },
    close: async () => {
      notifier.close();
      await delivery.close();
    },
  };
}
