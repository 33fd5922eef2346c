/**
 * The store's schema as an ordered list of migration steps. The database's
 * `PRAGMA user_version` is the number of steps applied; opening applies the missing ones in
 * order, each in its own transaction together with its user_version bump (a step that fails
 * leaves the database at the previous version). A database whose user_version is above the
 * list's length was written by newer code and is refused: running old code on it could
 * misread or damage what the newer schema added.
 *
 * Must hold: steps are append-only; never edit or reorder a released step, add a new one.
 */
import type Database from 'better-sqlite3';
import { StoreError } from './errors.js';

export interface Migration {
  readonly description: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    description: 'registry, groups, grants, enrollments, meta (key check)',
    sql: `
      CREATE TABLE meta (
        name  TEXT PRIMARY KEY,
        value BLOB NOT NULL
      ) STRICT;
      CREATE TABLE nodes (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('gateway', 'operator', 'station', 'server')),
        label       TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
        created     TEXT NOT NULL,
        last_seen   TEXT,
        revoked_at  TEXT,
        wrapped_key BLOB NOT NULL
      ) STRICT;
      CREATE TABLE node_groups (
        node_id    TEXT NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
        group_name TEXT NOT NULL,
        PRIMARY KEY (node_id, group_name)
      ) STRICT;
      CREATE TABLE grants (
        id         TEXT PRIMARY KEY,
        subject    TEXT NOT NULL,
        gateway    TEXT NOT NULL REFERENCES nodes (id),
        devices    TEXT NOT NULL,
        rights     TEXT NOT NULL,
        not_before TEXT,
        not_after  TEXT,
        created    TEXT NOT NULL
      ) STRICT;
      CREATE INDEX grants_by_gateway ON grants (gateway, subject);
      CREATE TABLE enrollments (
        station_id  TEXT NOT NULL REFERENCES nodes (id),
        request_key TEXT NOT NULL,
        node_id     TEXT NOT NULL REFERENCES nodes (id),
        PRIMARY KEY (station_id, request_key)
      ) STRICT;
    `,
  },
  {
    description: 'accounts (MyNet Manager logins: admins and device owners)',
    sql: `
      CREATE TABLE accounts (
        name          TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64 AND name NOT GLOB '*[^a-z0-9._-]*'),
        role          TEXT NOT NULL CHECK (role IN ('admin', 'owner')),
        password_hash TEXT NOT NULL,
        created       TEXT NOT NULL,
        updated       TEXT NOT NULL,
        disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
      ) STRICT;
    `,
  },
  {
    description: 'node owners (MyNet Manager accounts) and gateway reports',
    sql: `
      ALTER TABLE nodes ADD COLUMN owner TEXT REFERENCES accounts (name);
      CREATE INDEX nodes_by_owner ON nodes (owner);
      CREATE TABLE gateway_reports (
        gateway     TEXT PRIMARY KEY REFERENCES nodes (id),
        firmware    TEXT NOT NULL,
        devices     TEXT NOT NULL,
        reported_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    // Version 4 means the same on both engines: on PostgreSQL it makes the audit_log table
    // (pg-migrations.ts); on SQLite the audit log stays a file in the state directory.
    description: 'audit log table (PostgreSQL only; nothing on SQLite)',
    sql: 'SELECT 1;',
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings `db` to `migrations.length`; returns the version it found. `where` names the database in errors. */
export function applyMigrations(db: Database.Database, migrations: readonly Migration[], where: string): number {
  const found = db.pragma('user_version', { simple: true });
  if (typeof found !== 'number' || !Number.isInteger(found) || found < 0) throw new StoreError('corrupt', `database ${where}: user_version is not a schema version`);
  if (found > migrations.length) {
    throw new StoreError(
      'schema-too-new',
      `database ${where} has schema version ${found}, newer than this pia-trust understands (${migrations.length}); ` +
        'it was written by a newer release: run that release (or a later one); a downgrade is not supported',
    );
  }
  migrations.slice(found).forEach((step, i) => {
    const version = found + i + 1;
    try {
      db.transaction(() => {
        db.exec(step.sql);
        db.pragma(`user_version = ${version}`);
      }).immediate();
    } catch (err) {
      throw new StoreError('migration-failed', `database ${where}: migration ${version} (${step.description}) failed: ${err instanceof Error ? err.message : String(err)}; the database stays at version ${version - 1}`);
    }
  });
  return found;
}
