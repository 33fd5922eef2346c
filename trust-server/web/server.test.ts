import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryAuditLog, type MemoryAuditLog } from '../../common/audit/index.js';
import { ManualClock } from '../../common/index.js';
import { LoginVerifier } from '../accounts/index.js';
import { countingHasher } from '../accounts/test-support.js';
import { MasterKey, openSqliteStore, type SqliteTrustStore } from '../store/index.js';
import { startWebServer, type WebServer } from './server.js';
import { SessionTable } from './sessions.js';

const PW = 'alice-secret-passphrase';
const WRONG = 'mallory-guess-000000';
const fixture = (f: string): string => readFileSync(new URL(`./test-fixtures/${f}`, import.meta.url), 'utf8');
const TLS = { cert: fixture('test-cert.pem'), key: fixture('test-key.pem') };

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

function call(url: string, method: string, path: string, o: { body?: string; cookie?: string; csrf?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (o.cookie !== undefined) headers.cookie = o.cookie;
  if (o.csrf !== undefined) headers['x-csrf-token'] = o.csrf;
  const request = url.startsWith('https') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) });
      });
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

let store: SqliteTrustStore;
let audit: MemoryAuditLog;
let clock: ManualClock;
let sessions: SessionTable;
let logs: string[];
let web: WebServer | undefined;

beforeEach(async () => {
  store = openSqliteStore({ path: ':memory:', masterKey: MasterKey.fromBytes(randomBytes(32)) });
  audit = createMemoryAuditLog();
  clock = new ManualClock();
  const { hasher } = countingHasher();
  await store.addAccount({ name: 'alice', role: 'owner', passwordHash: await hasher.hash(PW) }, new Date());
  sessions = new SessionTable(clock);
  logs = [];
});

afterEach(async () => {
  await web?.close();
  web = undefined;
  await store.close();
});

async function start(tls: boolean, limits = {}): Promise<string> {
  const login = new LoginVerifier({ store, audit, clock, hasher: countingHasher().hasher, limits });
  web = await startWebServer({ address: '127.0.0.1', port: 0, ...(tls ? { tls: TLS } : {}), login, sessions, audit, log: (_l, m) => logs.push(m) });
  return web.url;
}

const loginBody = (name: string, password: string): string => JSON.stringify({ name, password });

async function loggedIn(url: string): Promise<{ cookie: string; csrf: string; answer: Answer }> {
  const answer = await call(url, 'POST', '/login', { body: loginBody('alice', PW) });
  const set = String(answer.headers['set-cookie']?.[0] ?? '');
  return { cookie: set.split(';')[0] ?? '', csrf: String(answer.json.csrfToken), answer };
}

