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
 *
 * Prepared statements (`prepared`): the engine's fixed-text statements go out named, so each
 * connection parses and plans a text once and then only binds and executes it. A name is a
 * digest of its text (`statementName`): one text, one name, on every connection; node-postgres
 * prepares it on a connection the first time that connection runs it. Only fixed texts are
 * named (never text built from input), so the names a connection holds stay few.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { isRetryable } from './pg-errors.js';

export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>>;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

const names = new Map<string, string>();

/** The prepared statement name for a fixed `text`: "pia_" and 24 hex digits of its SHA-256. */
export function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `pia_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/** A fixed-text statement with its values, to run as a named (prepared) statement: `q.query(prepared(TEXT, [a, b]))`. */
export function prepared(text: string, values: unknown[] = []): pg.QueryConfig {
  return { name: statementName(text), text, values };
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
