/** The version sent in the trusted-server report is package.json's, found from the source tree. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { firmwareVersion } from './firmware-version.js';

describe('firmwareVersion', () => {
  it("is the repository package.json's version; far from any package.json it is \"unknown\"", () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(firmwareVersion()).toBe(pkg.version);
    expect(firmwareVersion('/nonexistent/a/b/c/d/e/f.js')).toBe('unknown');
  });
});
