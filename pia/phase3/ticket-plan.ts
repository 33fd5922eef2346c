/**
 * What goes into a granted ticket (docs/protocol.md §9.6), from the grants the store offers:
 *
 *   1. keep the grants still valid for at least a second (validS absent = no notAfter)
 *   2. lifetime = min(the server's ticket lifetime (≤ 600 s, default 600), the latest end
 *      among them): the ticket lives as long as any grant, never longer than the server allows
 *   3. each grant's validS = min(its own seconds, lifetime), whole seconds
 * None left → undefined (S denies 5). The caps (16 grants, 448 bytes of JSON) are checked by
 * the caller, who knows the labels that go into the JSON.
 *
 * Must hold: the server's ticket lifetime is a whole number of seconds in 1–600 (a bad one
 * throws: it is the bound on how long an association keeps a removed grant, §9.6).
 */
import { MAX_TICKET_LIFETIME_S } from './sizes.js';
import type { GrantOffer } from './authority-types.js';
import type { TicketGrant } from './types.js';

export interface TicketPlan {
  readonly lifetimeS: number;
  readonly grants: readonly TicketGrant[];
}

/** Throws a RangeError naming the value and the range unless `seconds` is a whole number in 1–600. */
export function checkTicketLifetime(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_TICKET_LIFETIME_S) {
    throw new RangeError(`ticket lifetime ${seconds} s: must be a whole number of seconds in 1–${MAX_TICKET_LIFETIME_S} (docs/protocol.md §9.6)`);
  }
  return seconds;
}

export function ticketGrants(offers: readonly GrantOffer[], maxLifetimeS: number = MAX_TICKET_LIFETIME_S): TicketPlan | undefined {
  const cap = checkTicketLifetime(maxLifetimeS);
  const seconds = (g: GrantOffer): number => (g.validS === undefined ? cap : Math.floor(g.validS));
  const valid = offers.filter((g) => g.validS === undefined || (Number.isFinite(g.validS) && g.validS >= 1));
  if (valid.length === 0) return undefined;
  const lifetimeS = Math.min(cap, Math.max(...valid.map(seconds)));
  const grants = valid.map((g): TicketGrant => ({ id: g.id, devices: g.devices, rights: [...g.rights], validS: Math.min(seconds(g), lifetimeS) }));
  return { lifetimeS, grants };
}
