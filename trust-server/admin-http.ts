/**
 * The admin API over HTTP (node:http), JSON in and out.
 *
 *   1. bind: loopback by default; any other address only with `allowRemote` (a warning is
 *      logged: the token then crosses the network in clear unless a TLS proxy fronts it);
 *   2. every request: `Authorization: Bearer <token>` checked in constant time → else 401;
 *   3. route (ROUTES below) → else 404 (unknown path) or 405 (known path, other method);
 *   4. body (POST): at most 16 KiB of JSON (a policy file: MAX_POLICY_BODY) → else 413 / 400;
 *   5. answer: the operation's status and JSON; an InputError → 400 {error}, NotFound → 404,
 *      a store that cannot be reached (StoreError 'unavailable') → 503 {error} with its message;
 *      anything else → 500 {error} with the details in the server's log only.
 *
 * Must hold: no answer other than POST /api/nodes carries a key; answers are `no-store`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { hostPort, listenHttp } from './http-listen.js';
import { bearerMatches } from './admin-token.js';
import { InputError } from './admin-input.js';
import { NotFound, type AdminApi, type ApiAnswer } from './admin-api.js';
import { AccountNotFound } from './admin-accounts.js';
import { MAX_POLICY_BODY } from './admin-policy.js';
import { StoreError, type StoreErrorKind } from './store/index.js';

const MAX_BODY = 16 * 1024;
/** The store's refusals a client can fix; its other errors are the server's (500). */
const STORE_STATUS: Partial<Record<StoreErrorKind, number>> = { invalid: 400, 'not-found': 404, conflict: 409, unavailable: 503 };

export interface AdminHttpOptions {
  readonly address: string;
  readonly port: number;
  readonly token: string;
  readonly api: AdminApi;
  /** A non-loopback bind address is refused unless this is set. */
  readonly allowRemote?: boolean;
  readonly log: (level: 'info' | 'warn', message: string) => void;
}

export interface AdminHttp {
  /** The base URL a client on this host uses (a wildcard bind is reached over loopback). */
  readonly url: string;
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

type Handler = (api: AdminApi, params: readonly string[], body: unknown, query: URLSearchParams) => ApiAnswer | Promise<ApiAnswer>;
interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: RegExp;
  readonly body?: true;
  /** The body's limit when not MAX_BODY (the policy file). */
  readonly maxBody?: number;
  readonly run: Handler;
}

const ID = '([^/]+)';
const ROUTES: readonly Route[] = [
  { method: 'GET', path: /^\/healthz$/, run: (api) => api.health() },
  { method: 'GET', path: /^\/api\/nodes$/, run: (api) => api.listNodes() },
  { method: 'POST', path: /^\/api\/nodes$/, body: true, run: (api, _p, body) => api.addNode(body) },
  { method: 'GET', path: new RegExp(`^/api/nodes/${ID}$`), run: (api, [id]) => api.getNode(id ?? '') },
  { method: 'POST', path: new RegExp(`^/api/nodes/${ID}/revoke$`), run: (api, [id]) => api.revokeNode(id ?? '') },
  { method: 'POST', path: new RegExp(`^/api/nodes/${ID}/owner$`), body: true, run: (api, [id], body) => api.setNodeOwner(id ?? '', body) },
  { method: 'GET', path: /^\/api\/grants$/, run: (api, _p, _b, q) => api.listGrants({ subject: q.get('subject'), gateway: q.get('gateway') }) },
  { method: 'POST', path: /^\/api\/grants$/, body: true, run: (api, _p, body) => api.addGrant(body) },
  { method: 'DELETE', path: new RegExp(`^/api/grants/${ID}$`), run: (api, [id]) => api.removeGrant(id ?? '') },
  { method: 'GET', path: /^\/api\/accounts$/, run: (api) => api.listAccounts() },
  { method: 'POST', path: /^\/api\/accounts$/, body: true, run: (api, _p, body) => api.addAccount(body) },
  { method: 'DELETE', path: new RegExp(`^/api/accounts/${ID}$`), run: (api, [name]) => api.removeAccount(name ?? '') },
  { method: 'POST', path: new RegExp(`^/api/accounts/${ID}/password$`), body: true, run: (api, [name], body) => api.setAccountPassword(name ?? '', body) },
  { method: 'POST', path: new RegExp(`^/api/accounts/${ID}/disable$`), run: (api, [name]) => api.setAccountDisabled(name ?? '', true) },
  { method: 'POST', path: new RegExp(`^/api/accounts/${ID}/enable$`), run: (api, [name]) => api.setAccountDisabled(name ?? '', false) },
  { method: 'POST', path: new RegExp(`^/api/accounts/${ID}/role$`), body: true, run: (api, [name], body) => api.setAccountRole(name ?? '', body) },
  { method: 'GET', path: /^\/api\/policy$/, run: (api) => api.exportPolicy() },
  { method: 'POST', path: /^\/api\/policy\/check$/, body: true, maxBody: MAX_POLICY_BODY, run: (api, _p, body) => api.checkPolicy(body) },
  { method: 'POST', path: /^\/api\/policy\/apply$/, body: true, maxBody: MAX_POLICY_BODY, run: (api, _p, body) => api.applyPolicy(body) },
  { method: 'GET', path: /^\/api\/audit$/, run: (api, _p, _b, q) => api.auditTail(q.get('tail')) },
  { method: 'GET', path: /^\/api\/audit\/verify$/, run: (api) => api.auditVerify() },
];

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase().replace(/^::ffff:(?=\d+\.)/, '');
  return /^127\.\d+\.\d+\.\d+$/.test(a) || a === '::1' || a === '0:0:0:0:0:0:0:1' || a === 'localhost';
}

