/**
 * How the PostgreSQL engine runs its statements: a `PgContext` is where an operation's queries
 * go (the pool, or one transaction's client) and how it makes several statements atomic.
 *
 * Transactions (`runTransaction`):
 *   1. check out one client, BEGIN (READ COMMITTED: the operations take the row locks they need
 *      — FOR SHARE on the nodes a grant names, FOR UPDATE on an account being removed — and
 *      resolve races on unique keys with ON CONFLICT);
 *   2. run `fn` with that client;
 *   3. COMMIT; on an error ROLLBACK and rethrow it unchanged; a serialization failure or a
 *      deadlock (40001 / 40P01) is tried once more on a fresh transaction;
 *   4. the client goes back to the pool, or is destroyed when ROLLBACK itself failed (the
 *      connection is gone).
 * Inside a transaction an operation's own atomic part is a SAVEPOINT, so its error rolls back
 * only its statements and leaves the transaction usable, as in the SQLite engine.
 */
import type pg from 'pg';
import { isRetryable } from './pg-errors.js';

export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface PgContext {
  /** For single statements. */
  readonly q: Queryable;
  /** Runs `fn`'s statements atomically (a transaction, or a savepoint inside one). */
  atomic<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
}

export async function runTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      if (attempt === 0 && broken === undefined && isRetryable(err)) continue;
      throw err;
    } finally {
      client.release(broken);
    }
  }
}

/** Statements on the pool; an atomic part is its own transaction. */
export function poolContext(pool: pg.Pool): PgContext {
  return { q: pool, atomic: (fn) => runTransaction(pool, fn) };
}

/** Statements on one transaction's client; an atomic part is a savepoint. */
export function clientContext(client: pg.PoolClient): PgContext {
  return {
    q: client,
    async atomic<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
      await client.query('SAVEPOINT pia_op');
      try {
        const result = await fn(client);
        await client.query('RELEASE SAVEPOINT pia_op');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK TO SAVEPOINT pia_op');
        } catch {
          // The connection is gone: the transaction fails at COMMIT; the caller's error matters.
        }
        throw err;
      }
    },
  };
}
