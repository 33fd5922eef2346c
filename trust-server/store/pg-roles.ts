/**
 * The role split on PostgreSQL (docs/trust-server.md "The audit log on PostgreSQL"): the
 * schema owner runs the migrations (`pia-trust serve --database OWNER_URL` once per release);
 * the servers may run as a role that holds only what they use: SELECT, INSERT, UPDATE and
 * DELETE on the store's tables, SELECT on schema_version, and only SELECT and INSERT on
 * audit_log, so a server (or whoever holds its password) can add audit records but never
 * change or remove one.
 *
 * Flow of `grantServerRole` (one transaction, as the owner):
 *   1. the role name checked (a plain identifier) and the role found (else: create it first);
 *   2. the schema is at this release's version (else: migrate first, as the owner);
 *   3. the GRANTs of `serverRoleGrants`.
 */
import pg from 'pg';
import { StoreError } from './errors.js';
import { storeErrorFrom } from './pg-errors.js';
import { PG_MIGRATIONS } from './pg-migrations.js';
import { runTransaction } from './pg-session.js';
import { pgTarget } from './pg-url.js';

/** The tables a server reads and writes (every one but the audit log and the schema version). */
export const STORE_TABLES = ['meta', 'nodes', 'node_groups', 'grants', 'enrollments', 'accounts', 'gateway_reports'] as const;
const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The GRANT statements for `role` (a plain lower-case identifier). */
export function serverRoleGrants(role: string): string[] {
  if (!ROLE_NAME.test(role)) throw new Error(`role name ${JSON.stringify(role)} is not a plain identifier; use lower-case letters, digits and _ (e.g. pia_server)`);
  return [
    `GRANT USAGE ON SCHEMA public TO ${role}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${STORE_TABLES.join(', ')} TO ${role}`,
    `GRANT SELECT ON schema_version TO ${role}`,
    `GRANT SELECT, INSERT ON audit_log TO ${role}`,
  ];
}

/** Grants `role` what a server needs, connected as the schema owner at `ownerUrl`. */
export async function grantServerRole(ownerUrl: string, role: string): Promise<string[]> {
  const statements = serverRoleGrants(role); // step 1 (name)
  const target = pgTarget(ownerUrl);
  const pool = new pg.Pool({ connectionString: ownerUrl, max: 1, connectionTimeoutMillis: 5000, application_name: 'pia-trust db grant' });
  pool.on('error', () => undefined);
  try {
    await runTransaction(pool, async (c) => {
      const found = (await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount ?? 0;
      if (found === 0) throw new StoreError('not-found', `trust database ${target.location}: role ${role} does not exist; create it first (CREATE ROLE ${role} LOGIN PASSWORD '…'), then grant again`);
      const exists = (await c.query<{ t: string | null }>("SELECT to_regclass('schema_version')::text AS t")).rows[0]?.t;
      const version = exists === null || exists === undefined ? 0 : ((await c.query<{ version: number }>('SELECT version FROM schema_version')).rows[0]?.version ?? 0);
      if (version !== PG_MIGRATIONS.length) {
        throw new StoreError('migration-failed', `trust database ${target.location} has schema version ${version}, this pia-trust ${PG_MIGRATIONS.length}; bring it up to date first: start \`pia-trust serve --database OWNER_URL\` once as the schema owner`);
      }
      for (const sql of statements) await c.query(sql);
    });
    return statements;
  } catch (err) {
    throw storeErrorFrom(err, target);
  } finally {
    await pool.end().catch(() => undefined);
  }
}
