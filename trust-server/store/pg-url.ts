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

/** scheme://[user[:password]@][host[:port]][/database][?query] — as node-postgres reads it (the host may be empty: a unix socket named by ?host=). */
const PG_URL = /^(postgres(?:ql)?):\/\/(?:([^:@/?#]*)(?::([^@/?#]*))?@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?(\/[^?#]*)?(?:\?([^#]*))?$/;

export function pgTarget(url: string): PgTarget {
  const m = PG_URL.exec(url);
  if (m === null) {
    throw new StoreError('invalid', 'the database URL is not a PostgreSQL URL; write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE (the URL is not repeated here: it may hold a password)', 'database');
  }
  const [, scheme, user = '', password = '', host = '', port = '', path = '', query = ''] = m;
  const params = new URLSearchParams(query);
  const secrets = [password, safeDecode(password), params.get('password') ?? ''].filter((x) => x.length > 0);
  params.delete('password');
  const rest = params.toString();
  const database = safeDecode(path.replace(/^\//, '')) || safeDecode(user) || 'postgres';
  return {
    location: `${scheme}://${user === '' ? '' : `${user}@`}${host}${port === '' ? '' : `:${port}`}${path}${rest === '' ? '' : `?${rest}`}`,
    host: host.replace(/^\[|\]$/g, '') || (params.get('host') ?? 'localhost'),
    port: port || (params.get('port') ?? '5432'),
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
