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
 *   who did it, never the hash) inside the store transaction that makes it (the caller's,
 *   when it passes its `tx`, else one of its own, checks included);
 * - the last active admin can be neither removed, disabled nor demoted (someone must be able
 *   to manage the accounts);
 * - an account that is removed, disabled, demoted or given a new password loses its live web
 *   sessions (`endSessions`).
 */
import type { AuditLog } from '../common/audit/index.js';
import { InputError } from './admin-input.js';
import type { AccountRecord, TrustStore, TrustStoreOps } from './store/types.js';

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

/** Runs `work` on `on` (a caller's transaction), or else in a transaction of its own. */
export function atomically<T>(store: TrustStore, on: TrustStoreOps | undefined, work: (tx: TrustStoreOps) => Promise<T>): Promise<T> {
  return on === undefined ? store.transaction(work) : work(on);
}

export async function listAccounts(d: AccountApiDeps): Promise<AccountAnswer> {
  return { status: 200, body: { accounts: await d.store.listAccounts() } };
}

/** POST /api/accounts {name, role, passwordHash}. */
export async function addAccount(d: AccountApiDeps, body: unknown, actor: Actor = ADMIN_ACTOR, on?: TrustStoreOps): Promise<AccountAnswer> {
  const o = fields(body, ['name', 'role', 'passwordHash'], '{"name": "alice", "role": "owner", "passwordHash": "scrypt$…"}');
  const name = text(o, 'name');
  const role = roleText(text(o, 'role'));
  const passwordHash = text(o, 'passwordHash');
  const account = await atomically(d.store, on, async (tx) => {
    const added = await tx.addAccount({ name, role, passwordHash }, d.now());
    d.audit.append('account-added', named(added, actor));
    return added;
  });
  return { status: 201, body: { account } };
}

/** DELETE /api/accounts/:name. */
export async function removeAccount(d: AccountApiDeps, name: string, actor: Actor = ADMIN_ACTOR, on?: TrustStoreOps): Promise<AccountAnswer> {
  const account = await atomically(d.store, on, async (tx) => {
    const found = await existing(tx, name);
    await keepAnAdmin(tx, found, 'removed');
    if (!(await tx.removeAccount(name))) throw missing(name);
    d.audit.append('account-removed', named(found, actor));
    return found;
  });
  d.endSessions?.(account.name);
  return { status: 200, body: { removed: account } };
}

/** POST /api/accounts/:name/password {passwordHash}. */
export async function setAccountPassword(d: AccountApiDeps, name: string, body: unknown, actor: Actor = ADMIN_ACTOR, on?: TrustStoreOps): Promise<AccountAnswer> {
  const o = fields(body, ['passwordHash'], '{"passwordHash": "scrypt$…"}');
  const passwordHash = text(o, 'passwordHash');
  const account = await atomically(d.store, on, async (tx) => {
    await existing(tx, name);
    const changed = await tx.setAccountPassword(name, passwordHash, d.now());
    d.audit.append('account-password-changed', named(changed, actor));
    return changed;
  });
  d.endSessions?.(account.name);
  return { status: 200, body: { account } };
}

/** POST /api/accounts/:name/disable and …/enable (idempotent: no change, no record). */
export async function setAccountDisabled(d: AccountApiDeps, name: string, disabled: boolean, actor: Actor = ADMIN_ACTOR, on?: TrustStoreOps): Promise<AccountAnswer> {
  const answer = await atomically(d.store, on, async (tx) => {
    const before = await existing(tx, name);
    if (before.disabled === disabled) return { account: before, changed: false };
    if (disabled) await keepAnAdmin(tx, before, 'disabled');
    const changed = await tx.setAccountDisabled(name, disabled, d.now());
    d.audit.append(disabled ? 'account-disabled' : 'account-enabled', named(changed, actor));
    return { account: changed, changed: true };
  });
  if (answer.changed && disabled) d.endSessions?.(answer.account.name);
  return { status: 200, body: answer };
}

/** POST /api/accounts/:name/role {role}. */
export async function setAccountRole(d: AccountApiDeps, name: string, body: unknown, actor: Actor = ADMIN_ACTOR, on?: TrustStoreOps): Promise<AccountAnswer> {
  const o = fields(body, ['role'], '{"role": "owner"}');
  const role = roleText(text(o, 'role'));
  const answer = await atomically(d.store, on, async (tx) => {
    const before = await existing(tx, name);
    if (before.role === role) return { account: before, changed: false };
    if (role !== 'admin') await keepAnAdmin(tx, before, 'demoted');
    const changed = await tx.setAccountRole(name, role, d.now());
    d.audit.append('account-role-changed', { ...named(changed, actor), previousRole: before.role });
    return { account: changed, changed: true };
  });
  if (answer.changed) d.endSessions?.(answer.account.name);
  return { status: 200, body: answer };
}

/**
 * The record's fields: the account changed and who changed it. The admin API's records name
 * the changed account as `account` (with `by: 'admin'`); a web actor is itself `account`, so
 * the changed one is then `target` (with `targetRole`).
 */
function named(changed: AccountRecord, actor: Actor): Record<string, string> {
  return actor.account === undefined ? { account: changed.name, role: changed.role, ...actor } : { target: changed.name, targetRole: changed.role, ...actor };
}

async function existing(ops: TrustStoreOps, name: string): Promise<AccountRecord> {
  const account = await ops.getAccount(name);
  if (account === undefined) throw missing(name);
  return account;
}

/** Refuses to take away the last active admin. */
async function keepAnAdmin(ops: TrustStoreOps, account: AccountRecord, what: string): Promise<void> {
  if (account.role !== 'admin' || account.disabled) return;
  const others = (await ops.listAccounts()).filter((a) => a.role === 'admin' && !a.disabled && a.name !== account.name);
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
