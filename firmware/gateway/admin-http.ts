/**
 * The admin HTTP endpoint (gateway.adminListen, default 127.0.0.1:9464): GET /healthz (JSON:
 * each device's health, PIA and the trusted server) and GET /metrics (Prometheus text).
 *
 * Must hold: it answers only GET and HEAD on those two paths (405 / 404 otherwise) and never
 * reads a request body; /healthz is 200 while the gateway serves (its "status" says "ok" or
 * "degraded") and 503 once it is stopping, so a supervisor can tell a live gateway from a
 * dying one; an error building an answer is a 500 with a line in the log, not a crash.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HostPort } from '../config/index.js';

export interface AdminHandlers {
  health(): { readonly stopping: boolean; readonly body: unknown };
  metrics(): Promise<{ readonly contentType: string; readonly text: string }>;
  readonly log: { warn(message: string): void };
}

export interface AdminServer {
  /** The bound address and port (the OS's port when 0 was asked for). */
  readonly address: HostPort;
  close(): Promise<void>;
}

export async function startAdminServer(listen: HostPort, h: AdminHandlers): Promise<AdminServer> {
  const server = createServer((req, res) => void answer(req, res, h));
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const fix = err.code === 'EADDRINUSE' ? 'another process uses it; stop it or set gateway.adminListen to another port' : 'set gateway.adminListen to an address of this host, e.g. 127.0.0.1:9464';
      reject(new Error(`admin HTTP: cannot listen on ${show(listen)} (${err.code ?? err.message}); ${fix}`));
    };
    server.once('error', onError);
    server.listen({ host: listen.address, port: listen.port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = server.address();
  const address = typeof bound === 'object' && bound !== null ? { address: bound.address, port: bound.port } : listen;
  return { address, close: () => closeServer(server) };
}

async function answer(req: IncomingMessage, res: ServerResponse, h: AdminHandlers): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  try {
    if (path !== '/healthz' && path !== '/metrics') return send(res, 404, 'text/plain; charset=utf-8', 'not found: GET /healthz or /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', `${req.method ?? '?'} not allowed: use GET\n`);
    }
    if (path === '/healthz') {
      const { stopping, body } = h.health();
      return send(res, stopping ? 503 : 200, 'application/json; charset=utf-8', `${JSON.stringify(body, null, 2)}\n`, req.method === 'HEAD');
    }
    const m = await h.metrics();
    return send(res, 200, m.contentType, m.text, req.method === 'HEAD');
  } catch (e) {
    h.log.warn(`admin HTTP: ${req.method ?? '?'} ${path ?? ''} failed: ${e instanceof Error ? e.message : String(e)}`);
    return send(res, 500, 'text/plain; charset=utf-8', 'internal error; the gateway log has the details\n');
  }
}

function send(res: ServerResponse, status: number, type: string, body: string, headOnly = false): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-store');
  res.end(headOnly ? undefined : body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function show(hp: HostPort): string {
  return hp.address.includes(':') ? `[${hp.address}]:${hp.port}` : `${hp.address}:${hp.port}`;
}