export async function startAdminHttp(o: AdminHttpOptions): Promise<AdminHttp> {
  if (!isLoopback(o.address)) {
    if (o.allowRemote !== true) {
      throw new Error(`admin API: ${o.address} is not a loopback address; the admin API listens on 127.0.0.1 or ::1 unless you pass --allow-remote-admin (then put a TLS proxy in front: the bearer token would travel in clear)`);
    }
    o.log('warn', `admin API on non-loopback address ${o.address}: anyone who can reach it may try the token, and plain HTTP carries it in clear; prefer a TLS proxy or an SSH tunnel`);
  }
  const server = createServer((req, res) => void handle(o, req, res));
  const l = await listenHttp(server, { address: o.address, port: o.port, what: 'admin API', whenTaken: 'another process uses it (another pia-trust serve?); stop it or choose another --admin port', flag: '--admin' });
  return { url: `http://${hostPort(l.reach, l.port)}`, address: o.address, port: l.port, close: () => l.close() };
}

export { hostPort };

async function handle(o: AdminHttpOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if (!bearerMatches(req.headers.authorization, o.token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="pia-trust"');
      send(res, 401, { error: 'missing or wrong bearer token; send "Authorization: Bearer <token>" with the token from the state directory\'s admin-token file' });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    const matching = ROUTES.filter((r) => r.path.test(url.pathname));
    const route = matching.find((r) => r.method === req.method);
    if (route === undefined) {
      if (matching.length === 0) {
        send(res, 404, { error: `no such endpoint ${url.pathname}; see trust-server/README.md for the API` });
      } else {
        res.setHeader('Allow', matching.map((r) => r.method).join(', '));
        send(res, 405, { error: `${req.method ?? '?'} is not allowed on ${url.pathname}; use ${matching.map((r) => r.method).join(' or ')}` });
      }
      return;
    }
    const params = (route.path.exec(url.pathname) ?? []).slice(1).map(pathParam);
    const body = route.body === true ? await readJson(req, route.maxBody ?? MAX_BODY) : undefined;
    const answer = await route.run(o.api, params, body, url.searchParams);
    send(res, answer.status, answer.body);
  } catch (err) {
    if (err instanceof InputError) send(res, 400, { error: err.message });
    else if (err instanceof StoreError && STORE_STATUS[err.kind] !== undefined) send(res, STORE_STATUS[err.kind] ?? 500, { error: err.message });
    else if (err instanceof NotFound || err instanceof AccountNotFound) send(res, 404, { error: err.message });
    else if (err instanceof BodyError) send(res, err.status, { error: err.message });
    else {
      o.log('warn', `admin API ${req.method ?? '?'} ${(req.url ?? '').split('?')[0] ?? ''}: ${err instanceof Error ? err.message : String(err)}`);
      send(res, 500, { error: 'internal error; the server log has the details' });
    }
  }
}

function pathParam(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    throw new InputError(`the path segment "${p}" is not valid percent-encoding; send the ID as it is listed`);
  }
}

class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage, maxBody: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBody) throw new BodyError(413, `the body is over ${maxBody} bytes; send one JSON object`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new BodyError(400, 'the body is empty; send a JSON object (Content-Type: application/json)');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError(400, 'the body is not valid JSON; send one JSON object (Content-Type: application/json)');
  }
}

function send(res: ServerResponse, status: number, body: Readonly<Record<string, unknown>>): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

