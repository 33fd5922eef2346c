/**
 * `pia-trust audit verify` and `pia-trust audit tail`: read the audit file directly (read
 * only: nothing is moved, created or locked), so they work with the server down and never
 * disturb a running server's appends (docs/protocol.md §9.7). The same on the database's
 * audit_log table: audit-db-commands.ts.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { verifyAuditFile, type AuditVerifyResult } from '../../common/audit/index.js';
import { CliError } from './admin-client.js';
import { ExitCode } from './exit-codes.js';
import type { TrustIo } from './io.js';

export function auditVerify(file: string, io: TrustIo): number {
  let result: AuditVerifyResult;
  try {
    result = verifyAuditFile(file);
  } catch (err) {
    throw new CliError(ExitCode.Usage, `${(err as Error).message} (--state DIR or --file F names it)`);
  }
  return reportVerify(`audit log ${file}`, result, io);
}

/** The verdict of a verify, for a person; the exit code for a script. */
export function reportVerify(what: string, result: AuditVerifyResult, io: TrustIo): number {
  if (result.ok) {
    io.stdout.write(`${what}: ${result.records} records, chain intact; last hash ${result.lastHash} (keep it elsewhere: a chain alone cannot show records cut off its end)\n`);
    return ExitCode.Ok;
  }
  io.stdout.write(`${what}: BROKEN at ${result.message}; ${result.records} records before it verified\n`);
  return ExitCode.AuditBroken;
}

export function auditTail(file: string, count: number, json: boolean, io: TrustIo): number {
  let lines: string[];
  try {
    lines = lastLines(file, count);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new CliError(ExitCode.Usage, `audit log ${file} cannot be read (${code}); check the path (--state DIR or --file F) and that you may read it`);
  }
  return auditTailRecords(lines, json, io);
}

/** Prints records' lines as they are (--json) or one short line each. */
export function auditTailRecords(lines: readonly string[], json: boolean, io: TrustIo): number {
  for (const text of lines) {
    if (json) {
      io.stdout.write(`${text}\n`);
      continue;
    }
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(text) as Record<string, unknown>;
    } catch {
      io.stdout.write(`(unreadable line: run 'pia-trust audit verify')\n`);
      continue;
    }
    const { seq, time, event, prev: _prev, hash: _hash, ...fields } = r;
    const rest = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    io.stdout.write(`${String(seq)} ${String(time)} ${String(event)}${rest.length === 0 ? '' : ` ${rest.join(' ')}`}\n`);
  }
  return ExitCode.Ok;
}

const CHUNK = 64 * 1024;

/** The last `n` newline-terminated lines, read backwards in chunks (the log may be large). */
function lastLines(file: string, n: number): string[] {
  const fd = openSync(file, 'r');
  try {
    let end = fstatSync(fd).size;
    const chunks: Buffer[] = [];
    let newlines = 0;
    let pos = end;
    while (pos > 0 && newlines <= n) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, pos);
      for (const b of buf) if (b === 0x0a) newlines++;
      chunks.unshift(buf);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    end = text.lastIndexOf('\n');
    if (end < 0) return [];
    const lines = text.slice(0, end).split('\n');
    if (pos > 0) lines.shift(); // the first line may be cut
    return lines.filter((l) => l !== '').slice(-n);
  } finally {
    closeSync(fd);
  }
}
