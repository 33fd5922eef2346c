/**
 * What the PostgreSQL engine makes of node-postgres's and the network's errors.
 *
 * Must hold:
 * - the database out of reach (refused, lost, timed out, the login or the database name
 *   refused) is a StoreError 'unavailable' naming the URL without its password and the fix;
 * - no message that leaves the engine carries the URL's password (`scrub`);
 * - a serialization failure or a deadlock (SQLSTATE 40001 / 40P01) is told apart, so the
 *   transaction is tried once more (pg-session.ts).
 */
import { StoreError } from './errors.js';
import { scrub, type PgTarget } from './pg-url.js';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOENT', 'ECONNABORTED']);
const LOST = /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|Connection ended|read ECONNRESET|server closed the connection/i;

/** The SQLSTATE (or Node error code) of `err`, if it has one. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export const isRetryable = (err: unknown): boolean => errorCode(err) === '40001' || errorCode(err) === '40P01';

/** The error to hand on for `err`: 'unavailable' when the database is out of reach; else `err`, scrubbed. */
export function storeErrorFrom(err: unknown, target: PgTarget): unknown {
  if (err instanceof StoreError) return err;
  const code = errorCode(err);
  const message = scrub(err instanceof Error ? err.message : String(err), target.secrets);
  const reach = `check that PostgreSQL runs and accepts connections there (pg_isready -h ${target.host} -p ${target.port}) and that the URL's host and port are right`;
  const unavailable = (cause: string, fix: string): StoreError => new StoreError('unavailable', `trust database ${target.location} is unavailable: ${cause}; ${fix}`);
  if (code === '28P01' || code === '28000') return unavailable(`the server refused the login (${message})`, "check the user name and password in the database URL (or the --database-file), and the server's pg_hba.conf");
  if (code === '3D000') return unavailable(message, `create the database (createdb -O USER ${target.database}) or correct the URL's database name`);
  if (code === '57P03') return unavailable(`the server is starting up or shutting down (${message})`, 'wait for it, or check the database server');
  if (code === '53300') return unavailable(`the server has no connection slot free (${message})`, 'raise max_connections, or lower the pool size of the servers that share it');
  if ((code !== undefined && (code.startsWith('08') || code === '57P01' || code === '57P02' || NETWORK_CODES.has(code))) || LOST.test(message)) {
    return unavailable(`the connection failed or was lost (${message})`, reach);
  }
  if (err instanceof Error && message !== err.message) err.message = message;
  return err;
}
