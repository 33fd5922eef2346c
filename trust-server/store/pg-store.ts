/**
 * The trust store on PostgreSQL (node-postgres `pg.Pool`), for a fleet of trusted servers that
 * share one database.
 *
 * Open:
 *   1. the URL is parsed; `location` is the URL without its password (pg-url.ts);
 *   2. a pool of `poolSize` connections (default 10); a connection attempt gives up after
 *      `connectTimeoutMs` (default 5 s), so an unreachable database fails the open in bounded
 *      time; an idle connection's error (the server gone) is absorbed: the pool drops that
 *      client and connects anew on the next call;
 *   3. schema migrations (pg-migrations.ts; serialized between servers; a newer database is
 *      refused);
 *   4. the key check (key-check.ts, under the same advisory lock): a master key that does not
 *      open this database is refused here, before any node key is touched.
 * Any failure closes the pool; the database out of reach is a StoreError 'unavailable'.
 *
 * Calls: every operation runs on a pooled connection (pg-session.ts); `transaction(fn)` gives
 * `fn` operations bound to one client between BEGIN and COMMIT. A call while the database is
 * out of reach rejects with 'unavailable' (connections refused or lost fail at once); once it
 * is back, the same store works again.
 *
 * Must hold: the master key never enters the database; a node key is in it only wrapped;
 * no error or `location` carries the URL's password.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { openTrustPool } from './pg-pool.js';
import { KEY_CHECK_NAME, settleKeyCheck } from './key-check.js';
import type { MasterKey } from './master-key.js';
import { STORE_OPS } from './ops.js';
import { pgAccountOps } from './pg-accounts.js';
import type { TrustStore, TrustStoreOps } from './types.js';
import { storeErrorFrom } from './pg-errors.js';
import { pgGrantOps } from './pg-grants.js';
import { PG_MIGRATIONS, SCHEMA_LOCK, applyPgMigrations } from './pg-migrations.js';
import { pgNodeOps } from './pg-nodes.js';
import { pgVouchOps } from './pg-vouch.js';
import { pgReportOps } from './pg-reports.js';
import { clientContext, poolContext, runTransaction, type PgContext } from './pg-session.js';
import { pgTarget, type PgTarget } from './pg-url.js';
import { uuidV4 } from './validate.js';

export interface PostgresStoreOptions {
  /** postgres://USER:PASSWORD@HOST:PORT/DATABASE */
  readonly url: string;
  readonly masterKey: MasterKey;
  /** Randomness for wrap nonces and grant IDs (default: crypto.randomBytes). */
  readonly random?: (n: number) => Uint8Array;
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  /** How long one connection attempt may take (default 5000 ms). */
  readonly connectTimeoutMs?: number;
}

export interface PostgresTrustStore extends TrustStore {
  readonly engine: 'postgres';
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresTrustStore> {
  const target = pgTarget(options.url);
  const random = options.random ?? randomBytes;
  const master = options.masterKey;
  // Step 2.
  const pool = openTrustPool(options.url, { max: options.poolSize ?? 10, ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }), applicationName: 'pia-trust' });
  try {
    await applyPgMigrations(pool, PG_MIGRATIONS, target); // step 3
    await checkMasterKey(pool, master, target, random); // step 4
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw storeErrorFrom(err, target);
  }

  const newId = (): string => uuidV4(random(16));
  const build = (ctx: PgContext): TrustStoreOps => ({ ...pgNodeOps(ctx, master, random), ...pgGrantOps(ctx, newId), ...pgVouchOps(ctx, master), ...pgAccountOps(ctx), ...pgReportOps(ctx) });
  const translated = (ops: TrustStoreOps, open: () => boolean): TrustStoreOps => {
    const out: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
    for (const name of STORE_OPS) {
      out[name] = async (...args: unknown[]) => {
        const call = (ops as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name] as (...a: unknown[]) => Promise<unknown>;
        if (!open()) throw new Error(`trust database ${target.location}: ${name} was called after the store was closed, or through a transaction's tx after that transaction ended`);
        try {
          return await call(...args);
        } catch (err) {
          throw storeErrorFrom(err, target);
        }
      };
    }
    return out as unknown as TrustStoreOps;
  };

  let closed = false;
  return {
    engine: 'postgres',
    location: target.location,
    ...translated(build(poolContext(pool)), () => !closed),
    async transaction<T>(fn: (tx: TrustStoreOps) => Promise<T>): Promise<T> {
      if (closed) throw new Error(`trust database ${target.location}: transaction after the store was closed`);
      let failure: { err: unknown } | undefined;
      try {
        return await runTransaction(pool, async (client) => {
          let open = true;
          try {
            return await fn(translated(build(clientContext(client)), () => open));
          } catch (err) {
            failure = { err };
            throw err;
          } finally {
            open = false;
          }
        });
      } catch (err) {
        // fn's own error comes back unchanged; a failure to begin or commit is translated.
        if (failure !== undefined && failure.err === err) throw err;
        throw storeErrorFrom(err, target);
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** Step 4, under the schema's advisory lock (two servers opening a new database seal one check). */
async function checkMasterKey(pool: pg.Pool, master: MasterKey, target: PgTarget, random: (n: number) => Uint8Array): Promise<void> {
  await runTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    const row = (await client.query<{ value: Buffer }>('SELECT value FROM meta WHERE name = $1', [KEY_CHECK_NAME])).rows[0];
    const first = row === undefined ? (await client.query<{ id: string; wrapped_key: Buffer }>('SELECT id, wrapped_key FROM nodes ORDER BY created, id LIMIT 1')).rows[0] : undefined;
    const seal = settleKeyCheck(master, target.location, row?.value, first, random);
    if (seal !== undefined) await client.query('INSERT INTO meta (name, value) VALUES ($1, $2)', [KEY_CHECK_NAME, Buffer.from(seal)]);
  });
}

