/**
 * MyNet Manager accounts on SQLite (migration 2; owners of nodes since migration 3).
 *
 * Must hold: a row holds a password only as its scrypt hash string; no function here returns
 * the hash except `accountPasswordHash` (the login check), so listings cannot leak it. An
 * account that owns nodes is not removed: the refusal names the nodes and how to reassign them.
 */
import type Database from 'better-sqlite3';
import { ACCOUNT_COLUMNS as COLUMNS, accountExists, accountName, accountNotFound, accountOwnsNodes, accountRecord, accountRole, passwordHash, type AccountRow } from './account-rules.js';
import type { SynchronousOps } from './ops.js';
import type { AccountRecord } from './types.js';
import { nowText } from './validate.js';

export type AccountOps = Pick<SynchronousOps, 'addAccount' | 'getAccount' | 'listAccounts' | 'removeAccount' | 'setAccountPassword' | 'accountPasswordHash' | 'setAccountDisabled' | 'setAccountRole'>;


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
  const notFound = accountNotFound;

  const get = (name: string): AccountRecord | undefined => {
    const row = select.get(name);
    return row === undefined ? undefined : accountRecord(row);
  };

  return {
    addAccount(a, now) {
      const name = accountName(a.name);
      accountRole(a.role);
      const hash = passwordHash(a.passwordHash);
      if (select.get(name) !== undefined) throw accountExists(name);
      const t = nowText(now);
      insert.run(name, a.role, hash, t, t);
      return get(name) as AccountRecord;
    },
    getAccount: (name) => get(name),
    listAccounts: () => list.all().map(accountRecord),
    removeAccount(name) {
      const owned = ownedNodes.all(name);
      if (owned.length > 0) throw accountOwnsNodes(name, owned);
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
      accountRole(role);
      if (setRole.run(role, nowText(now), name).changes === 0) throw notFound(name);
      return get(name) as AccountRecord;
    },
    accountPasswordHash: (name) => selectHash.get(name)?.password_hash,
  };
}
