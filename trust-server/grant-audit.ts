/**
 * A grant as its audit records name it (grant-added, grant-removed; docs/protocol.md §9.7):
 * the same fields whether the admin API, MyNet Manager or a policy apply made the change.
 */
import type { GrantRecord } from './store/types.js';

export function grantAuditFields(g: GrantRecord): Record<string, string | string[]> {
  return { grantId: g.id, ...grantContent(g) };
}

/** What a grant says, without its ID and creation time (as a policy file writes it). */
export function grantContent(g: Omit<GrantRecord, 'id' | 'created'>): Record<string, string | string[]> {
  return {
    subject: g.subject,
    gateway: g.gateway,
    devices: g.devices,
    rights: [...g.rights],
    ...(g.notBefore === undefined ? {} : { notBefore: g.notBefore }),
    ...(g.notAfter === undefined ? {} : { notAfter: g.notAfter }),
  };
}