describe('MyNet Manager web listener', () => {
  it('logs in over HTTPS: a Secure, HttpOnly, SameSite=Strict cookie, the CSRF token and the account', async () => {
    const url = await start(true);
    expect(url).toMatch(/^https:/);
    const { answer, cookie } = await loggedIn(url);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ csrfToken: expect.any(String) as unknown, account: { name: 'alice', role: 'owner' } });
    expect(answer.headers['set-cookie']?.[0]).toMatch(/^mynet_session=[A-Za-z0-9_-]{43}; HttpOnly; Secure; SameSite=Strict; Path=\/$/);
    expect(answer.headers['cache-control']).toBe('no-store');
    const me = await call(url, 'GET', '/api/me', { cookie });
    expect(me.status).toBe(200);
    expect(me.json.account).toEqual({ name: 'alice', role: 'owner' });
    expect(audit.all().map((r) => r.event)).toEqual(['login-succeeded']);
  });

  it('leaves Secure off only on plain HTTP loopback', async () => {
    const url = await start(false);
    const { answer } = await loggedIn(url);
    expect(answer.headers['set-cookie']?.[0]).toMatch(/^mynet_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/$/);
  });

  it('refuses a non-loopback plain-HTTP bind with the fix', async () => {
    const login = new LoginVerifier({ store, audit, clock });
    await expect(startWebServer({ address: '0.0.0.0', port: 0, login, sessions, audit, log: () => undefined })).rejects.toThrow(/not a loopback address.*no TLS certificate/);
  });

  it('answers a wrong password and an unknown name with the same 401, and no cookie', async () => {
    const url = await start(false);
    const a = await call(url, 'POST', '/login', { body: loginBody('alice', WRONG) });
    const b = await call(url, 'POST', '/login', { body: loginBody('nobody', WRONG) });
    expect([a.status, b.status]).toEqual([401, 401]);
    expect(a.json).toEqual(b.json);
    expect(a.headers['set-cookie']).toBeUndefined();
    expect(sessions.size).toBe(0);
  });

  it('answers a limited login 429 with Retry-After', async () => {
    const url = await start(false, { accountFailures: 1 });
    expect((await call(url, 'POST', '/login', { body: loginBody('alice', WRONG) })).status).toBe(401);
    const limited = await call(url, 'POST', '/login', { body: loginBody('alice', PW) });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a body over 4 KiB with 413 and a malformed one with 400', async () => {
    const url = await start(false);
    const big = await call(url, 'POST', '/login', { body: loginBody('alice', 'x'.repeat(5000)) });
    expect(big.status).toBe(413);
    expect((await call(url, 'POST', '/login', { body: '{' })).status).toBe(400);
    expect((await call(url, 'POST', '/login', { body: '{"name": 1}' })).status).toBe(400);
    expect(sessions.size).toBe(0);
  });

  it('needs a session for /api/me and /logout', async () => {
    const url = await start(false);
    expect((await call(url, 'GET', '/api/me')).status).toBe(401);
    expect((await call(url, 'GET', '/api/me', { cookie: 'mynet_session=forged' })).status).toBe(401);
    expect((await call(url, 'POST', '/logout', { csrf: 'x' })).status).toBe(401);
    expect((await call(url, 'GET', '/nothing')).status).toBe(404);
    expect((await call(url, 'GET', '/login')).status).toBe(405);
  });

  it('refuses logout without the CSRF token or with a wrong one (403), and the session lives on', async () => {
    const url = await start(false);
    const { cookie, csrf } = await loggedIn(url);
    expect((await call(url, 'POST', '/logout', { cookie })).status).toBe(403);
    expect((await call(url, 'POST', '/logout', { cookie, csrf: `${csrf}x` })).status).toBe(403);
    expect((await call(url, 'GET', '/api/me', { cookie })).status).toBe(200);
    expect(audit.all().map((r) => r.event)).toEqual(['login-succeeded']);
  });

  it('logs out with the CSRF token: the cookie cleared, the session gone, the logout audited', async () => {
    const url = await start(false);
    const { cookie, csrf } = await loggedIn(url);
    const out = await call(url, 'POST', '/logout', { cookie, csrf });
    expect(out.status).toBe(204);
    expect(out.headers['set-cookie']?.[0]).toContain('Max-Age=0');
    expect((await call(url, 'GET', '/api/me', { cookie })).status).toBe(401);
    expect(audit.all().at(-1)).toMatchObject({ event: 'logout', account: 'alice', role: 'owner', source: '127.0.0.1' });
  });

  it('expires a session after 15 idle minutes and 8 hours after login', async () => {
    const url = await start(false);
    const first = await loggedIn(url);
    await clock.advance(15 * 60_000);
    expect((await call(url, 'GET', '/api/me', { cookie: first.cookie })).status).toBe(401);
    const second = await loggedIn(url);
    for (let i = 0; i < 34; i++) {
      await clock.advance(14 * 60_000); // 476 minutes in all, never idle for 15
      expect((await call(url, 'GET', '/api/me', { cookie: second.cookie })).status).toBe(200);
    }
    await clock.advance(4 * 60_000);
    expect((await call(url, 'GET', '/api/me', { cookie: second.cookie })).status).toBe(401);
  });

  it('never puts the password in a log, an audit record or an answer', async () => {
    const url = await start(false, { accountFailures: 2 });
    const answers: Answer[] = [];
    for (const pw of [WRONG, WRONG, WRONG, PW]) answers.push(await call(url, 'POST', '/login', { body: loginBody('alice', pw) }));
    answers.push(await call(url, 'POST', '/login', { body: loginBody('bob', PW) + ' '.repeat(5000) }));
    const seen = JSON.stringify([logs, audit.all(), answers.map((a) => [a.text, a.headers])]);
    expect(seen).not.toContain(PW);
    expect(seen).not.toContain(WRONG);
  });
});
