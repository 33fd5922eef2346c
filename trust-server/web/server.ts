/**
 * MyNet Manager's web listener: the page, login, logout and the session JSON API over HTTPS,
 * or plain HTTP on a loopback address only (docs/mynet-manager.md).
 *
 *   1. POST /login {name, password} (≤ 4 KiB → else 413): an `Origin` header, when present,
 *      must be this listener's own origin (else 403, counted, not audited: a cross-site form
 *      cannot log a victim in); verifyLogin with the client address as source; 200
 *      {csrfToken, account} and the session cookie; 401 for any refusal; 429 when limited;
 *   2. /logout and /api/*: a live session (401 otherwise), whose account still exists and is
 *      enabled (its role read from the store at each request); every POST/PUT/DELETE/PATCH
 *      must carry the session's CSRF token in `x-csrf-token` (403, nothing done);
 *   3. the route (routes.ts) → 404 / 405; a JSON body ≤ 16 KiB (→ 413); the operation runs in
 *      the caller's Scope (scope.ts) with the actor {account, via: 'web'} for its audit records;
 *   4. anything else: GET/HEAD of a page file (page-assets.ts) or 404; a path with `..`, an
 *      encoded dot or slash, or a backslash is counted and logged at most once a minute;
 *   5. so are a forged or expired session cookie (401), a change without its CSRF token (403)
 *      and an oversized body (413): counted per kind, logged at most once a minute a kind.
 *
 * Must hold: the password is never logged, audited or answered; a non-loopback bind without
 * TLS is refused; API answers are `no-store`; unauthenticated requests write no audit record.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AuditLog } from '../../common/audit/index.js';
import { MAX_TICKET_LIFETIME_S } from '../../pia/phase3/index.js';
import type { LoginResult } from '../accounts/index.js';
import { AccountNotFound } from '../admin-accounts.js';
import { NotFound } from '../admin-api.js';
import { InputError } from '../admin-input.js';
import { isLoopback } from '../admin-http.js';
import { hostPort, listenHttp } from '../http-listen.js';
import { StoreError } from '../store/index.js';
import type { WebApiDeps } from './api-context.js';
import { HttpError, readJsonBody, sendJson as send } from './http-body.js';
import type { PageAssets } from './page-assets.js';
import { WEB_ROUTES } from './routes.js';
import { Scope } from './scope.js';
import { clearSessionCookie, CSRF_HEADER, csrfMatches, sessionCookie, setSessionCookie, type Session, type SessionTable } from './sessions.js';

export const MAX_LOGIN_BODY = 4 * 1024;
export const MAX_API_BODY = 16 * 1024;
/** Retry-After for a limited login: the source window (a name's lock lifts a token at a time). */
export const LIMITED_RETRY_SECONDS = 60;
const LOG_EVERY_MS = 60_000;

export interface WebTls {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

export interface WebServerOptions {
  readonly address: string;
  readonly port: number;
  /** Without it the listener is plain HTTP, allowed on a loopback address only. */
  readonly tls?: WebTls;
  readonly login: { verifyLogin(name: string, password: string, source: string): Promise<LoginResult> };
  readonly sessions: SessionTable;
  readonly audit: AuditLog;
  readonly log: (level: 'info' | 'warn', message: string) => void;
  /** The session JSON API (/api/fleet, /api/nodes, …); without it only /api/me. */
  readonly api?: WebApiDeps;
  /** The page (static/); without it only the API. */
  readonly assets?: PageAssets;
  /** The server's ticket lifetime (s): how long existing associations keep a lost access. */
  readonly ticketLifetimeS?: number;
  /** Milliseconds, for the once-a-minute log limits (default Date.now). */
  readonly nowMs?: () => number;
}

/** What was refused without a record: counted here, summarized in the log. */
export interface WebRefusals {
  /** Logins whose Origin was another site. */
  crossOriginLogins: number;
  /** Requests for paths outside the page (`..`, encoded dots or slashes). */
  traversal: number;
  /** API requests with a session cookie that is not (or no longer) a live session: forged or expired. */
  badSession: number;
  /** Changes without the session's CSRF token. */
  csrf: number;
  /** Bodies over the limit (413). */
  oversized: number;
}

export interface WebServer {
  readonly url: string;
  readonly port: number;
  readonly refusals: Readonly<WebRefusals>;
  close(): Promise<void>;
}

export async function startWebServer(o: WebServerOptions): Promise<WebServer> {
  if (o.tls === undefined && !isLoopback(o.address)) {
    throw new Error(`MyNet Manager: ${o.address} is not a loopback address and the listener has no TLS certificate; bind --web to 127.0.0.1 or ::1, or serve HTTPS (a certificate from --web-cert/--web-key or the state directory's self-signed one)`);
  }
  const secure = o.tls !== undefined;
  const refusals: WebRefusals = { crossOriginLogins: 0, traversal: 0, badSession: 0, csrf: 0, oversized: 0 };
  const logged: Record<LogKey, number> = { traversal: -Infinity, origin: -Infinity, badSession: -Infinity, csrf: -Infinity, oversized: -Infinity };
  const nowMs = o.nowMs ?? Date.now;
  const logLimited = (key: LogKey, message: string): void => {
    const t = nowMs();
    if (t - logged[key] < LOG_EVERY_MS) return;
    logged[key] = t;
    o.log('warn', message);
  };
  const ctx: Ctx = { o, secure, refusals, logLimited };
  const handler = (req: IncomingMessage, res: ServerResponse): void => void handle(ctx, req, res);
  const server: Server = o.tls === undefined ? createHttpServer(handler) : createHttpsServer({ cert: o.tls.cert, key: o.tls.key }, handler);
  const l = await listenHttp(server, { address: o.address, port: o.port, what: 'MyNet Manager', whenTaken: 'another process uses it; stop it or choose another --web port', flag: '--web' });
  return { url: `${secure ? 'https' : 'http'}://${hostPort(l.reach, l.port)}`, port: l.port, refusals, close: () => l.close() };
}

type LogKey = 'traversal' | 'origin' | 'badSession' | 'csrf' | 'oversized';

interface Ctx {
  readonly o: WebServerOptions;
  readonly secure: boolean;
  readonly refusals: WebRefusals;
  readonly logLimited: (key: LogKey, message: string) => void;
}

const CHANGING = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);
const TRAVERSAL = /\.\.|%2e|%2f|%5c|\\/i;

