/**
 * The trusted server's connection pools to PostgreSQL (the store's and the audit log's), with
 * one set of rules:
 * - a connection attempt gives up after `connectTimeoutMs` (default 5 s): never a hang;
 * - an idle client that lost its connection (the server restarted or went away) is dropped by
 *   the pool, and its 'error' event is handled here (unhandled, it would end the process); the
 *   next call connects anew or fails with 'unavailable'.
 */
import pg from 'pg';

export function openTrustPool(url: string, o: { max: number; connectTimeoutMs?: number; applicationName: string }): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: o.max,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: o.applicationName,
  });
  pool.on('error', () => undefined);
  return pool;
}
