/**
 * `pia-trust audit verify|tail|export --database URL` and `pia-trust db grant` (docs/
 * trust-server.md "The audit log on PostgreSQL"): the audit log in the database's audit_log
 * table, read with the same chain functions as the file (store/pg-audit.ts).
 *
 * Export flow:
 *   1. --out FILE is created new (O_EXCL, mode 0600: never overwriting a file); without --out
 *      the lines go to stdout;
 *   2. the rows in seq order, a batch at a time, each written as its JSON line + newline: the
 *      file log's exact form, so `pia-trust audit verify --file FILE` gives the database's
 *      result and last hash;
 *   3. the file fsynced and closed; the count and the last record's hash on stderr (stdout
 *      holds the lines when there is no --out).
 *
 * Must hold: the whole table is never in memory; no message repeats the URL's password
 * (locations come from pg-url.ts); a database out of reach is exit 5, as at serve.
 */
import { closeSync, constants, fsyncSync, openSync, writeSync } from 'node:fs';
import type { AuditVerifyResult } from '../../common/audit/index.js';
import { grantServerRole, openPostgresAuditLog, StoreError, type PostgresAuditLog } from '../store/index.js';
import { CliError } from './admin-client.js';
import type { DatabaseSource } from './args.js';
import { auditTailRecords, reportVerify } from './audit-commands.js';
import { DatabaseUrlError, readDatabaseUrl } from './database-url.js';
import { ExitCode } from './exit-codes.js';
import type { TrustIo } from './io.js';

export async function auditVerifyDatabase(database: DatabaseSource, io: TrustIo): Promise<number> {
  return withLog(database, async (log) => {
    const result: AuditVerifyResult = await log.verify();
    return reportVerify(`audit log in ${log.location}`, result, io);
  });
}

export async function auditTailDatabase(database: DatabaseSource, count: number, json: boolean, io: TrustIo): Promise<number> {
  return withLog(database, async (log) => {
    const records = await log.tail(count);
    return auditTailRecords(records.map((r) => JSON.stringify(r)), json, io);
  });
}

export async function auditExport(database: DatabaseSource, out: string | undefined, io: TrustIo): Promise<number> {
  return withLog(database, async (log) => {
    let fd: number | undefined;
    if (out !== undefined) {
      try {
        fd = openSync(out, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600); // step 1
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new CliError(ExitCode.Usage, `--out ${out}: ${code === 'EEXIST' ? 'the file exists; give a new name (export never overwrites)' : `cannot be created (${code ?? 'error'}); check the folder`}`);
      }
    }
    let records = 0;
    let lastHash: string | undefined;
    try {
      let chunk: string[] = [];
      const flush = (): void => {
        const text = chunk.join('');
        chunk = [];
        if (fd === undefined) io.stdout.write(text);
        else for (let b = Buffer.from(text, 'utf8'), off = 0; off < b.length; ) off += writeSync(fd, b, off, b.length - off);
      };
      for await (const line of log.lines()) {
        // step 2
        chunk.push(`${line.text}\n`);
        records += 1;
        lastHash = hashOf(line.text);
        if (chunk.length >= 1000) flush();
      }
      flush();
      if (fd !== undefined) fsyncSync(fd); // step 3
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    io.stderr.write(`exported ${records} records from the audit log in ${log.location}${out === undefined ? '' : ` to ${out}`}; last hash ${lastHash ?? '(none: the log is empty)'}; check it offline with 'pia-trust audit verify --file ${out ?? 'FILE'}'\n`);
    return ExitCode.Ok;
  });
}

export async function dbGrant(database: DatabaseSource, role: string, io: TrustIo): Promise<number> {
  const url = databaseUrl(database);
  try {
    const statements = await grantServerRole(url, role);
    io.stdout.write(`${statements.map((s) => `${s};`).join('\n')}\nrole ${role} may now run 'pia-trust serve --database' (SELECT and INSERT only on audit_log); migrations stay with the schema owner\n`);
    return ExitCode.Ok;
  } catch (err) {
    throw cliError(err);
  }
}

function hashOf(text: string): string | undefined {
  try {
    const h = (JSON.parse(text) as { hash?: unknown }).hash;
    return typeof h === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

function databaseUrl(database: DatabaseSource): string {
  try {
    return readDatabaseUrl(database);
  } catch (err) {
    if (err instanceof DatabaseUrlError) throw new CliError(ExitCode.Usage, err.message);
    throw err;
  }
}

function cliError(err: unknown): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof StoreError) return new CliError(err.kind === 'unavailable' ? ExitCode.StartFailed : ExitCode.Usage, err.message);
  return err;
}

async function withLog(database: DatabaseSource, fn: (log: PostgresAuditLog) => Promise<number>): Promise<number> {
  const url = databaseUrl(database);
  let log: PostgresAuditLog;
  try {
    log = await openPostgresAuditLog({ url });
  } catch (err) {
    throw cliError(err);
  }
  try {
    return await fn(log);
  } catch (err) {
    throw cliError(err);
  } finally {
    await log.close();
  }
}
