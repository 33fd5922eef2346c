/**
 * The admin API's account operations (MyNet Manager logins): list, add, remove, set password.
 *
 * Must hold:
 * - a password never reaches the server through this API: the CLI sends only its scrypt hash
 *   (accounts/password-hash.ts), the store checks the hash's form, and no answer carries it;
 * - every change is audited (account-added, account-removed, account-password-changed: the
 *   account's name and role, never the hash) inside the store transaction that makes it.
 */
import type { AuditLog } from '../common/audit/index.js';
import { InputError } from './admin-input.js';
import type { TrustStore } from './store/types.js';

export interface AccountApiDeps {
  readonly store: TrustStore;
  readonly audit: AuditLog;
  readonly now: () => Date;
}

export interface AccountAnswer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

export class AccountNotFound extends Error {
  override readonly name = 'AccountNotFound';
}

const missing = (name: string): AccountNotFound => new AccountNotFound(`no account "${name}"; 'pia-trust user list' shows the accounts`);

export function listAccounts(d: AccountApiDeps): AccountAnswer {
  return { status: 200, body: { accounts: d.store.listAccounts() } };
}

/** POST /api/accounts {name, role, passwordHash}. */
export function addAccount(d: AccountApiDeps, body: unknown): AccountAnswer {
  const o = fields(body, ['name', 'role', 'passwordHash'], '{"name": "alice", "role": "owner", "passwordHash": "scrypt$…"}');
  const name = text(o, 'name');
  const role = text(o, 'role');
  if (role !== 'admin' && role !== 'owner') throw new InputError(`"role": "${role.slice(0, 20)}" is not a role; send "admin" or "owner"`);
  const passwordHash = text(o, 'passwordHash');
  const account = d.store.transaction(() => {
    const added = d.store.addAccount({ name, role, passwordHash }, d.now());
    d.audit.append('account-added', { account: added.name, role: added.role, by: 'admin' });
    return added;
  });
  return { status: 201, body: { account } };
}

/** DELETE /api/accounts/:name. */
export function removeAccount(d: AccountApiDeps, name: string): AccountAnswer {
  const account = d.store.getAccount(name);
  if (account === undefined) throw missing(name);
  d.store.transaction(() => {
    if (!d.store.removeAccount(name)) throw missing(name);
    d.audit.append('account-removed', { account: account.name, role: account.role, by: 'admin' });
  });
  return { status: 200, body: { removed: account } };
}

/** POST /api/accounts/:name/password {passwordHash}. */
export function setAccountPassword(d: AccountApiDeps, name: string, body: unknown): AccountAnswer {
  const o = fields(body, ['passwordHash'], '{"passwordHash": "scrypt$…"}');
  const passwordHash = text(o, 'passwordHash');
  if (d.store.getAccount(name) === undefined) throw missing(name);
  const account = d.store.transaction(() => {
    const changed = d.store.setAccountPassword(name, passwordHash, d.now());
    d.audit.append('account-password-changed', { account: changed.name, role: changed.role, by: 'admin' });
    return changed;
  });
  return { status: 200, body: { account } };
}

function fields(body: unknown, allowed: readonly string[], example: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InputError(`the body must be a JSON object, e.g. ${example}`);
  const o = body as Record<string, unknown>;
  // Only the key is named: a wrongly sent field (a plain "password") must not be echoed.
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new InputError(`unknown field "${k.slice(0, 40)}"; the fields are ${allowed.join(', ')} (a password is never sent, only its hash)`);
  return o;
}

function text(o: Record<string, unknown>, field: string): string {
  const v = o[field];
  if (typeof v !== 'string' || v === '') throw new InputError(`"${field}" is missing or not a string; send it as text`);
  return v;
}
