/**
 * MyNet Manager accounts on PostgreSQL, with the SQLite engine's checks and errors
 * (account-rules.ts).
 *
 * Concurrency: a new account's name races on the primary key (ON CONFLICT DO NOTHING: the
 * loser gets the "exists already" conflict); removing an account locks it FOR UPDATE before
 * counting the nodes it owns, and a node taking an owner locks the account FOR SHARE, so an
 * account is never removed from under a node that names it.
 *
 * Must hold: no function here returns the password hash except `accountPasswordHash`.
 */
import { ACCOUNT_COLUMNS, accountExists, accountName, accountNotFound, accountOwnsNodes, accountRecord, accountRole, passwordHash, type AccountRow } from './account-rules.js';
import { prepared, type PgContext } from './pg-session.js';
import type { AccountRecord, TrustStoreOps } from './types.js';
import { nowText } from './validate.js';

export type PgAccountOps = Pick<TrustStoreOps, 'addAccount' | 'getAccount' | 'listAccounts' | 'removeAccount' | 'setAccountPassword' | 'accountPasswordHash' | 'setAccountDisabled' | 'setAccountRole'>;

export function pgAccountOps(ctx: PgContext): PgAccountOps {
  const one = async (text: string, values: unknown[], name: string): Promise<AccountRecord> => {
    const row = (await ctx.q.query<AccountRow>(prepared(text, values))).rows[0];
    if (row === undefined) throw accountNotFound(name);
    return accountRecord(row);
  };

  return {
    async addAccount(a, now) {
      const name = accountName(a.name);
      accountRole(a.role);
      const hash = passwordHash(a.passwordHash);
      const t = nowText(now);
      const row = (
        await ctx.q.query<AccountRow>(prepared(
          `INSERT INTO accounts (name, role, password_hash, created, updated, disabled) VALUES ($1, $2, $3, $4, $4, 0) ON CONFLICT (name) DO NOTHING RETURNING ${ACCOUNT_COLUMNS}`,
          [name, a.role, hash, t],
        ))
      ).rows[0];
      if (row === undefined) throw accountExists(name);
      return accountRecord(row);
    },

    async getAccount(name) {
      const row = (await ctx.q.query<AccountRow>(prepared(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE name = $1`, [name]))).rows[0];
      return row === undefined ? undefined : accountRecord(row);
    },

    async listAccounts() {
      return (await ctx.q.query<AccountRow>(prepared(`SELECT ${ACCOUNT_COLUMNS} FROM accounts ORDER BY name`))).rows.map(accountRecord);
    },

    removeAccount(name) {
      return ctx.atomic(async (q) => {
        await q.query(prepared('SELECT name FROM accounts WHERE name = $1 FOR UPDATE', [name]));
        const owned = (await q.query<{ id: string; label: string }>(prepared('SELECT id, label FROM nodes WHERE owner = $1 ORDER BY created, id', [name]))).rows;
        if (owned.length > 0) throw accountOwnsNodes(name, owned);
        return ((await q.query(prepared('DELETE FROM accounts WHERE name = $1', [name]))).rowCount ?? 0) > 0;
      });
    },

    setAccountPassword: (name, hash, now) =>
      one(`UPDATE accounts SET password_hash = $1, updated = $2 WHERE name = $3 RETURNING ${ACCOUNT_COLUMNS}`, [passwordHash(hash), nowText(now), name], name),

    setAccountDisabled: (name, disabled, now) =>
      one(`UPDATE accounts SET disabled = $1, updated = $2 WHERE name = $3 RETURNING ${ACCOUNT_COLUMNS}`, [disabled ? 1 : 0, nowText(now), name], name),

    setAccountRole: (name, role, now) => one(`UPDATE accounts SET role = $1, updated = $2 WHERE name = $3 RETURNING ${ACCOUNT_COLUMNS}`, [accountRole(role), nowText(now), name], name),

    async accountPasswordHash(name) {
      return (await ctx.q.query<{ password_hash: string }>(prepared('SELECT password_hash FROM accounts WHERE name = $1', [name]))).rows[0]?.password_hash;
    },
  };
}
