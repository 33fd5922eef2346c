/**
 * MyNet Manager open in Chromium while the trusted server goes away and comes back (the same
 * state directory and port, as systemd restarts it): while it is down, an action says the
 * server cannot be reached; once it is back, sessions (kept in memory) are gone and the page
 * says so and shows the login form. Never a blank page or a stack trace.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeTcpPort, launchChromium, screenshot, type HeadlessChromium } from '../../common/test-support/index.js';
import { countingHasher } from '../accounts/test-support.js';
import { startTrustServer, type TrustServer } from '../server.js';
import { fixtureCertificate } from './test-support.js';

const PW = 'correct-horse-battery';
let dir: string;
let webPort: number;
let server: TrustServer | undefined;
let chrome: HeadlessChromium;

function start(): Promise<TrustServer> {
  return startTrustServer({ stateDir: join(dir, 'state'), pia: { address: '::1', port: 0 }, admin: { address: '127.0.0.1', port: 0 }, env: {}, log: () => undefined, web: { bind: { address: '127.0.0.1', port: webPort }, makeCertificate: fixtureCertificate } });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pia-mynet-restart-'));
  webPort = await freeTcpPort();
  server = await start();
  const token = readFileSync(server.paths.adminToken, 'utf8').trim();
  const res = await fetch(`${server.adminUrl}/api/accounts`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'root', role: 'admin', passwordHash: await countingHasher().hasher.hash(PW) }) });
  expect(res.status).toBe(201);
  chrome = await launchChromium();
}, 60_000);

afterAll(async () => {
  await chrome?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('MyNet Manager across a trusted-server restart', () => {
  it('down: "cannot be reached"; back: "session ended; log in again" and the login form; logging in again returns to the page', async () => {
    const context = await chrome.browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`https://127.0.0.1:${webPort}/`);
    await page.getByLabel('Account name').fill('root');
    await page.getByLabel('Password').fill(PW);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Fleet' }).waitFor();

    await server?.close();
    server = undefined;
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.locator('#error').filter({ hasText: 'The server cannot be reached; check that pia-trust is running and try again.' }).waitFor();
    await screenshot(page, 'mynet-server-down');

    server = await start();
    await page.getByRole('link', { name: 'Grants' }).click();
    await page.locator('#error').filter({ hasText: 'Your session ended; log in again' }).waitFor();
    await page.getByRole('form', { name: 'Log in' }).waitFor();
    await screenshot(page, 'mynet-after-restart');

    await page.getByLabel('Account name').fill('root');
    await page.getByLabel('Password').fill(PW);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Grants' }).waitFor(); // back where the operator was
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});
