/**
 * `pia-trust user add|list|remove|passwd|disable|enable|role`: MyNet Manager accounts, through
 * the admin API (the running server is the one writer of the store and the audit log; it keeps
 * the last active admin, docs/mynet-manager.md).
 *
 * Must hold: the password is read from a file (mode 0600 or stricter, like a credential) or
 * from stdin, never from an argument; it is hashed here (scrypt, accounts/password-hash.ts)
 * and only the hash is sent; it never appears in output, an error or the audit log.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { checkNewPassword, PasswordError, PasswordHasher } from '../accounts/index.js';
import type { AccountRecord, AccountRole } from '../store/index.js';
import type { ApiTarget, PasswordSource } from './args.js';
import { callApi, CliError } from './admin-client.js';
import { table } from './admin-commands.js';
import { ExitCode } from './exit-codes.js';
import type { TrustIo } from './io.js';

/** Larger than any password we accept (1024 bytes): a bigger input is not a password file. */
const MAX_INPUT = 4096;

export async function userAdd(target: ApiTarget, name: string, role: AccountRole, source: PasswordSource, io: TrustIo): Promise<number> {
  const passwordHash = await newPasswordHash(source, io);
  const account = (await callApi(target, 'POST', '/api/accounts', { name, role, passwordHash })).account as AccountRecord;
  io.stdout.write(`account ${account.name} (${account.role}) added\n`);
  return ExitCode.Ok;
}

export async function userList(target: ApiTarget, json: boolean, io: TrustIo): Promise<number> {
  const accounts = (await callApi(target, 'GET', '/api/accounts')).accounts as AccountRecord[];
  if (json) {
    io.stdout.write(`${JSON.stringify(accounts, null, 2)}\n`);
    return ExitCode.Ok;
  }
  const rows = accounts.map((a) => [a.name, a.role, a.disabled ? 'disabled' : 'active', a.created, a.updated]);
  io.stdout.write(table(['NAME', 'ROLE', 'STATUS', 'CREATED', 'UPDATED'], rows));
  return ExitCode.Ok;
}

export async function userRemove(target: ApiTarget, name: string, io: TrustIo): Promise<number> {
  const removed = (await callApi(target, 'DELETE', `/api/accounts/${encodeURIComponent(name)}`)).removed as AccountRecord;
  io.stdout.write(`account ${removed.name} (${removed.role}) removed\n`);
  return ExitCode.Ok;
}

export async function userPasswd(target: ApiTarget, name: string, source: PasswordSource, io: TrustIo): Promise<number> {
  const passwordHash = await newPasswordHash(source, io);
  const account = (await callApi(target, 'POST', `/api/accounts/${encodeURIComponent(name)}/password`, { passwordHash })).account as AccountRecord;
  io.stdout.write(`password of account ${account.name} changed\n`);
  return ExitCode.Ok;
}

/** `user disable|enable NAME`: idempotent on the server (no change, no audit record). */
export async function userSetDisabled(target: ApiTarget, name: string, disabled: boolean, json: boolean, io: TrustIo): Promise<number> {
  const answer = await callApi(target, 'POST', `/api/accounts/${encodeURIComponent(name)}/${disabled ? 'disable' : 'enable'}`);
  if (json) return printJson(answer, io);
  const a = answer.account as AccountRecord;
  const what = disabled ? 'disabled' : 'enabled';
  const how = answer.changed === false ? `was already ${what}` : disabled ? 'disabled: it cannot sign in to MyNet Manager, and its open sessions are ended' : 'enabled: it can sign in to MyNet Manager again';
  io.stdout.write(`account ${a.name} (${a.role}) ${how}\n`);
  return ExitCode.Ok;
}

/** `user role NAME admin|owner`: the server refuses to demote the last active admin. */
export async function userRole(target: ApiTarget, name: string, role: AccountRole, json: boolean, io: TrustIo): Promise<number> {
  const answer = await callApi(target, 'POST', `/api/accounts/${encodeURIComponent(name)}/role`, { role });
  if (json) return printJson(answer, io);
  const a = answer.account as AccountRecord;
  io.stdout.write(answer.changed === false ? `account ${a.name} is already ${a.role}\n` : `account ${a.name} is now ${a.role}; its open MyNet Manager sessions are ended (it signs in again with the new role)\n`);
  return ExitCode.Ok;
}

function printJson(answer: Readonly<Record<string, unknown>>, io: TrustIo): number {
  io.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  return ExitCode.Ok;
}

async function newPasswordHash(source: PasswordSource, io: TrustIo): Promise<string> {
  const raw = 'file' in source ? readPasswordFile(source.file) : await readStdin(io);
  // One final line break (from `echo` or an editor) is not part of the password.
  const password = raw.replace(/\r?\n$/, '');
  const from = 'file' in source ? `password file ${source.file}` : 'the password on stdin';
  if (password === '') throw new CliError(ExitCode.Usage, `${from} is empty; write the password alone on one line`);
  try {
    checkNewPassword(password);
  } catch (err) {
    if (err instanceof PasswordError) throw new CliError(ExitCode.Usage, `${from}: ${err.message}`);
    throw err;
  }
  return (io.hasher ?? new PasswordHasher()).hash(password);
}

function readPasswordFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new CliError(ExitCode.Usage, `password file ${path}: cannot read (${code}); check the --password-file path and that you may read it`);
  }
  try {
    const st = fstatSync(fd);
    const mode = st.mode & 0o777;
    if (!st.isFile()) throw new CliError(ExitCode.Usage, `password file ${path} is not a regular file; write the password into a file of mode 0600, or use --password-stdin`);
    if ((mode & 0o077) !== 0) throw new CliError(ExitCode.Usage, `password file ${path}: mode ${mode.toString(8).padStart(4, '0')} lets others read it; run 'chmod 600 ${path}' (and choose a new password if others could have read it)`);
    if (st.size > MAX_INPUT) throw new CliError(ExitCode.Usage, `password file ${path} is ${st.size} bytes, too big to be a password file; write the password alone on one line`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

async function readStdin(io: TrustIo): Promise<string> {
  if (io.stdin === undefined) throw new CliError(ExitCode.Usage, '--password-stdin: no standard input here; use --password-file F');
  // A terminal would echo the password as it is typed.
  if ((io.stdin as { isTTY?: boolean }).isTTY === true) throw new CliError(ExitCode.Usage, '--password-stdin reads a pipe, not a terminal (it would show the password as you type); pipe it in, or use --password-file F');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    size += b.length;
    if (size > MAX_INPUT) throw new CliError(ExitCode.Usage, `--password-stdin: more than ${MAX_INPUT} bytes arrived; pipe only the password, on one line`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
