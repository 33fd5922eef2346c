/**
 * The account operations (MyNet Manager logins) of the admin API and the web API: list, add,
 * remove, set password, disable/enable, change role.
 *
 * Must hold:
 * - a password never reaches the store: callers send only its scrypt hash
 *   (accounts/password-hash.ts; the CLI hashes it, the web API hashes what the page sends),
 *   the store checks the hash's form, and no answer carries it;
 * - every change is audited (account-added, account-removed, account-password-changed,
 *   account-disabled, account-enabled, account-role-changed: the account's name and role and
 *   who did it, never the hash) inside the store transaction that makes it;
 * - the last active admin can be neither removed, disabled nor demoted (someone must be able
 *   to manage the accounts);
 * - an account that is removed, disabled, demoted or given a new password loses its live web
 *   sessions (`endSessions`).
 */
import type { AuditLog } from '../common/audit/index.js';
import { InputError } from './admin-input.js';
import type { AccountRecord, TrustStore } from './store/types.js';

/** Who made a change, as its audit record names it. */
export type Actor = Readonly<Record<string, string>>;
export const ADMIN_ACTOR: Actor = { by: 'admin' };

export interface AccountApiDeps {
  readonly store: TrustStore;
  readonly audit: AuditLog;
  readonly now: () => Date;
  readonly endSessions?: (account: string) => void;
}

export interface AccountAnswer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

export class AccountNotFound extends Error {
  override readonly name = 'AccountNotFound';
}

const missing = (name: string): AccountNotFound => new AccountNotFound(`no account "${name.slice(0, 64)}"; 'pia-trust user list' shows the accounts`);

export function listAccounts(d: AccountApiDeps): AccountAnswer {
  return { status: 200, body: { accounts: d.store.listAccounts() } };
}

/** POST /api/accounts {name, role, passwordHash}. */
export function addAccount(d: AccountApiDeps, body: unknown, actor: Actor = ADMIN_ACTOR): AccountAnswer {
  const o = fields(body, ['name', 'role', 'passwordHash'], '{"name": "alice", "role": "owner", "passwordHash": "scrypt$…"}');
  const name = text(o, 'name');
  const role = roleText(text(o, 'role'));
  const passwordHash = text(o, 'passwordHash');
  const account = d.store.transaction(() => {
    const added = d.store.addAccount({ name, role, passwordHash }, d.now());
    d.audit.append('account-added', named(added, actor));
    return added;
  });
  return { status: 201, body: { account } };
}

/** DELETE /api/accounts/:name. */
export function removeAccount(d: AccountApiDeps, name: string, actor: Actor = ADMIN_ACTOR): AccountAnswer {
  const account = existing(d, name);
  keepAnAdmin(d, account, 'removed');
  d.store.transaction(() => {
    if (!d.store.removeAccount(name)) throw missing(name);
    d.audit.append('account-removed', named(account, actor));
  });
  d.endSessions?.(account.name);
  return { status: 200, body: { removed: account } };
}

/** POST /api/accounts/:name/password {passwordHash}. */
export function setAccountPassword(d: AccountApiDeps, name: string, body: unknown, actor: Actor = ADMIN_ACTOR): AccountAnswer {
  const o = fields(body, ['passwordHash'], '{"passwordHash": "scrypt$…"}');
  const passwordHash = text(o, 'passwordHash');
  existing(d, name);
  const account = d.store.transaction(() => {
    const changed = d.store.setAccountPassword(name, passwordHash, d.now());
    d.audit.append('account-password-changed', named(changed, actor));
    return changed;
  });
  d.endSessions?.(account.name);
  return { status: 200, body: { account } };
}

/** POST /api/accounts/:name/disable and …/enable (idempotent: no change, no record). */
export function setAccountDisabled(d: AccountApiDeps, name: string, disabled: boolean, actor: Actor = ADMIN_ACTOR): AccountAnswer {
  const before = existing(d, name);
  if (before.disabled === disabled) return { status: 200, body: { account: before, changed: false } };
  if (disabled) keepAnAdmin(d, before, 'disabled');
  const account = d.store.transaction(() => {
    const changed = d.store.setAccountDisabled(name, disabled, d.now());
    d.audit.append(disabled ? 'account-disabled' : 'account-enabled', named(changed, actor));
    return changed;
  });
  if (disabled) d.endSessions?.(account.name);
  return { status: 200, body: { account, changed: true } };
}

/** POST /api/accounts/:name/role {role}. */
export function setAccountRole(d: AccountApiDeps, name: string, body: unknown, actor: Actor = ADMIN_ACTOR): AccountAnswer {
  const o = fields(body, ['role'], '{"role": "owner"}');
  const role = roleText(text(o, 'role'));
  const before = existing(d, name);
  if (before.role === role) return { status: 200, body: { account: before, changed: false } };
  if (role !== 'admin') keepAnAdmin(d, before, 'demoted');
  const account = d.store.transaction(() => {
    const changed = d.store.setAccountRole(name, role, d.now());
    d.audit.append('account-role-changed', { ...named(changed, actor), previousRole: before.role });
    return changed;
  });
  d.endSessions?.(account.name);
  return { status: 200, body: { account, changed: true } };
}

/**
 * The record's fields: the account changed and who changed it. The admin API's records name
 * the changed account as `account` (with `by: 'admin'`); a web actor is itself `account`, so
 * the changed one is then `target` (with `targetRole`).
 */
function named(changed: AccountRecord, actor: Actor): Record<string, string> {
  return actor.account === undefined ? { account: changed.name, role: changed.role, ...actor } : { target: changed.name, targetRole: changed.role, ...actor };
}

function existing(d: AccountApiDeps, name: string): AccountRecord {
  const account = d.store.getAccount(name);
  if (account === undefined) throw missing(name);
  return account;
}

/** Refuses to take away the last active admin. */
function keepAnAdmin(d: AccountApiDeps, account: AccountRecord, what: string): void {
  if (account.role !== 'admin' || account.disabled) return;
  const others = d.store.listAccounts().filter((a) => a.role === 'admin' && !a.disabled && a.name !== account.name);
  if (others.length === 0) {
    throw new InputError(`account "${account.name}" is the last active admin and cannot be ${what}: nobody could manage the accounts then; add or enable another admin first (pia-trust user add NAME --role admin …)`);
  }
}

function roleText(role: string): 'admin' | 'owner' {
  if (role !== 'admin' && role !== 'owner') throw new InputError(`"role": "${role.slice(0, 20)}" is not a role; send "admin" or "owner"`);
  return role;
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
