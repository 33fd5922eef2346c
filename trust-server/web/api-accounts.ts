/**
 * The web API's accounts (admin only; for an owner these endpoints do not exist: 404):
 *
 *   GET  /api/accounts; POST /api/accounts {name, role, password}
 *   POST /api/accounts/:name/{password {password}, disable, enable, role {role}}
 *   DELETE /api/accounts/:name
 *
 * Must hold: the page sends a password, checked (accounts/password-hash.ts rules) and hashed
 * here; only the hash goes on (admin-accounts.ts: audited, last-admin rule, sessions ended).
 * The password is never logged, audited or answered.
 */
import { checkNewPassword, PasswordError } from '../accounts/index.js';
import { InputError } from '../admin-input.js';
import type { ApiAnswer } from '../admin-api.js';
import { bodyFields, type WebApiDeps, type WebCall } from './api-context.js';

async function hashed(d: WebApiDeps, password: unknown): Promise<string> {
  if (typeof password !== 'string' || password === '') throw new InputError('"password" is missing; type the new password (12 characters or more)');
  try {
    checkNewPassword(password);
  } catch (err) {
    if (err instanceof PasswordError) throw new InputError(`"password": ${err.message}`);
    throw err;
  }
  return d.hasher.hash(password);
}

const name = (c: WebCall): string => c.params[0] ?? '';

export function listAccounts(d: WebApiDeps, c: WebCall): Promise<ApiAnswer> {
  c.scope.requireAdmin('/api/accounts');
  return d.admin.listAccounts();
}

export async function addAccount(d: WebApiDeps, c: WebCall): Promise<ApiAnswer> {
  c.scope.requireAdmin('/api/accounts');
  const o = bodyFields(c.body, ['name', 'role', 'password'], '{"name": "alice", "role": "owner", "password": "…"}');
  if (typeof o.name !== 'string' || typeof o.role !== 'string') throw new InputError('"name" and "role" must be text, e.g. {"name": "alice", "role": "owner", "password": "…"}');
  const passwordHash = await hashed(d, o.password);
  return d.admin.addAccount({ name: o.name, role: o.role, passwordHash }, c.actor);
}

export async function setPassword(d: WebApiDeps, c: WebCall): Promise<ApiAnswer> {
  c.scope.requireAdmin('/api/accounts/:name/password');
  const o = bodyFields(c.body, ['password'], '{"password": "…"}');
  return d.admin.setAccountPassword(name(c), { passwordHash: await hashed(d, o.password) }, c.actor);
}

export function disable(d: WebApiDeps, c: WebCall): Promise<ApiAnswer> {
  c.scope.requireAdmin('/api/accounts/:name/disable');
  return d.admin.setAccountDisabled(name(c), true, c.actor);
}

export function enable(d: WebApiDeps, c: WebCall): Promise<ApiAnswer> {
  c.scope.requireAdmin('/api/accounts/:name/enable');
  return d.admin.setAccountDisabled(name(c), false, c.actor);
}

export function setRole(d: WebApiDeps, c: WebCall): Promise<ApiAnswer> {
  c.scope.requireAdmin('/api/accounts/:name/role');
  return d.admin.setAccountRole(name(c), c.body, c.actor);
}

export function removeAccount(d: WebApiDeps, c: WebCall): Promise<ApiAnswer> {
  c.scope.requireAdmin('/api/accounts/:name');
  return d.admin.removeAccount(name(c), c.actor);
}
