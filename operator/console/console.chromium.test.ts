/**
 * `piactl console` in a real browser: the trusted server (startTrustServer, real UDP on
 * 127.0.0.1), the gateway (`pia-gateway run --simulated` in-process: the virtual building's
 * devices, the demo building's config with this run's ports), and piactl console in-process;
 * headless Chromium drives the page. alice may read every device, control the rack's, and
 * unlock the front door; the safe she may only read.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeTcpPort, freeUdpPorts, launchChromium, screenshot, type HeadlessChromium } from '../../common/test-support/index.js';
import { runGatewayCli } from '../../firmware/cli/index.js';
import { DEMO_CONFIG } from '../../firmware/gateway/test-support/index.js';
import { startTrustServer, type TrustServer } from '../../trust-server/index.js';
import { cli } from '../../trust-server/test-support/index.js';
import type { ConsoleServer } from './index.js';
import { startConsoleInProcess } from './test-support/index.js';

let root: string;
let trust: TrustServer;
let browser: HeadlessChromium;
let consoleServer: ConsoleServer;
let otherSite: Server;
let otherPort = 0;
let stopConsole: () => Promise<number>;
const stops: (() => Promise<unknown>)[] = [];
const logs: string[] = [];

async function addNode(kind: 'gateway' | 'operator', label: string): Promise<{ file: string; id: string }> {
  const file = join(root, `${label}.json`);
  const r = await cli(['node', 'add', '--kind', kind, '--label', label, '--out', file, '--state', join(root, 'state')]);
  expect(r.code, r.stderr).toBe(0);
  return { file, id: /node (\S+) \(/.exec(r.stdout)?.[1] ?? '' };
}

async function grant(subject: string, gateway: string, devices: string, rights: string): Promise<void> {
  const r = await cli(['grant', 'add', '--subject', subject, '--gateway', gateway, '--devices', devices, '--rights', rights, '--state', join(root, 'state')]);
  expect(r.code, r.stderr).toBe(0);
}

function gatewayConfig(credential: string, pia: number, coap: number, admin: number): string {
  const set = (text: string, k: string, v: string): string => text.replace(new RegExp(`^(  ${k}:)\\s*\\S+`, 'm'), `$1 ${v}`);
  let text = readFileSync(DEMO_CONFIG, 'utf8');
  text = set(text, 'credential', JSON.stringify(credential));
  text = set(text, 'stateDir', JSON.stringify(join(root, 'gateway-state')));
  text = set(text, 'addressing', 'loopback');
  text = set(text, 'piaPort', String(pia));
  text = set(text, 'coapPort', String(coap));
  text = set(text, 'adminListen', `127.0.0.1:${admin}`);
  return text;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'piactl-console-'));
  trust = await startTrustServer({ stateDir: join(root, 'state'), pia: { address: '127.0.0.1', port: 0 }, admin: { address: '127.0.0.1', port: 0 }, env: {}, log: () => undefined });
  stops.push(() => trust.close());
  const gw = await addNode('gateway', 'console-test-gw');
  const alice = await addNode('operator', 'alice');
  await grant(alice.id, gw.id, '*', 'read');
  await grant(alice.id, gw.id, 'rack-*', 'read,control');
  await grant(alice.id, gw.id, 'front-door', 'read,control,call:unlock');

  const [piaPort = 0] = [await freeUdpPorts(16)];
  const config = join(root, 'gateway.yaml');
  writeFileSync(config, gatewayConfig(gw.file, piaPort, piaPort + 1, await freeTcpPort()), { mode: 0o600 });
  const gatewayStop = new AbortController();
  const gatewayDone = runGatewayCli(['run', '--config', config, '--simulated'], { stdout: { write: () => true }, stderr: { write: (s: string) => logs.push(s) }, signal: gatewayStop.signal });
  stops.unshift(async () => {
    gatewayStop.abort();
    await gatewayDone;
  });

  const started = await startConsoleInProcess(['--credential', alice.file, '--gateway', `127.0.0.1:${piaPort}`, '--gateway-id', gw.id], { env: { XDG_CONFIG_HOME: join(root, 'config') }, logs });
  consoleServer = started.server;
  expect(started.stdout()).toContain(`piactl: console at http://127.0.0.1:${consoleServer.port}/#token=`);
  stopConsole = () => started.stop();
  stops.unshift(stopConsole);

  otherSite = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>another site</title><p>another site</p>');
  });
  otherPort = await new Promise<number>((resolve) => otherSite.listen(0, '127.0.0.1', () => resolve((otherSite.address() as { port: number }).port)));
  stops.push(() => new Promise((resolve) => otherSite.close(resolve)));
  browser = await launchChromium();
  stops.unshift(() => browser.close());
}, 120_000);

afterAll(async () => {
  for (const stop of stops) await stop().catch((e: unknown) => logs.push(String(e)));
  rmSync(root, { recursive: true, force: true });
}, 60_000);

const cell = (page: Page, device: string, property: string) => page.locator(`article[data-device="${device}"] td[data-property="${property}"]`);

describe('piactl console in Chromium', () => {
  it('shows the gateway authenticated, live values, and drives the devices from the keyboard', async () => {
    const context = await browser.browser.newContext();
    const page = await context.newPage();
    const outside: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.protocol !== 'blob:' && u.protocol !== 'data:' && u.hostname !== '127.0.0.1') outside.push(r.url());
    });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(consoleServer.url);

    await expect.poll(() => page.evaluate('location.hash')).toBe(''); // the token left the address bar
    expect(await page.evaluate('sessionStorage.length')).toBe(1);
    await page
      .locator('#gateways [data-status="up"]')
      .waitFor({ timeout: 60_000 })
      .catch(async (e: unknown) => {
        throw new Error(`the gateway did not come up: ${await page.locator('#gateways').textContent()}; logs: ${logs.join('')}`, { cause: e });
      });
    await expect.poll(() => page.locator('#gateways .badge.phase-3').textContent()).toBe('authenticated');
    await cell(page, 'rack-temp', 'temperature').waitFor();

    // The fan: type the speed, Enter; the rpm follows.
    const speed = page.getByLabel('rack-fan speed (%)', { exact: true });
    await speed.focus();
    await speed.fill('');
    await page.keyboard.type('90');
    await page.keyboard.press('Enter');
    const fanCard = page.locator('article[data-device="rack-fan"]');
    await expect.poll(() => fanCard.locator('.result').first().textContent(), { timeout: 20_000 }).toMatch(/done/);
    await expect.poll(async () => Number.parseFloat((await cell(page, 'rack-fan', 'rpm').textContent()) ?? '0'), { timeout: 30_000 }).toBeGreaterThan(2000);

    // The temperature moves (the room integrates the fan's airflow).
    const t0 = await cell(page, 'rack-temp', 'temperature').textContent();
    await expect.poll(() => cell(page, 'rack-temp', 'temperature').textContent(), { timeout: 60_000, interval: 500 }).not.toBe(t0);

    // The door: unlock for 3 s from the keyboard: unlocked, then locked again.
    const seconds = page.getByLabel('Unlock front-door for (s)');
    await seconds.focus();
    await seconds.fill('3');
    await page.keyboard.press('Enter');
    await expect.poll(() => cell(page, 'front-door', 'locked').textContent(), { timeout: 15_000, interval: 100 }).toBe('false');
    await expect.poll(() => cell(page, 'front-door', 'locked').textContent(), { timeout: 20_000, interval: 200 }).toBe('true');

    // The safe: alice may only read it; the gateway's reason shows next to the control.
    const safeSeconds = page.getByLabel('Unlock safe for (s)');
    await safeSeconds.focus();
    await page.keyboard.press('Enter');
    const safeResult = page.locator('article[data-device="safe"] .result').first();
    await expect.poll(() => safeResult.textContent(), { timeout: 20_000 }).toMatch(/not authorized by the gateway \(4\.03 Forbidden\): .*no grant with "call:unlock" on device "safe".*pia-trust grant add/);
    // The camera: its snapshot came over PIA (Block2) as a JPEG the browser decodes.
    const cameraStatus = page.locator('article[data-device="lobby-camera"] .result').last();
    await expect
      .poll(async () => `${String(await page.evaluate(`document.querySelector('article[data-device="lobby-camera"] img.snapshot').naturalWidth > 0`))} ${await cameraStatus.textContent()}`, { timeout: 60_000 })
      .toMatch(/^true image of /);
    const refresh = page.getByRole('button', { name: 'Refresh lobby-camera snapshot' });
    await refresh.focus();
    const firstImage = await page.evaluate(`document.querySelector('article[data-device="lobby-camera"] img.snapshot').src`);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(`document.querySelector('article[data-device="lobby-camera"] img.snapshot').src`), { timeout: 60_000 }).not.toBe(firstImage);
    // lastSnapshotAt is a wall-clock timestamp: shown in the browser's local time, the gateway's UTC time in its title
    const shownAs = `(() => { const el = document.querySelector('article[data-device="lobby-camera"] td[data-property="lastSnapshotAt"]');
      return el.title + ' ' + String(el.textContent === new Date(el.title).toLocaleString([], { hour12: false })); })()`;
    await expect.poll(() => page.evaluate(shownAs), { timeout: 20_000 }).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z true$/);
    await screenshot(page, 'console-page');

    // Every control has a name a screen reader reads, and is a real control (keyboard).
    const unnamed = await page.evaluate(`[...document.querySelectorAll('input, select, button')]
      .filter((el) => (el.labels?.length ?? 0) === 0 && !el.getAttribute('aria-label') && (el.tagName !== 'BUTTON' || el.textContent.trim() === ''))
      .map((el) => el.outerHTML)`);
    expect(unnamed).toEqual([]);
    expect(await page.locator('input, select, button').count()).toBeGreaterThan(10);
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);

  it('a WebSocket from another origin is refused', async () => {
    const context = await browser.browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://localhost:${otherPort}/`);
    const outcome = await page.evaluate(
      (port) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
          ws.onopen = () => resolve('open');
          ws.onerror = () => resolve('refused');
        }),
      consoleServer.port,
    );
    expect(outcome).toBe('refused');
    expect(logs.join('')).toMatch(new RegExp(`refused a WebSocket from origin "http://localhost:${otherPort}"`));
    await screenshot(page, 'console-other-origin');
    await context.close();
  }, 60_000);

  it('when the console process stops, the page says so (and the gateway is shown as gone)', async () => {
    const context = await browser.browser.newContext();
    const page = await context.newPage();
    await page.goto(consoleServer.url);
    await expect.poll(() => page.locator('#connection').textContent(), { timeout: 20_000 }).toBe('connected');
    await page.locator('#gateways [data-status="up"]').waitFor({ timeout: 30_000 });
    expect(await stopConsole()).toBe(0);
    await expect.poll(() => page.locator('#connection').textContent(), { timeout: 20_000 }).toMatch(/^console stopped/);
    expect(await page.locator('section[data-gateway-devices].gone').count()).toBe(1);
    await screenshot(page, 'console-stopped');
    await context.close();
  }, 60_000);
});
