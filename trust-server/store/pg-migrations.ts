/**
 * The store's schema on PostgreSQL: the same tables, columns and meanings as the SQLite
 * schema (migrations.ts), step for step, so schema version N means the same on both engines.
 *
 * Types: IDs, names and times are `text` in the "C" collation (byte order, as SQLite compares),
 * times canonical ISO-8601 UTC (validate.ts): the values come back byte-identical to SQLite's,
 * and text comparison is time comparison. Keys and the key check are `bytea`.
 *
 * Flow of `applyPgMigrations` (each round one transaction):
 *   1. BEGIN; `pg_advisory_xact_lock` (so two servers starting together take turns: the second
 *      finds the work done);
 *   2. the `schema_version` table (one row) is made if absent (only then: a role without
 *      CREATE can run an up-to-date database), and read (no row: 0);
 *   3. above this code's version: refused, StoreError 'schema-too-new' naming the database and
 *      both versions; equal: COMMIT, done;
 *   4. else the next step and the version bump, COMMIT; a failing step rolls back and leaves
 *      the database at the previous version (StoreError 'migration-failed').
 *
 * Must hold: steps are append-only; never edit or reorder a released step, add a new one (and
 * the SQLite one beside it).
 */
import { StoreError } from './errors.js';
import type { Migration } from './migrations.js';
import { storeErrorFrom } from './pg-errors.js';
import { runTransaction } from './pg-session.js';
import type { PgTarget } from './pg-url.js';
import type pg from 'pg';

/** pg_advisory_xact_lock key of the schema ("piat"). */
export const SCHEMA_LOCK = 0x70696174;

export const PG_MIGRATIONS: readonly Migration[] = [
  {
    description: 'registry, groups, grants, enrollments, meta (key check)',
    sql: `
      CREATE TABLE meta (
        name  text COLLATE "C" PRIMARY KEY,
        value bytea NOT NULL
      );
      CREATE TABLE nodes (
        id          text COLLATE "C" PRIMARY KEY,
        kind        text COLLATE "C" NOT NULL CHECK (kind IN ('gateway', 'operator', 'station', 'server')),
        label       text COLLATE "C" NOT NULL,
        status      text COLLATE "C" NOT NULL CHECK (status IN ('active', 'revoked')),
        created     text COLLATE "C" NOT NULL,
        last_seen   text COLLATE "C",
        revoked_at  text COLLATE "C",
        wrapped_key bytea NOT NULL
      );
      CREATE TABLE node_groups (
        node_id    text COLLATE "C" NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
        group_name text COLLATE "C" NOT NULL,
        PRIMARY KEY (node_id, group_name)
      );
      CREATE TABLE grants (
        id         text COLLATE "C" PRIMARY KEY,
        subject    text COLLATE "C" NOT NULL,
        gateway    text COLLATE "C" NOT NULL REFERENCES nodes (id),
        devices    text COLLATE "C" NOT NULL,
        rights     text COLLATE "C" NOT NULL,
        not_before text COLLATE "C",
        not_after  text COLLATE "C",
        created    text COLLATE "C" NOT NULL
      );
      CREATE INDEX grants_by_gateway ON grants (gateway, subject);
      CREATE TABLE enrollments (
        station_id  text COLLATE "C" NOT NULL REFERENCES nodes (id),
        request_key text COLLATE "C" NOT NULL,
        node_id     text COLLATE "C" NOT NULL REFERENCES nodes (id),
        PRIMARY KEY (station_id, request_key)
      );
    `,
  },
  {
    description: 'accounts (MyNet Manager logins: admins and device owners)',
    sql: `
      CREATE TABLE accounts (
        name          text COLLATE "C" PRIMARY KEY CHECK (name ~ '^[a-z0-9._-]{1,64}$'),
        role          text COLLATE "C" NOT NULL CHECK (role IN ('admin', 'owner')),
        password_hash text COLLATE "C" NOT NULL,
        created       text COLLATE "C" NOT NULL,
        updated       text COLLATE "C" NOT NULL,
        disabled      smallint NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
      );
    `,
  },
  {
    description: 'node owners (MyNet Manager accounts) and gateway reports',
    sql: `
      ALTER TABLE nodes ADD COLUMN owner text COLLATE "C" REFERENCES accounts (name);
      CREATE INDEX nodes_by_owner ON nodes (owner);
      CREATE TABLE gateway_reports (
        gateway     text COLLATE "C" PRIMARY KEY REFERENCES nodes (id),
        firmware    text COLLATE "C" NOT NULL,
        devices     text COLLATE "C" NOT NULL,
        reported_at text COLLATE "C" NOT NULL
      );
    `,
  },
];

const VERSION_TABLE = `
  CREATE TABLE schema_version (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    version integer NOT NULL CHECK (version >= 0)
  )`;

/** Brings the database to `migrations.length`; returns the version it found. */
export async function applyPgMigrations(pool: pg.Pool, migrations: readonly Migration[], target: PgTarget): Promise<number> {
  let found: number | undefined;
  for (;;) {
    const done = await runTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      // Made only when absent: a role without CREATE can run an up-to-date database.
      const exists = (await client.query<{ t: string | null }>("SELECT to_regclass('schema_version')::text AS t")).rows[0]?.t;
      if (exists === null || exists === undefined) await client.query(VERSION_TABLE);
      const row = (await client.query<{ version: number }>('SELECT version FROM schema_version')).rows[0];
      const version = row?.version ?? 0;
      found ??= version;
      if (version > migrations.length) {
        throw new StoreError(
          'schema-too-new',
          `database ${target.location} has schema version ${version}, newer than this pia-trust understands (${migrations.length}); ` +
            'it was written by a newer release: run that release (or a later one); a downgrade is not supported',
        );
      }
      if (version === migrations.length) return true;
      const step = migrations[version] as Migration;
      try {
        await client.query(step.sql);
        await client.query('INSERT INTO schema_version (one, version) VALUES (true, $1) ON CONFLICT (one) DO UPDATE SET version = excluded.version', [version + 1]);
      } catch (err) {
        const e = storeErrorFrom(err, target);
        if (e instanceof StoreError) throw e;
        throw new StoreError('migration-failed', `database ${target.location}: migration ${version + 1} (${step.description}) failed: ${e instanceof Error ? e.message : String(e)}; the database stays at version ${version}`);
      }
      return false;
    });
    if (done) return found ?? 0;
  }
}
