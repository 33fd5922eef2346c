/**
 * The console's server on loopback: Host (DNS rebinding), the token (HTTP header, WebSocket
 * hello), the WebSocket's Origin (refused and logged at most once a second), the 64 KiB message
 * limit (1009), at most 8 pages, and the picture a page receives after its hello.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ManualClock } from '../../common/index.js';
import { StaticAssets } from '../../common/http/index.js';
import { ConsoleCore } from './console-core.js';
import { STATIC_DIR } from './run-console.js';
import { MAX_PAGES, startConsoleServer, type ConsoleServer } from './server.js';

const TOKEN = 'test-token-not-secret';
let server: ConsoleServer | undefined;
let logs: string[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await server?.close();
  server = undefined;
  logs = [];
});

async function start(): Promise<ConsoleServer> {
  const clock = new ManualClock(0);
  const core = new ConsoleCore({ gateways: [], io: { stdout: { write: () => true }, stderr: { write: () => true }, signal: new AbortController().signal }, clock });
  server = await startConsoleServer({ core, assets: StaticAssets.load(STATIC_DIR), token: TOKEN, clock, snapshotTimeoutMs: 1000, log: (l) => logs.push(l) });
  return server;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function open(port: number, origin = `http://127.0.0.1:${port}`, host = `127.0.0.1:${port}`): WebSocket {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { origin, headers: { host } });
  sockets.push(ws);
  return ws;
}

const refusal = (ws: WebSocket): Promise<number> => new Promise((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)).on('error', () => undefined));
const closed = (ws: WebSocket): Promise<number> => new Promise((resolve) => ws.on('close', (code) => resolve(code)));
const opened = (ws: WebSocket): Promise<void> => new Promise((resolve, reject) => ws.on('open', () => resolve()).on('error', reject));
const firstMessage = (ws: WebSocket): Promise<Record<string, unknown>> => new Promise((resolve) => ws.once('message', (d: Buffer) => resolve(JSON.parse(d.toString()) as Record<string, unknown>)));

describe('console server: HTTP', () => {
  it('serves the page with its CSP to the right Host only', async () => {
    const s = await start();
    const page = await get(s.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module" src="/assets/console.js">');
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'self'");
    expect((await get(s.port, '/assets/console.js')).status).toBe(200);
    const rebound = await get(s.port, '/', { host: `evil.example:${s.port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toMatch(/Host must be 127\.0\.0\.1:\d+ or localhost:\d+/);
    expect((await get(s.port, '/', { host: `localhost:${s.port}` })).status).toBe(200);
    expect((await get(s.port, '/nothing')).status).toBe(404);
  });

  it('the snapshot API needs the token header, and says what is missing', async () => {
    const s = await start();
    const none = await get(s.port, '/api/snapshot?gateway=g&device=d');
    expect(none.status).toBe(401);
    expect(none.body).toMatch(/x-console-token is missing or wrong/);
    expect((await get(s.port, '/api/snapshot?gateway=g&device=d', { 'x-console-token': `${TOKEN}x` })).status).toBe(401);
    const noArgs = await get(s.port, '/api/snapshot', { 'x-console-token': TOKEN });
    expect(noArgs.status).toBe(400);
    const unknown = await get(s.port, '/api/snapshot?gateway=g&device=d', { 'x-console-token': TOKEN });
    expect(unknown.status).toBe(502);
    expect(unknown.body).toMatch(/no gateway "g" in this console/);
  });
});

describe('console server: WebSocket', () => {
  it('refuses another origin (403) and another Host, logging a flood once', async () => {
    const s = await start();
    const codes = await Promise.all(Array.from({ length: 5 }, () => refusal(open(s.port, 'http://evil.example'))));
    expect(codes).toEqual([403, 403, 403, 403, 403]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/refused a WebSocket from origin "http:\/\/evil\.example"/);
    expect(await refusal(open(s.port, `http://127.0.0.1:${s.port}`, `evil.example:${s.port}`))).toBe(403);
  });

  it('closes 1008 without the right token in the first message; with it, sends the picture', async () => {
    const s = await start();
    const wrong = open(s.port);
    await opened(wrong);
    const wrongClosed = closed(wrong);
    wrong.send(JSON.stringify({ type: 'hello', token: 'guess' }));
    expect(await wrongClosed).toBe(1008);
    const early = open(s.port);
    await opened(early);
    const earlyClosed = closed(early);
    early.send(JSON.stringify({ type: 'set', id: 'a', gateway: 'g', device: 'd', property: 'p', value: 1 }));
    expect(await earlyClosed).toBe(1008);

    const ws = open(s.port);
    await opened(ws);
    const state = firstMessage(ws);
    ws.send(JSON.stringify({ type: 'hello', token: TOKEN }));
    expect(await state).toMatchObject({ type: 'state', gateways: [], alarms: [] });
    const answer = firstMessage(ws);
    ws.send(JSON.stringify({ type: 'set', id: 'x1', gateway: 'nowhere:1', device: 'd', property: 'p', value: 1 }));
    expect(await answer).toMatchObject({ type: 'result', id: 'x1', ok: false, message: expect.stringMatching(/no gateway "nowhere:1"/) });
    const bad = firstMessage(ws);
    ws.send('{"type":"set","id":"x2"}');
    expect(await bad).toMatchObject({ type: 'result', id: 'x2', ok: false, message: expect.stringMatching(/"gateway"/) });
  });

  it('a message over 64 KiB closes the socket with 1009', async () => {
    const s = await start();
    const ws = open(s.port);
    await opened(ws);
    const state = firstMessage(ws);
    ws.send(JSON.stringify({ type: 'hello', token: TOKEN }));
    await state;
    const code = closed(ws);
    ws.send(JSON.stringify({ type: 'set', id: 'big', gateway: 'g', device: 'd', property: 'p', value: 'x'.repeat(70 * 1024) }));
    expect(await code).toBe(1009);
  });

  it(`at most ${MAX_PAGES} pages: the next is refused (503) and logged`, async () => {
    const s = await start();
    const pages = Array.from({ length: MAX_PAGES }, () => open(s.port));
    await Promise.all(pages.map(opened));
    expect(s.pages()).toBe(MAX_PAGES);
    expect(await refusal(open(s.port))).toBe(503);
    expect(logs.some((l) => /8 are open already/.test(l))).toBe(true);
  });
});
