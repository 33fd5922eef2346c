/**
 * MyNet Manager accounts on SQLite (migration 2; owners of nodes since migration 3).
 *
 * Must hold: a row holds a password only as its scrypt hash string; no function here returns
 * the hash except `accountPasswordHash` (the login check), so listings cannot leak it. An
 * account that owns nodes is not removed: the refusal names the nodes and how to reassign them.
 */
import type Database from 'better-sqlite3';
import { StoreError } from './errors.js';
import type { SynchronousOps } from './ops.js';
import type { AccountRecord, AccountRole } from './types.js';
import { nowText } from './validate.js';

export type AccountOps = Pick<SynchronousOps, 'addAccount' | 'getAccount' | 'listAccounts' | 'removeAccount' | 'setAccountPassword' | 'accountPasswordHash' | 'setAccountDisabled' | 'setAccountRole'>;

export const ACCOUNT_NAME = /^[a-z0-9._-]{1,64}$/;
export const ACCOUNT_ROLES: readonly AccountRole[] = ['admin', 'owner'];
/** The stored form (accounts/password-hash.ts): scrypt$N$r$p$salt_b64$hash_b64. */
const HASH_FORM = /^scrypt\$\d{1,10}\$\d{1,4}\$\d{1,4}\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/;

interface AccountRow {
  name: string;
  role: string;
  created: string;
  updated: string;
  disabled: number;
}

const COLUMNS = 'name, role, created, updated, disabled';

export function sqliteAccountOps(db: Database.Database): AccountOps {
  const insert = db.prepare('INSERT INTO accounts (name, role, password_hash, created, updated, disabled) VALUES (?, ?, ?, ?, ?, 0)');
  const select = db.prepare<[string], AccountRow>(`SELECT ${COLUMNS} FROM accounts WHERE name = ?`);
  const list = db.prepare<[], AccountRow>(`SELECT ${COLUMNS} FROM accounts ORDER BY name`);
  const remove = db.prepare('DELETE FROM accounts WHERE name = ?');
  const setHash = db.prepare('UPDATE accounts SET password_hash = ?, updated = ? WHERE name = ?');
  const selectHash = db.prepare<[string], { password_hash: string }>('SELECT password_hash FROM accounts WHERE name = ?');
  const setDisabled = db.prepare('UPDATE accounts SET disabled = ?, updated = ? WHERE name = ?');
  const setRole = db.prepare('UPDATE accounts SET role = ?, updated = ? WHERE name = ?');
  const ownedNodes = db.prepare<[string], { id: string; label: string }>('SELECT id, label FROM nodes WHERE owner = ? ORDER BY created, id');
  const notFound = (name: string): StoreError => new StoreError('not-found', `no account "${name}"; 'pia-trust user list' shows the accounts`, 'name');

  const get = (name: string): AccountRecord | undefined => {
    const row = select.get(name);
    return row === undefined ? undefined : accountRecord(row);
  };

  return {
    addAccount(a, now) {
      const name = accountName(a.name);
      if (!ACCOUNT_ROLES.includes(a.role)) throw new StoreError('invalid', `account role "${String(a.role)}" is not a role; write admin or owner`, 'role');
      const hash = passwordHash(a.passwordHash);
      if (select.get(name) !== undefined) throw new StoreError('conflict', `account "${name}" exists already; choose another name, or 'pia-trust user passwd ${name}' to change its password`, 'name');
      const t = nowText(now);
      insert.run(name, a.role, hash, t, t);
      return get(name) as AccountRecord;
    },
    getAccount: (name) => get(name),
    listAccounts: () => list.all().map(accountRecord),
    removeAccount(name) {
      const owned = ownedNodes.all(name);
      if (owned.length > 0) {
        const shown = owned.slice(0, 10).map((n) => `${n.id} (${n.label})`).join(', ') + (owned.length > 10 ? ` and ${owned.length - 10} more` : '');
        throw new StoreError('conflict', `account "${name}" owns ${owned.length} node(s): ${shown}; give each another owner or none first (pia-trust node owner ID ACCOUNT|--none), then remove the account`, 'name');
      }
      return remove.run(name).changes > 0;
    },
    setAccountPassword(name, hash, now) {
      if (setHash.run(passwordHash(hash), nowText(now), name).changes === 0) throw notFound(name);
      return get(name) as AccountRecord;
    },
    setAccountDisabled(name, disabled, now) {
      if (setDisabled.run(disabled ? 1 : 0, nowText(now), name).changes === 0) throw notFound(name);
      return get(name) as AccountRecord;
    },
    setAccountRole(name, role, now) {
      if (!ACCOUNT_ROLES.includes(role)) throw new StoreError('invalid', `account role "${String(role)}" is not a role; write admin or owner`, 'role');
      if (setRole.run(role, nowText(now), name).changes === 0) throw notFound(name);
      return get(name) as AccountRecord;
    },
    accountPasswordHash: (name) => selectHash.get(name)?.password_hash,
  };
}

function accountName(name: string): string {
  if (typeof name !== 'string' || !ACCOUNT_NAME.test(name)) {
    throw new StoreError('invalid', `account name "${String(name).slice(0, 80)}" is not valid; use 1–64 of a-z, 0-9, '.', '_', '-' (e.g. alice or ops.admin)`, 'name');
  }
  return name;
}

function passwordHash(hash: string): string {
  if (typeof hash !== 'string' || !HASH_FORM.test(hash)) throw new StoreError('invalid', 'the password hash is not in the form scrypt$N$r$p$salt$hash; hash the password with pia-trust (accounts/password-hash.ts)', 'passwordHash');
  return hash;
}

function accountRecord(r: AccountRow): AccountRecord {
  if (r.role !== 'admin' && r.role !== 'owner') throw new StoreError('corrupt', `account "${r.name}" has role "${r.role}", which this pia-trust does not know`);
  return { name: r.name, role: r.role, created: r.created, updated: r.updated, disabled: r.disabled !== 0 };
}
