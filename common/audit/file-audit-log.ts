/**
 * The audit log in a file of JSON lines (docs/protocol.md §9.7).
 *
 * Open:
 *   1. open (create with mode 0600; a looser existing mode is narrowed to 0600, with a warning);
 *      a new file's directory is fsynced so the file itself survives a power cut;
 *   2. an unterminated last line (a write cut short) is appended to `<path>.partial`, cut off
 *      the log, with a warning; the chain continues from the last whole record;
 *   3. the last whole record is parsed and its own hash checked; the chain continues from it
 *      (seq + 1, prev = its hash). A damaged last record refuses the open: appending after it
 *      would hide the damage (the full check is `verify`).
 * Append:
 *   1. fields checked (secret-guard.ts), record built (chain.ts): nothing written if refused;
 *   2. the whole line written at the end (O_APPEND) and fsynced before `append` returns;
 *   3. on a write error the file is cut back to its previous length, so no half line stays
 *      visible; if even that fails the log refuses further appends.
 *
 * Must hold: one writer per file (the trusted server process); a record returned by `append`
 * is on disk.
 */
import { closeSync, constants, fchmodSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { EMPTY_HEAD, hashMatches, nextRecord, parseRecord, verifyChain, type ChainHead } from './chain.js';
import { readLastLines, readLinesForward } from './file-lines.js';
import { assertLoggableFields } from './secret-guard.js';
import type { AuditLog, AuditRecord, AuditVerifyResult, JsonValue } from './types.js';

export interface FileAuditLogOptions {
  /** Wall-clock time for the records' "time" (ISO-8601). Default: `new Date()`. */
  readonly now?: () => Date;
  /** Where warnings go (a partial line moved aside, a mode narrowed). Default: stderr. */
  readonly warn?: (message: string) => void;
}

export interface FileAuditLog extends AuditLog {
  readonly path: string;
}

export function openFileAuditLog(path: string, options: FileAuditLogOptions = {}): FileAuditLog {
  const now = options.now ?? ((): Date => new Date());
  const warn = options.warn ?? ((m: string): void => void process.stderr.write(`${m}\n`));
  const fd = openLog(path);
  let size: number;
  let head: ChainHead;
  try {
    narrowMode(fd, path, warn);
    size = fstatSync(fd).size;
    const tail = readLastLines(fd, size, 1);
    if (tail.wholeEnd < size) size = moveAsidePartial(fd, path, tail.wholeEnd, size, warn);
    head = headFrom(path, tail.lines[0]);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  let broken: string | undefined;
  let closed = false;

  const usable = (): void => {
    if (closed) throw new Error(`audit log ${path} is closed`);
    if (broken !== undefined) throw new Error(broken);
  };

  return {
    path,
    append(event: string, fields: Readonly<Record<string, JsonValue>> = {}): AuditRecord {
      usable();
      assertLoggableFields(event, fields);
      const record = nextRecord(head, event, fields, now());
      const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
      try {
        for (let off = 0; off < line.length; ) off += writeSync(fd, line, off, line.length - off);
        fsyncSync(fd);
      } catch (err) {
        try {
          ftruncateSync(fd, size);
          fsyncSync(fd);
        } catch {
          broken = `audit log ${path}: a failed append could not be cut back (${errText(err)}); restart the server: opening the log moves a cut-short line aside`;
        }
        throw new Error(`audit log ${path}: append of "${event}" failed: ${errText(err)}; fix the disk (space, permissions) and retry`, { cause: err });
      }
      size += line.length;
      head = { seq: record.seq, hash: record.hash };
      return record;
    },
    tail(n: number): AuditRecord[] {
      usable();
      return readLastLines(fd, size, Math.max(0, Math.floor(n))).lines.map((text) => {
        const r = parseRecord(text);
        if (typeof r === 'string') throw new Error(`audit log ${path}: a record near the end is damaged (${r}); run \`pia-trust audit verify\` to find it`);
        return r;
      });
    },
    verify(): AuditVerifyResult {
      usable();
      return verifyChain(readLinesForward(fd, size));
    },
    close(): void {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}

/** Verifies a log file without opening it for writing (nothing is moved or created). */
export function verifyAuditFile(path: string): AuditVerifyResult {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new Error(`audit log ${path} cannot be read (${errText(err)}); check the path and that you may read it`, { cause: err });
  }
  try {
    return verifyChain(readLinesForward(fd, fstatSync(fd).size));
  } finally {
    closeSync(fd);
  }
}

function openLog(path: string): number {
  let fd: number;
  let created = true;
  try {
    // O_APPEND: every write lands at the end, also after a cut-back (ftruncate).
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw openError(path, err);
    created = false;
    try {
      fd = openSync(path, 'a+');
    } catch (err2) {
      throw openError(path, err2);
    }
  }
  if (created) fsyncDir(dirname(path));
  return fd;
}

function openError(path: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const fix = code === 'ENOENT' ? `create the directory first (mkdir -p ${dirname(path)})` : code === 'EACCES' ? 'run as the user that owns it, or fix its permissions' : 'check the path';
  return new Error(`audit log ${path} cannot be opened (${errText(err)}); ${fix}`, { cause: err });
}

function fsyncDir(dir: string): void {
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

function narrowMode(fd: number, path: string, warn: (m: string) => void): void {
  const mode = fstatSync(fd).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  fchmodSync(fd, 0o600);
  warn(`audit log ${path}: mode was ${mode.toString(8).padStart(4, '0')}, readable by others; set to 0600`);
}

/** Step 2 of Open: returns the new size. */
function moveAsidePartial(fd: number, path: string, wholeEnd: number, size: number, warn: (m: string) => void): number {
  const bytes = Buffer.alloc(size - wholeEnd);
  let got = 0;
  while (got < bytes.length) {
    const n = readSync(fd, bytes, got, bytes.length - got, wholeEnd + got);
    if (n === 0) break;
    got += n;
  }
  const aside = `${path}.partial`;
  const pfd = openSync(aside, 'a', 0o600);
  try {
    writeSync(pfd, Buffer.concat([bytes.subarray(0, got), Buffer.from('\n')]));
    fsyncSync(pfd);
  } finally {
    closeSync(pfd);
  }
  ftruncateSync(fd, wholeEnd);
  fsyncSync(fd);
  warn(`audit log ${path}: its last line was cut short (${size - wholeEnd} bytes without a newline: a write interrupted by a crash or power cut); moved to ${basename(aside)}; the chain continues from the last whole record`);
  return wholeEnd;
}

/** Step 3 of Open. */
function headFrom(path: string, lastLine: string | undefined): ChainHead {
  if (lastLine === undefined) return EMPTY_HEAD;
  const r = parseRecord(lastLine);
  const problem = typeof r === 'string' ? r : hashMatches(r) ? undefined : 'its hash does not match its content';
  if (typeof r === 'string' || problem !== undefined) {
    throw new Error(
      `audit log ${path}: the last record is damaged (${problem ?? 'unreadable'}), so the chain cannot continue from it; ` +
        `run \`pia-trust audit verify ${path}\` to find the first broken record, then move the file aside to start a new log`,
    );
  }
  return { seq: r.seq, hash: r.hash };
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
