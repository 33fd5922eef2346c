/**
 * What goes into a granted ticket (docs/protocol.md §9.6), from the grants the store offers:
 *
 *   1. keep the grants still valid for at least a second (validS absent = no notAfter)
 *   2. lifetime = min(600 s, the latest end among them): the ticket lives as long as any grant
 *   3. each grant's validS = min(its own seconds, lifetime), whole seconds
 * None left → undefined (S denies 5). The caps (16 grants, 448 bytes of JSON) are checked by
 * the caller, who knows the labels that go into the JSON.
 */
import { MAX_TICKET_LIFETIME_S } from './sizes.js';
import type { GrantOffer } from './authority-types.js';
import type { TicketGrant } from './types.js';

export interface TicketPlan {
  readonly lifetimeS: number;
  readonly grants: readonly TicketGrant[];
}

export function ticketGrants(offers: readonly GrantOffer[]): TicketPlan | undefined {
  const seconds = (g: GrantOffer): number => (g.validS === undefined ? MAX_TICKET_LIFETIME_S : Math.floor(g.validS));
  const valid = offers.filter((g) => g.validS === undefined || (Number.isFinite(g.validS) && g.validS >= 1));
  if (valid.length === 0) return undefined;
  const lifetimeS = Math.min(MAX_TICKET_LIFETIME_S, Math.max(...valid.map(seconds)));
  const grants = valid.map((g): TicketGrant => ({ id: g.id, devices: g.devices, rights: [...g.rights], validS: Math.min(seconds(g), lifetimeS) }));
  return { lifetimeS, grants };
}
