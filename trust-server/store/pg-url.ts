/**
 * The PostgreSQL engine's database URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE, or
 * postgresql://…, `?host=/run/postgresql` for a unix socket): what may be shown of it and what
 * must never be.
 *
 * Must hold: `location` carries no password (neither the URL's password nor a `password`
 * query parameter); `scrub` removes every secret of the URL from a text before it is shown.
 */
import { StoreError } from './errors.js';

export interface PgTarget {
  /** The URL without its password, for messages and `TrustStore.location`. */
  readonly location: string;
  /** The host and port to name in a fix (pg_isready -h HOST -p PORT). */
  readonly host: string;
  readonly port: string;
  readonly database: string;
  /** The password as written and decoded, to scrub from any text shown. */
  readonly secrets: readonly string[];
}

export function pgTarget(url: string): PgTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    u = new URL('invalid:');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new StoreError('invalid', 'the database URL is not a PostgreSQL URL; write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE (the URL is not repeated here: it may hold a password)', 'database');
  }
  const secrets = [u.password, safeDecode(u.password), u.searchParams.get('password') ?? ''].filter((s) => s.length > 0);
  const shown = new URL(u.href);
  shown.password = '';
  shown.searchParams.delete('password');
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || 'postgres';
  return {
    location: shown.href,
    host: u.hostname || (u.searchParams.get('host') ?? 'localhost'),
    port: u.port || '5432',
    database,
    secrets,
  };
}

/** `text` with every secret of the URL replaced by "***". */
export function scrub(text: string, secrets: readonly string[]): string {
  return secrets.reduce((t, s) => t.split(s).join('***'), text);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
