/** The admin token: made once (0600), read back, refused when others may read it; compared in constant time. */
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearerMatches, ensureAdminToken, readAdminToken } from './admin-token.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pia-token-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('admin token', () => {
  it('is created once with mode 0600 and read back unchanged', () => {
    const file = join(dir, 'admin-token');
    const token = ensureAdminToken(file, (n) => new Uint8Array(n).fill(7));
    expect(token).toBe(Buffer.alloc(32, 7).toString('base64url'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(ensureAdminToken(file, (n) => new Uint8Array(n).fill(9))).toBe(token);
    expect(readAdminToken(file)).toBe(token);
    chmodSync(file, 0o640);
    expect(() => readAdminToken(file)).toThrow(/mode 0640 lets others read it; run 'chmod 600/);
    expect(() => readAdminToken(join(dir, 'missing'))).toThrow(/ENOENT.*pia-trust serve --state DIR creates it/);
  });

  it('matches only "Bearer <token>" exactly', () => {
    const t = 'abcdefghijklmnopqrstuvwxyz012345';
    expect(bearerMatches(`Bearer ${t}`, t)).toBe(true);
    expect(bearerMatches(`bearer ${t}`, t)).toBe(true);
    for (const h of [undefined, '', t, `Bearer ${t}x`, `Bearer ${t.slice(1)}`, `Basic ${t}`, 'Bearer ']) expect(bearerMatches(h, t), String(h)).toBe(false);
  });
});
