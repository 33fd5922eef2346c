/**
 * GET /pia/grants?subject=<node ID> (docs/protocol.md §9.10): a gateway asks its trusted server
 * which grants a subject holds on it — the subject being a client the gateway serves without a
 * PIA association of its own (its MQTT uplink, firmware/uplink/README.md "Commands").
 *
 *   1. the gateway is the PIA security context's peer (phase 3, kind gateway, still active:
 *      checked by the endpoint before this runs), never anything in the query;
 *   2. the query is exactly `subject=<UUID>` → else 4.00 naming it;
 *   3. the subject must be an active node of the registry other than the gateway itself → else
 *      4.04 (the gateway's log says which node to register or reactivate);
 *   4. its grants whose gateway is the asking gateway (never another's), planned as a ticket's
 *      (pia/phase3 ticketGrants, §9.6: the still-valid ones, each `validS` capped at the
 *      server's ticket lifetime) → 2.05 JSON
 *      `{"v":1,"subject","label","lifetimeS","grants":[{"id","devices","rights","validS"}]}`;
 *      none → `lifetimeS` 0 and no grants; more than fits 1024 bytes → 5.03 "narrow the grants".
 * Must hold: the answer is bounded (≤ MAX_GRANTS_JSON_BYTES) and carries no key; a subject's
 * grants on another gateway are never in it.
 */
import { ticketGrants, MAX_TICKET_GRANTS, type GrantOffer } from '../../pia/phase3/index.js';

export const GRANTS_PATH: readonly string[] = ['pia', 'grants'];
export const MAX_GRANTS_JSON_BYTES = 1024;
export const GRANTS_VERSION = 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the store says of a subject (step 3) and its grants on one gateway (step 4). */
export type SubjectFound = { readonly found: false } | { readonly found: true; readonly label: string; readonly offers: readonly GrantOffer[] };
export type SubjectLookup = (subject: string, gateway: string) => SubjectFound | Promise<SubjectFound>;

export type GrantsAnswer = { readonly ok: true; readonly json: string } | { readonly ok: false; readonly status: 'bad-request' | 'not-found' | 'too-large'; readonly diagnostic: string };

export async function answerGrantsQuery(query: readonly string[], gateway: string, lookup: SubjectLookup, maxLifetimeS: number): Promise<GrantsAnswer> {
  const subject = query.length === 1 && query[0]?.startsWith('subject=') === true ? query[0].slice('subject='.length).toLowerCase() : undefined;
  if (subject === undefined || !UUID.test(subject)) {
    return { ok: false, status: 'bad-request', diagnostic: 'query: send exactly subject=<node ID> (a UUID from pia-trust node add)' };
  }
  const found = subject === gateway.toLowerCase() ? ({ found: false } as const) : await lookup(subject, gateway);
  if (!found.found) return { ok: false, status: 'not-found', diagnostic: `subject ${subject} is not an active node of this trusted server; register it with pia-trust node add` };
  const plan = ticketGrants(found.offers, maxLifetimeS);
  const grants = (plan?.grants ?? []).map((g) => ({ id: g.id, devices: g.devices, rights: g.rights, validS: g.validS }));
  const json = JSON.stringify({ v: GRANTS_VERSION, subject, label: found.label.slice(0, 64), lifetimeS: plan?.lifetimeS ?? 0, grants });
  if (grants.length > MAX_TICKET_GRANTS || Buffer.byteLength(json) > MAX_GRANTS_JSON_BYTES) {
    return { ok: false, status: 'too-large', diagnostic: `subject ${subject} has ${grants.length} grant(s) on this gateway, more than one answer holds (${MAX_TICKET_GRANTS}, ${MAX_GRANTS_JSON_BYTES} bytes); narrow the grants` };
  }
  return { ok: true, json };
}
