/**
 * The console's web server on loopback: the page, the snapshot API and the WebSocket
 * (node:http + ws). Checks: access.ts.
 *
 * Flow of an HTTP request:
 *  1. `Host` not 127.0.0.1:PORT or localhost:PORT → 403 (DNS rebinding), nothing else read;
 *  2. `GET /api/snapshot?gateway=&device=` with `x-console-token` → the JPEG fetched over PIA
 *     (Block2), 504 when slower than the snapshot timeout, 502 with the gateway's reason;
 *  3. else the page's files (common/http StaticAssets: `/`, `/assets/*`), else 404.
 * Flow of a WebSocket (`/ws`):
 *  1. the upgrade: `Host` as above; `Origin` not the console's own → 403, logged at most once a
 *     second; 8 pages connected already → 503;
 *  2. the first message must be `{"type":"hello","token":…}` within HELLO_MS, else close 1008;
 *  3. then the picture (protocol.ts pictureMessages) and every change; `set`/`call` → `result`;
 *  4. a message over 64 KiB closes with 1009 (ws maxPayload); a page whose send buffer passes
 *     1 MiB is dropped (it reconnects and gets the picture anew).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Clock } from '../../common/index.js';
import { SECURITY_HEADERS, type StaticAssets } from '../../common/http/index.js';
import { hostAllowed, originAllowed, RateLimitedLog, shown, tokenMatches } from './access.js';
import type { ConsoleCore } from './console-core.js';
import { MAX_MESSAGE_BYTES, parsePageMessage, pictureMessages, type ServerMessage } from './protocol.js';

export const MAX_PAGES = 8;
export const MAX_BUFFERED_BYTES = 1024 * 1024;
export const HELLO_MS = 10_000;

export interface ConsoleServerOptions {
  readonly core: ConsoleCore;
  readonly assets: StaticAssets;
  readonly token: string;
  readonly clock: Clock;
  /** Default 0: a free port. */
  readonly port?: number;
  readonly snapshotTimeoutMs: number;
  readonly log: (line: string) => void;
}

export interface ConsoleServer {
  readonly port: number;
  /** http://127.0.0.1:PORT/#token=… */
  readonly url: string;
  pages(): number;
  close(): Promise<void>;
}

export async function startConsoleServer(o: ConsoleServerOptions): Promise<ConsoleServer> {
  const refusals = new RateLimitedLog(o.clock, o.log);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  let port = 0;
  const server: Server = createServer((req, res) => void answer(req, res));

  const text = (res: ServerResponse, status: number, body: string): void => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host, port)) return text(res, 403, `Host must be 127.0.0.1:${port} or localhost:${port}; open the URL piactl console printed\n`);
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname === '/api/snapshot') return snapshot(req, res, url);
    if (!o.assets.serve(req, res)) text(res, 404, `no such page: ${url.pathname.slice(0, 100)}; the console is at /\n`);
  }

  async function snapshot(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET') return text(res, 405, 'GET /api/snapshot?gateway=GATEWAY&device=DEVICE\n');
    if (!tokenMatches(o.token, req.headers['x-console-token'])) return text(res, 401, 'x-console-token is missing or wrong; reload the console from the URL piactl console printed\n');
    const gateway = url.searchParams.get('gateway');
    const device = url.searchParams.get('device');
    if (gateway === null || device === null || gateway.length > 128 || device.length > 128) return text(res, 400, 'give ?gateway=GATEWAY&device=DEVICE as the console state names them\n');
    const r = await o.core.snapshot(gateway, device, o.snapshotTimeoutMs);
    if (!r.ok) return text(res, r.status, `${r.message}\n`);
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'image/jpeg', 'Cache-Control': 'no-store', 'Content-Length': r.bytes.length });
    res.end(Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.length));
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: string, line?: string): void => {
      if (line !== undefined) refusals.log(line);
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/ws') return refuse('404 Not Found');
    if (!hostAllowed(req.headers.host, port)) return refuse('403 Forbidden', `piactl console: refused a WebSocket for Host ${shown(req.headers.host)} (only 127.0.0.1:${port} or localhost:${port})`);
    if (!originAllowed(req.headers.origin, port)) return refuse('403 Forbidden', `piactl console: refused a WebSocket from origin ${shown(req.headers.origin)}: only the console's own page may connect`);
    if (wss.clients.size >= MAX_PAGES) return refuse('503 Service Unavailable', `piactl console: refused a page: ${MAX_PAGES} are open already; close one`);
    wss.handleUpgrade(req, socket, head, (ws) => page(ws));
  });

  function page(ws: WebSocket): void {
    let unsubscribe: (() => void) | undefined;
    const send = (m: ServerMessage): void => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        o.log(`piactl console: dropped a page that did not keep up (more than ${MAX_BUFFERED_BYTES} bytes waiting); it reconnects by itself`);
        ws.terminate();
        return;
      }
      ws.send(JSON.stringify(m));
    };
    const hello = o.clock.setTimeout(() => ws.close(1008, 'no hello with the token'), HELLO_MS);
    ws.on('close', () => {
      o.clock.clearTimeout(hello);
      unsubscribe?.();
    });
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      const parsed = isBinary ? { ok: false as const, problem: 'binary messages are not part of the protocol; send JSON text' } : parsePageMessage(textOf(data));
      if (unsubscribe === undefined) {
        if (!parsed.ok || parsed.message.type !== 'hello' || !tokenMatches(o.token, parsed.message.token)) return ws.close(1008, 'the first message must be hello with the token');
        o.clock.clearTimeout(hello);
        for (const m of pictureMessages(o.core.state())) send(m);
        unsubscribe = o.core.subscribe(send);
        return;
      }
      if (!parsed.ok) return send({ type: 'result', id: parsed.id ?? '', ok: false, message: parsed.problem });
      const m = parsed.message;
      if (m.type === 'hello') return;
      void o.core.handle(m).then(send);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    url: `http://127.0.0.1:${port}/#token=${o.token}`,
    pages: () => wss.clients.size,
    async close() {
      for (const ws of wss.clients) ws.close(1001, 'console stopped');
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A text frame's bytes as ws hands them (one Buffer, or fragments). */
function textOf(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString('utf8');
}