async function handle(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { o } = ctx;
  const method = req.method ?? 'GET';
  const raw = req.url ?? '/';
  let path = '/';
  try {
    path = new URL(raw, 'http://web.invalid').pathname;
    if (TRAVERSAL.test(raw.split('?')[0] ?? '')) {
      ctx.refusals.traversal++;
      ctx.logLimited('traversal', `MyNet Manager: refused requests for paths outside the page (${ctx.refusals.traversal} so far); nothing is served outside static/`);
      throw new HttpError(404, 'no such page');
    }
    if (path === '/login') {
      if (method !== 'POST') throw methodNotAllowed(res, 'POST');
      await login(ctx, req, res);
      return;
    }
    if (path === '/logout' || path.startsWith('/api/')) {
      await api(ctx, method, path, req, res);
      return;
    }
    if (o.assets?.serve(req, res) === true) return;
    throw new HttpError(404, `no such page ${path.slice(0, 80)}`);
  } catch (err) {
    if (err instanceof HttpError) {
      noteRefusal(ctx, path === '/login' && err.status === 403 ? 0 : err.status, sessionCookie(req.headers.cookie) !== undefined); // a login from another site is counted by login()
      send(res, err.status, { error: err.message });
    }
    else if (err instanceof InputError) send(res, 400, { error: err.message });
    else if (err instanceof NotFound || err instanceof AccountNotFound) send(res, 404, { error: err.message });
    else if (err instanceof StoreError && err.kind === 'invalid') send(res, 400, { error: err.message });
    else if (err instanceof StoreError && err.kind === 'not-found') send(res, 404, { error: err.message });
    else if (err instanceof StoreError && err.kind === 'conflict') send(res, 409, { error: err.message });
    else if (err instanceof StoreError && err.kind === 'unavailable') send(res, 503, { error: err.message });
    else {
      o.log('warn', `MyNet Manager ${method} ${path.slice(0, 80)}: ${err instanceof Error ? err.message : String(err)}`);
      send(res, 500, { error: 'internal error; the server log has the details' });
    }
  }
}

/**
 * A forged or expired session, a change without its CSRF token, an oversized body: refused
 * without an audit record (nobody, or nobody's intent, is proven), counted, and logged at most
 * once a minute a kind with the count so far.
 */
function noteRefusal(ctx: Ctx, status: number, hadCookie: boolean): void {
  const kind = status === 401 && hadCookie ? 'badSession' : status === 403 ? 'csrf' : status === 413 ? 'oversized' : undefined;
  if (kind === undefined) return;
  ctx.refusals[kind]++;
  const what = { badSession: 'requests with a session cookie that is forged or expired (401)', csrf: 'changes without the session\'s CSRF token (403)', oversized: 'bodies over the size limit (413)' }[kind];
  ctx.logLimited(kind, `MyNet Manager: refused ${what}: ${ctx.refusals[kind]} so far; nothing was changed`);
}

