/**
 * `startTrustServer` with the MyNet Manager listener: off by default; with `web`, an HTTPS
 * listener whose self-signed certificate (made by an injected maker: no external program)
 * `pia-trust web fingerprint` prints, and whose login is checked against the accounts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPiaTrust } from '../cli/run-pia-trust.js';
import { startTrustServer, type TrustServer } from '../server.js';

const fixture = (f: string): string => readFileSync(new URL(`./test-fixtures/${f}`, import.meta.url), 'utf8');
const makeCertificate = (keyFile: string, certFile: string): void => {
  writeFileSync(keyFile, fixture('test-key.pem'), { mode: 0o600 });
  writeFileSync(certFile, fixture('test-cert.pem'));
};

let dir: string;
let server: TrustServer | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pia-web-serve-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const start = (web?: boolean): Promise<TrustServer> =>
  startTrustServer({ stateDir: join(dir, 'state'), pia: { address: '::1', port: 0 }, admin: { address: '127.0.0.1', port: 0 }, env: {}, log: () => undefined, ...(web === true ? { web: { bind: { address: '127.0.0.1', port: 0 }, makeCertificate } } : {}) });

function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/login`, { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('pia-trust serve with MyNet Manager', () => {
  it('is off by default', async () => {
    server = await start();
    expect(server.web).toBeUndefined();
  });

  it('serves HTTPS with the state directory certificate, whose fingerprint the CLI prints', async () => {
    server = await start(true);
    const web = server.web;
    expect(web?.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(web?.certCreated).toBe(true);
    expect(await post(web?.url ?? '', JSON.stringify({ name: 'nobody', password: 'not-a-real-password' }))).toBe(401);
    let out = '';
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, signal: new AbortController().signal, env: {} };
    expect(await runPiaTrust(['web', 'fingerprint', '--state', join(dir, 'state')], io)).toBe(0);
    expect(out).toBe(`${web?.fingerprint ?? '?'}\n`);
  });

  it('web fingerprint before any certificate exists: exit 2 and how to make it', async () => {
    let err = '';
    const io = { stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) }, signal: new AbortController().signal, env: {} };
    expect(await runPiaTrust(['web', 'fingerprint', '--state', dir], io)).toBe(2);
    expect(err).toMatch(/pia-trust serve --web/);
  });
});
