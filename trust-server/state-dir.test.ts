/** The state directory: created 0700 (a looser one narrowed), the master key made only on a true first start. */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureStateDir, openMasterKey, StateError } from './state-dir.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'pia-state-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));
const random = (n: number): Uint8Array => new Uint8Array(n).fill(3);

describe('state directory', () => {
  it('is created 0700; a looser existing one is narrowed with a warning', () => {
    const warnings: string[] = [];
    const p = ensureStateDir(join(root, 'a', 'b'), (m) => warnings.push(m));
    expect(statSync(p.dir).mode & 0o777).toBe(0o700);
    const loose = join(root, 'loose');
    mkdirSync(loose);
    chmodSync(loose, 0o755);
    ensureStateDir(loose, (m) => warnings.push(m));
    expect(statSync(loose).mode & 0o777).toBe(0o700);
    expect(warnings).toEqual([expect.stringMatching(/mode was 0755; set to 0700/) as unknown]);
    writeFileSync(join(root, 'file'), '');
    expect(() => ensureStateDir(join(root, 'file'), () => undefined)).toThrow(StateError);
  });

  it('master key: made on the first start only; PIA_TRUST_MASTER_KEY wins and leaves no file; a database without its key is refused', () => {
    const p = ensureStateDir(join(root, 's'), () => undefined);
    expect(openMasterKey(p, {}, random).created).toBe(true);
    expect(statSync(p.masterKey).mode & 0o777).toBe(0o600);
    expect(openMasterKey(p, {}, random).created).toBe(false);

    const q = ensureStateDir(join(root, 'env'), () => undefined);
    expect(openMasterKey(q, { PIA_TRUST_MASTER_KEY: Buffer.alloc(32, 1).toString('base64') }, random).created).toBe(false);
    expect(existsSync(q.masterKey)).toBe(false);
    expect(() => openMasterKey(q, { PIA_TRUST_MASTER_KEY: 'short' }, random)).toThrow(/PIA_TRUST_MASTER_KEY is not a 32-byte key/);

    const r = ensureStateDir(join(root, 'copied'), () => undefined);
    writeFileSync(r.database, '');
    expect(() => openMasterKey(r, {}, random)).toThrow(/trust\.db exists but its master key does not/);
    expect(existsSync(r.masterKey)).toBe(false);
  });
});
