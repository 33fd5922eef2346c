/**
 * The arguments of `pia-trust audit verify|tail|export` and `pia-trust db grant`
 * (docs/trust-server.md "The audit log on PostgreSQL"): the audit log is a file (--file F, or
 * DIR/audit.log of --state DIR) or the database's audit_log table (--database URL |
 * --database-file FILE, as serve takes them).
 *
 * Must hold: a refusal never repeats a database URL (it may hold a password).
 */
import type { DatabaseSource } from './args.js';

export type AuditSource = { readonly file: string } | { readonly database: DatabaseSource };

export type AuditCommand =
  | { readonly command: 'audit-verify'; readonly source: AuditSource }
  | { readonly command: 'audit-tail'; readonly source: AuditSource; readonly count: number; readonly json: boolean }
  | { readonly command: 'audit-export'; readonly database: DatabaseSource; readonly out?: string }
  | { readonly command: 'db-grant'; readonly database: DatabaseSource; readonly role: string };

export interface AuditArgHelpers {
  readonly name: string;
  readonly stateDir: string;
  readonly values: { readonly [k: string]: string | boolean | readonly string[] | undefined };
  only(allowed: readonly string[]): void;
  positionals(n: number, what: string): void;
  nonEmpty(flag: string, value: string | undefined): string | undefined;
  databaseOption(url: string | undefined, file: string | undefined): { database?: DatabaseSource };
  fail(message: string): Error;
}

const DB = ['database', 'database-file'];
const ROLE = /^[a-z_][a-z0-9_]{0,62}$/;

export function parseAuditArgs(h: AuditArgHelpers): AuditCommand {
  const v = h.values;
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? v[k] : undefined);
  const database = (): DatabaseSource | undefined => h.databaseOption(h.nonEmpty('--database', str('database')), h.nonEmpty('--database-file', str('database-file'))).database;
  const needDatabase = (example: string): DatabaseSource => {
    const d = database();
    if (d === undefined) throw h.fail(`'pia-trust ${h.name}' needs the database: ${example}`);
    return d;
  };
  h.positionals(2, 'options only');
  switch (h.name) {
    case 'audit verify':
    case 'audit tail': {
      const tail = h.name === 'audit tail';
      h.only([...(tail ? ['state', 'file', 'n', 'json'] : ['state', 'file']), ...DB]);
      const db = database();
      const file = h.nonEmpty('--file', str('file'));
      if (db !== undefined && (file !== undefined || v.state !== undefined)) throw h.fail(`give the audit log's place once: --database URL (or --database-file FILE) for the database, or --file F / --state DIR for a file`);
      const source: AuditSource = db !== undefined ? { database: db } : { file: file ?? `${h.stateDir}/audit.log` };
      if (!tail) return { command: 'audit-verify', source };
      const n = str('n');
      const count = n === undefined ? 20 : Number(n);
      if (n !== undefined && (!/^\d+$/.test(n) || count < 1 || count > 100_000)) throw h.fail(`-n ${n}: must be a whole number 1–100000 (records to show; default 20)`);
      return { command: 'audit-tail', source, count, json: v.json === true };
    }
    case 'audit export': {
      h.only(['out', ...DB]);
      const db = needDatabase('pia-trust audit export --database URL [--out FILE] (or --database-file FILE)');
      const out = h.nonEmpty('--out', str('out'));
      return { command: 'audit-export', database: db, ...(out === undefined ? {} : { out }) };
    }
    default: {
      h.only(['role', ...DB]);
      const db = needDatabase('pia-trust db grant --database OWNER_URL --role NAME (the schema owner\'s URL)');
      const role = h.nonEmpty('--role', str('role'));
      if (role === undefined) throw h.fail(`'pia-trust db grant' needs --role NAME: the role the servers log in as (e.g. --role pia_server)`);
      if (!ROLE.test(role)) throw h.fail(`--role '${role.slice(0, 70)}': a role name here is lower-case letters, digits and _ (e.g. pia_server)`);
      return { command: 'db-grant', database: db, role };
    }
  }
}
