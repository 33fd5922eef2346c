/**
 * The admin API's bearer token: 32 random bytes (base64url) in the state directory's
 * `admin-token` file, mode 0600, created on the server's first start.
 *
 * Must hold: the token never reaches a log line or an error message; the comparison of a
 * presented token takes the same time whatever it is (SHA-256 of both, timingSafeEqual), so
 * its length and prefix do not leak; a token file others can read is refused with the fix.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { RandomBytes } from './node-ids.js';

const TOKEN_BYTES = 32;

/** Creates the token file if it does not exist; returns the token. */
export function ensureAdminToken(path: string, random: RandomBytes): string {
  const token = Buffer.from(random(TOKEN_BYTES)).toString('base64url');
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readAdminToken(path);
    throw new Error(`admin token ${path}: cannot create (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the state directory's permissions`, { cause: err });
  }
  try {
    writeSync(fd, `${token}\n`);
  } finally {
    closeSync(fd);
  }
  return token;
}

/** Reads the token file (refusing one that group or others may read). */
export function readAdminToken(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const fix = code === 'ENOENT' ? `start the server once (pia-trust serve --state DIR creates it), or pass --token-file` : code === 'EACCES' ? 'run as the user that runs the server (or root)' : 'check the path';
    throw new Error(`admin token ${path}: cannot read (${code ?? 'error'}); ${fix}`, { cause: err });
  }
  try {
    const mode = fstatSync(fd).mode & 0o777;
    if ((mode & 0o077) !== 0) throw new Error(`admin token ${path}: mode ${mode.toString(8).padStart(4, '0')} lets others read it; run 'chmod 600 ${path}'`);
    const token = readFileSync(fd, 'utf8').trim();
    if (token.length < 16) throw new Error(`admin token ${path}: too short to be a token; delete it and restart the server to make a new one`);
    return token;
  } finally {
    closeSync(fd);
  }
}

/** Constant-time check of an `Authorization` header against the token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer ([^\s]+)\s*$/i.exec(header ?? '');
  const presented = m?.[1] ?? '';
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b) && m !== null;
}
