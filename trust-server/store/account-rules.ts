/**
 * MyNet Manager accounts, whatever the engine: the checks on what enters, the row's mapping to
 * an `AccountRecord`, and the errors both engines give (sqlite-accounts.ts, pg-accounts.ts).
 *
 * Must hold: a row holds a password only as its scrypt hash string; an `AccountRecord` never
 * carries it.
 */
import { StoreError } from './errors.js';
import type { AccountRecord, AccountRole } from './types.js';

export const ACCOUNT_NAME = /^[a-z0-9._-]{1,64}$/;
export const ACCOUNT_ROLES: readonly AccountRole[] = ['admin', 'owner'];
/** The stored form (accounts/password-hash.ts): scrypt$N$r$p$salt_b64$hash_b64. */
const HASH_FORM = /^scrypt\$\d{1,10}\$\d{1,4}\$\d{1,4}\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/;

export interface AccountRow {
  name: string;
  role: string;
  created: string;
  updated: string;
  disabled: number;
}

export const ACCOUNT_COLUMNS = 'name, role, created, updated, disabled';

export function accountName(name: string): string {
  if (typeof name !== 'string' || !ACCOUNT_NAME.test(name)) {
    throw new StoreError('invalid', `account name "${String(name).slice(0, 80)}" is not valid; use 1–64 of a-z, 0-9, '.', '_', '-' (e.g. alice or ops.admin)`, 'name');
  }
  return name;
}

export function accountRole(role: AccountRole): AccountRole {
  if (!ACCOUNT_ROLES.includes(role)) throw new StoreError('invalid', `account role "${String(role)}" is not a role; write admin or owner`, 'role');
  return role;
}

export function passwordHash(hash: string): string {
  if (typeof hash !== 'string' || !HASH_FORM.test(hash)) throw new StoreError('invalid', 'the password hash is not in the form scrypt$N$r$p$salt$hash; hash the password with pia-trust (accounts/password-hash.ts)', 'passwordHash');
  return hash;
}

export function accountRecord(r: AccountRow): AccountRecord {
  if (r.role !== 'admin' && r.role !== 'owner') throw new StoreError('corrupt', `account "${r.name}" has role "${r.role}", which this pia-trust does not know`);
  return { name: r.name, role: r.role, created: r.created, updated: r.updated, disabled: r.disabled !== 0 };
}

export const accountNotFound = (name: string): StoreError => new StoreError('not-found', `no account "${name}"; 'pia-trust user list' shows the accounts`, 'name');

export const accountExists = (name: string): StoreError =>
  new StoreError('conflict', `account "${name}" exists already; choose another name, or 'pia-trust user passwd ${name}' to change its password`, 'name');

/** The refusal to remove an account that owns nodes (`owned` in created, id order). */
export function accountOwnsNodes(name: string, owned: readonly { id: string; label: string }[]): StoreError {
  const shown = owned.slice(0, 10).map((n) => `${n.id} (${n.label})`).join(', ') + (owned.length > 10 ? ` and ${owned.length - 10} more` : '');
  return new StoreError('conflict', `account "${name}" owns ${owned.length} node(s): ${shown}; give each another owner or none first (pia-trust node owner ID ACCOUNT|--none), then remove the account`, 'name');
}
