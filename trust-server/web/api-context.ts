/**
 * What every web API operation gets: the caller's scope (scope.ts), the actor its audit
 * records name, the path parameters, the JSON body and the query; and the server's parts.
 */
import type { AsyncAuditLog } from '../../common/audit/index.js';
import type { AdminApi, ApiAnswer } from '../admin-api.js';
import type { Actor } from '../admin-accounts.js';
import { InputError } from '../admin-input.js';
import type { TrustStore } from '../store/index.js';
import type { Scope } from './scope.js';

export interface WebApiDeps {
  /** The admin API's operations: the web API validates and audits through them. */
  readonly admin: AdminApi;
  readonly store: TrustStore;
  readonly audit: AsyncAuditLog;
  readonly now: () => Date;
  /** Hashes a password the page sent (accounts/password-hash.ts). */
  readonly hasher: { hash(password: string): Promise<string> };
}

export interface WebCall {
  readonly scope: Scope;
  readonly actor: Actor;
  readonly params: readonly string[];
  readonly body: unknown;
  readonly query: URLSearchParams;
  /** How long an issued ticket lives (s): how long existing associations keep a lost access. */
  readonly ticketLifetimeS: number;
}

export type WebOperation = (d: WebApiDeps, call: WebCall) => ApiAnswer | Promise<ApiAnswer>;

/** The body as an object with only `allowed` fields; unknown ones are named (never their values). */
export function bodyFields(body: unknown, allowed: readonly string[], example: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InputError(`the body must be a JSON object, e.g. ${example}`);
  const o = body as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new InputError(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(', ')}; the fields are ${allowed.join(', ')}`);
  return o;
}

/** What a revocation or a removed grant answers: the admin API's words (admin-api.ts). */
export { effect } from '../admin-api.js';
