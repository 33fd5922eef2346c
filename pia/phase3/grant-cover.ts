/**
 * What a grant covers (docs/protocol.md §9.6), the one rule both the gateway's access policy
 * and the trusted server's policy tests apply:
 *
 *   - its device selector matches the device: the name itself, `*`, or a glob where `*` stands
 *     for any run of characters (nothing else is special: a dot is a dot);
 *   - its rights include the access asked for, or "control" (which implies "read" and every
 *     "call:<name>").
 *
 * Must hold: pure, no clock (the caller decides whether the grant is valid now).
 */

/** The access a request asks for: "read", "control", or "call:<action>". */
export type GrantAccess = 'read' | 'control' | `call:${string}`;

export interface GrantScope {
  readonly devices: string;
  readonly rights: readonly string[];
}

/** §9.6 selector: a device name, a glob with `*`, or `*`. */
export function selectorMatches(selector: string, device: string): boolean {
  if (selector === '*' || selector === device) return true;
  if (!selector.includes('*')) return false;
  const pattern = selector.split('*').map(escapeRegExp).join('.*');
  return new RegExp(`^${pattern}$`).test(device);
}

/** The grant's selector matches `device` and its rights include `access` (control implies all). */
export function grantCovers(grant: GrantScope, device: string, access: string): boolean {
  if (!selectorMatches(grant.devices, device)) return false;
  return grant.rights.includes('control') || grant.rights.includes(access);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
