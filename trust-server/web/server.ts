/**
 * MyNet Manager's web listener (no pages yet): login, logout and "who am I" over HTTPS, or
 * plain HTTP on a loopback address only.
 *
 *   POST /login   {name, password} (JSON, ≤ 4 KiB → else 413) → verifyLogin with the client
 *                 address as source; 200 {csrfToken, account: {name, role}} and the session
 *                 cookie; 401 for any refusal (never saying whether the name exists); 429 with
 *                 Retry-After when limited;
 *   POST /logout  session + `x-csrf-token` → 204, the session ended and audited (`logout`);
 *   GET  /api/me  session → {account, csrfToken}; else 401.
 * Every POST/PUT/DELETE other than /login needs a live session (401) and its CSRF token (403).
 *
 * Must hold: the password is never logged, audited or answered (errors name no body field
 * values); a non-loopback bind without TLS is refused; answers are `no-store`.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AuditLog } from '../../common/audit/index.js';
import type { LoginResult } from '../accounts/index.js';
import { isLoopback } from '../admin-http.js';
import { hostPort, listenHttp } from '../http-listen.js';
import { clearSessionCookie, CSRF_HEADER, csrfMatches, sessionCookie, setSessionCookie, type Session, type SessionTable } from './sessions.js';

export const MAX_LOGIN_BODY = 4 * 1024;
/** Retry-After for a limited login: the source window (a name's lock lifts a token at a time). */
export const LIMITED_RETRY_SECONDS = 60;

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
}

export interface WebServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startWebServer(o: WebServerOptions): Promise<WebServer> {
  if (o.tls === undefined && !isLoopback(o.address)) {
    throw new Error(`MyNet Manager: ${o.address} is not a loopback address and the listener has no TLS certificate; bind --web to 127.0.0.1 or ::1, or serve HTTPS (a certificate from --web-cert/--web-key or the state directory's self-signed one)`);
  }
  const secure = o.tls !== undefined;
  const handler = (req: IncomingMessage, res: ServerResponse): void => void handle(o, secure, req, res);
  const server: Server = o.tls === undefined ? createHttpServer(handler) : createHttpsServer({ cert: o.tls.cert, key: o.tls.key }, handler);
  const l = await listenHttp(server, { address: o.address, port: o.port, what: 'MyNet Manager', whenTaken: 'another process uses it; stop it or choose another --web port', flag: '--web' });
  return { url: `${secure ? 'https' : 'http'}://${hostPort(l.reach, l.port)}`, port: l.port, close: () => l.close() };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const CHANGING = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

async function handle(o: WebServerOptions, secure: boolean, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const path = new URL(req.url ?? '/', 'http://web.invalid').pathname;
  const source = req.socket.remoteAddress ?? 'unknown';
  try {
    if (path === '/login') {
      if (method !== 'POST') throw methodNotAllowed(res, 'POST');
      await login(o, secure, source, req, res);
      return;
    }
    const id = sessionCookie(req.headers.cookie);
    const session = o.sessions.touch(id);
    if (path === '/logout' || path === '/api/me') {
      const allowed = path === '/logout' ? 'POST' : 'GET';
      if (method !== allowed) throw methodNotAllowed(res, allowed);
    } else {
      throw new HttpError(404, `no such endpoint ${path}`);
    }
    if (session === undefined) throw new HttpError(401, 'not logged in, or the session has expired; POST /login again');
    if (CHANGING.has(method) && !csrfMatches(session, req.headers[CSRF_HEADER])) {
      throw new HttpError(403, `missing or wrong ${CSRF_HEADER} header; send the csrfToken the login answer gave`);
    }
    if (path === '/api/me') {
      send(res, 200, { account: session.account, csrfToken: session.csrfToken });
      return;
    }
    logout(o, secure, id ?? '', session, source, res);
  } catch (err) {
    if (err instanceof HttpError) send(res, err.status, { error: err.message });
    else {
      o.log('warn', `MyNet Manager ${method} ${path}: ${err instanceof Error ? err.message : String(err)}`);
      send(res, 500, { error: 'internal error; the server log has the details' });
    }
  }
}

async function login(o: WebServerOptions, secure: boolean, source: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  const name = body.name;
  const password = body.password;
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

function logout(o: WebServerOptions, secure: boolean, id: string, session: Session, source: string, res: ServerResponse): void {
  o.sessions.end(id);
  o.audit.append('logout', { account: session.account.name, role: session.account.role, source });
  res.setHeader('Set-Cookie', clearSessionCookie(secure));
  res.writeHead(204, { 'Cache-Control': 'no-store' });
  res.end();
}

function methodNotAllowed(res: ServerResponse, allowed: string): HttpError {
  res.setHeader('Allow', allowed);
  return new HttpError(405, `use ${allowed} here`);
}

/** The body as a JSON object; never echoes it (it carries a password). */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > MAX_LOGIN_BODY) throw new HttpError(413, `the body is over ${MAX_LOGIN_BODY} bytes; send only {"name", "password"}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_LOGIN_BODY) throw new HttpError(413, `the body is over ${MAX_LOGIN_BODY} bytes; send only {"name", "password"}`);
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'the body is not valid JSON; send {"name": "...", "password": "..."}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'send a JSON object {"name": "...", "password": "..."}');
  return value as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: Readonly<Record<string, unknown>>): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