/** Steps 2 and 3. */
async function api(ctx: Ctx, method: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { o } = ctx;
  const id = sessionCookie(req.headers.cookie) ?? '';
  const session = await live(o, id);
  if (session === undefined) throw new HttpError(401, 'Your session ended; log in again');
  if (CHANGING.has(method) && !csrfMatches(session, req.headers[CSRF_HEADER])) {
    throw new HttpError(403, `missing or wrong ${CSRF_HEADER} header; send the csrfToken the login answer gave (reload the page to get it again)`);
  }
  const source = req.socket.remoteAddress ?? 'unknown';
  if (path === '/api/me' || path === '/logout') {
    const allowed = path === '/logout' ? 'POST' : 'GET';
    if (method !== allowed) throw methodNotAllowed(res, allowed);
    if (path === '/api/me') send(res, 200, { account: session.account, csrfToken: session.csrfToken });
    else logout(ctx, id, session, source, res);
    return;
  }
  const deps = o.api;
  const matching = deps === undefined ? [] : WEB_ROUTES.filter((r) => r.path.test(path));
  const route = matching.find((r) => r.method === method);
  if (deps === undefined || route === undefined) {
    if (matching.length === 0) throw new HttpError(404, `no such endpoint ${path.slice(0, 80)}`);
    throw methodNotAllowed(res, matching.map((r) => r.method).join(', '));
  }
  const params = (route.path.exec(path) ?? []).slice(1).map(pathParam);
  const body = route.body === true ? await readJsonBody(req, MAX_API_BODY, '{"label": "alice-laptop", "kind": "operator"}') : undefined;
  const viewer = { name: session.account.name, role: session.account.role === 'admin' ? ('admin' as const) : ('owner' as const) };
  const answer = await route.run(deps, {
    scope: await Scope.load(viewer, deps.store),
    actor: { account: viewer.name, via: 'web' },
    params,
    body,
    query: new URL(req.url ?? '/', 'http://web.invalid').searchParams,
    ticketLifetimeS: o.ticketLifetimeS ?? MAX_TICKET_LIFETIME_S,
  });
  send(res, answer.status, answer.body);
}

/** The live session of the cookie, its role refreshed from the store; a removed or disabled account's session ends here. */
async function live(o: WebServerOptions, id: string): Promise<Session | undefined> {
  const session = o.sessions.touch(id);
  if (session === undefined || o.api === undefined) return session;
  const account = await o.api.store.getAccount(session.account.name);
  if (account === undefined || account.disabled) {
    o.sessions.end(id);
    return undefined;
  }
  if (account.role !== session.account.role) session.account = { name: account.name, role: account.role };
  return session;
}

async function login(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { o, secure } = ctx;
  const origin = req.headers.origin;
  const own = `${secure ? 'https' : 'http'}://${req.headers.host ?? ''}`;
  if (origin !== undefined && origin !== own) {
    ctx.refusals.crossOriginLogins++;
    ctx.logLimited('origin', `MyNet Manager: refused logins from another site's page (${ctx.refusals.crossOriginLogins} so far)`);
    throw new HttpError(403, 'this login came from another site\'s page; open MyNet Manager at its own address and log in there');
  }
  const source = req.socket.remoteAddress ?? 'unknown';
  const body = await readJsonBody(req, MAX_LOGIN_BODY, '{"name": "...", "password": "..."}');
  const { name, password } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof name !== 'string' || typeof password !== 'string') throw new HttpError(400, 'send a JSON object {"name": "...", "password": "..."} with both as strings');
  const r = await o.login.verifyLogin(name, password, source);
  if (!r.ok && r.reason === 'limited') {
    res.setHeader('Retry-After', String(LIMITED_RETRY_SECONDS));
    throw new HttpError(429, `too many failed logins; wait ${LIMITED_RETRY_SECONDS} seconds and try again`);
  }
  if (!r.ok) throw new HttpError(401, 'wrong name or password');
  const { id, session } = o.sessions.create({ name: r.account.name, role: r.account.role });
  res.setHeader('Set-Cookie', setSessionCookie(id, secure));
  send(res, 200, { csrfToken: session.csrfToken, account: session.account });
}

function logout(ctx: Ctx, id: string, session: Session, source: string, res: ServerResponse): void {
  ctx.o.sessions.end(id);
  ctx.o.audit.append('logout', { account: session.account.name, role: session.account.role, source });
  res.setHeader('Set-Cookie', clearSessionCookie(ctx.secure));
  res.writeHead(204, { 'Cache-Control': 'no-store' });
  res.end();
}

function methodNotAllowed(res: ServerResponse, allowed: string): HttpError {
  res.setHeader('Allow', allowed);
  return new HttpError(405, `use ${allowed} here`);
}

function pathParam(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    throw new HttpError(400, `the path segment "${p.slice(0, 64)}" is not valid percent-encoding; send the ID as it is listed`);
  }
}
