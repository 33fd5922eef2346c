/**
 * Headless Chromium for the `*.chromium.test.ts` files: Debian's `chromium` driven by
 * playwright-core (no browser download). playwright gives every launch a fresh profile
 * (`--user-data-dir` in a temp folder it removes at close); `browser.newContext()` is a fresh
 * cookie jar, so one test can be an admin and an owner side by side.
 *
 * Must hold: nothing reaches the network beyond what a page asks for (background networking,
 * component updates and first-run fetches are off), so a test can assert "no request outside
 * the host"; screenshots go to `.screenshots/` at the repository root (git-ignored, 0700,
 * each file 0600: an enrollment page shows a credential), one file per page and test,
 * rewritten on every run.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Where page screenshots go (git-ignored). */
export const SCREENSHOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '.screenshots');

export interface HeadlessChromium {
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<HeadlessChromium> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}

/** Writes `.screenshots/NAME.png` (the whole page). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true, mode: 0o700 });
  chmodSync(SCREENSHOT_DIR, 0o700);
  const file = join(SCREENSHOT_DIR, `${name.replace(/[^a-z0-9._-]+/gi, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  chmodSync(file, 0o600); // a page may show a (test) credential: never world-readable
  return file;
}
