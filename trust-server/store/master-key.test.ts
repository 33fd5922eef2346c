import { chmodSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MasterKey, generateMasterKeyFile, loadMasterKey, MASTER_KEY_ENV } from './master-key.js';
import { tempDir } from './test-support.js';

const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7 + 3));
const HEX = KEY.toString('hex');
const B64 = KEY.toString('base64');
const AAD = Buffer.from('aad');

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir('pia-master-')));
afterEach(() => tmp.cleanup());

/** Same key iff what one seals the other opens. */
const sameKey = (a: MasterKey, b: MasterKey): boolean => b.open(a.seal(Buffer.from('x'), AAD), AAD) !== undefined;

function keyFile(content: string | Buffer, mode = 0o600): string {
  const path = join(tmp.dir, 'master.key');
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
  return path;
}

/** Runs `fn`, expects it to throw, and checks the message never carries the key. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    const message = (err as Error).message;
    expect(message).not.toContain(HEX);
    expect(message).not.toContain(B64);
    return message;
  }
  throw new Error('expected a throw');
}

describe('loadMasterKey', () => {
  it.each([
    ['raw 32 bytes', KEY],
    ['base64 text', `${B64}\n`],
    ['hex text', `${HEX}\n`],
  ])('reads a file holding %s', (_name, content) => {
    expect(sameKey(loadMasterKey({ file: keyFile(content) }), MasterKey.fromBytes(KEY))).toBe(true);
  });

  it.each([0o644, 0o640, 0o604, 0o660])('refuses a file with mode %o, saying chmod 600', (mode) => {
    const path = keyFile(B64, mode);
    expect(errorOf(() => loadMasterKey({ file: path }))).toBe(
      `master key file ${path} has mode ${mode.toString(8).padStart(4, '0')}: group or others may read it, and with it every node key; fix: chmod 600 ${path}`,
    );
  });

  it('accepts a stricter mode (0400)', () => {
    expect(sameKey(loadMasterKey({ file: keyFile(B64, 0o400) }), MasterKey.fromBytes(KEY))).toBe(true);
  });

  it('refuses a file owned by another user, saying chown', () => {
    const path = keyFile(B64);
    const other = statSync(path).uid + 1;
    expect(errorOf(() => loadMasterKey({ file: path, uid: other }))).toMatch(new RegExp(`belongs to uid ${other - 1}, not to the user running the server \\(uid ${other}\\); fix: chown ${other}`));
  });

  it('refuses a symlink, a missing file and a wrong length, without echoing content', () => {
    const path = keyFile(B64);
    const link = join(tmp.dir, 'link.key');
    symlinkSync(path, link);
    expect(errorOf(() => loadMasterKey({ file: link }))).toMatch(/is a symbolic link/);
    expect(errorOf(() => loadMasterKey({ file: join(tmp.dir, 'none') }))).toMatch(/does not exist; create one/);
    const short = keyFile(HEX.slice(0, 62));
    expect(errorOf(() => loadMasterKey({ file: short }))).toMatch(/does not hold a 32-byte key/);
    expect(errorOf(() => loadMasterKey({ file: short }))).not.toContain(HEX.slice(0, 62));
  });

  it('reads PIA_TRUST_MASTER_KEY as base64 or hex', () => {
    expect(sameKey(loadMasterKey({ env: { [MASTER_KEY_ENV]: B64 } }), MasterKey.fromBytes(KEY))).toBe(true);
    expect(sameKey(loadMasterKey({ env: { [MASTER_KEY_ENV]: HEX.toUpperCase() } }), MasterKey.fromBytes(KEY))).toBe(true);
  });

  it('refuses a malformed or missing PIA_TRUST_MASTER_KEY, naming the variable', () => {
    expect(errorOf(() => loadMasterKey({ env: { [MASTER_KEY_ENV]: HEX.slice(2) } }))).toMatch(/PIA_TRUST_MASTER_KEY is not a 32-byte key/);
    expect(errorOf(() => loadMasterKey({ env: {} }))).toMatch(/no master key: pass a key file \(mode 0600\) or set PIA_TRUST_MASTER_KEY/);
  });

  it('prefers the file over the environment', () => {
    const other = Buffer.alloc(32, 9).toString('base64');
    const key = loadMasterKey({ file: keyFile(B64), env: { [MASTER_KEY_ENV]: other } });
    expect(sameKey(key, MasterKey.fromBytes(KEY))).toBe(true);
  });
});

describe('generateMasterKeyFile', () => {
  it('writes a new random key with mode 0600 that loads back', () => {
    const path = join(tmp.dir, 'new.key');
    const made = generateMasterKeyFile(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(sameKey(made, loadMasterKey({ file: path }))).toBe(true);
  });

  it('refuses to overwrite an existing file and leaves it intact', () => {
    const path = keyFile(B64);
    expect(errorOf(() => generateMasterKeyFile(path))).toMatch(/already exists; it is not overwritten/);
    expect(readFileSync(path, 'utf8')).toBe(B64);
  });
});

describe('MasterKey', () => {
  it('redacts itself in inspect, toString and JSON', () => {
    const key = MasterKey.fromBytes(KEY);
    for (const shown of [inspect(key), String(key), key.toString(), JSON.stringify({ key }), inspect({ nested: key }, { depth: 5, showHidden: true })]) {
      expect(shown).toContain('[MasterKey redacted]');
      expect(shown).not.toContain(HEX);
      expect(shown).not.toContain(B64);
    }
  });

  it('opens only what it sealed, with the same AAD, untampered', () => {
    const key = MasterKey.fromBytes(KEY);
    const sealed = key.seal(Buffer.from('node key bytes'), AAD);
    expect(Buffer.from(key.open(sealed, AAD)!).toString()).toBe('node key bytes');
    expect(key.open(sealed, Buffer.from('other'))).toBeUndefined();
    const flipped = Buffer.from(sealed);
    flipped[14]! ^= 1;
    expect(key.open(flipped, AAD)).toBeUndefined();
    expect(MasterKey.fromBytes(Buffer.alloc(32)).open(sealed, AAD)).toBeUndefined();
  });

  it('uses a fresh nonce per seal', () => {
    const key = MasterKey.fromBytes(KEY);
    const a = Buffer.from(key.seal(Buffer.alloc(32), AAD));
    const b = Buffer.from(key.seal(Buffer.alloc(32), AAD));
    expect(a.subarray(0, 12).equals(b.subarray(0, 12))).toBe(false);
  });
});
