import { describe, expect, it } from 'vitest';
import { checkNewPassword, DEFAULT_SCRYPT, nodeScrypt, parseHash, PasswordHasher } from './password-hash.js';
import { CHEAP_SCRYPT } from './test-support.js';

const PW = 'correct horse battery';

describe('password hashes', () => {
  it('stores scrypt$N$r$p$salt$hash with a fresh 16-byte salt and a 32-byte key, and verifies', async () => {
    const h = new PasswordHasher(CHEAP_SCRYPT);
    const a = await h.hash(PW);
    const b = await h.hash(PW);
    expect(a).toMatch(/^scrypt\$16\$1\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(PW);
    expect(parseHash(a)?.salt).toHaveLength(16);
    expect(await h.verify(PW, a)).toBe(true);
    expect(await h.verify(`${PW}!`, a)).toBe(false);
  });

  it('verifies with the parameters stored in the hash, not the hasher’s', async () => {
    const old = await new PasswordHasher(CHEAP_SCRYPT).hash(PW);
    expect(await new PasswordHasher({ N: 32, r: 2, p: 1 }).verify(PW, old)).toBe(true);
  });

  it('the default parameters are N=2^15 r=8 p=1 and run within the maxmem it sets', async () => {
    expect(DEFAULT_SCRYPT).toEqual({ N: 32768, r: 8, p: 1 });
    // node's default maxmem (32 MiB) refuses exactly these parameters; nodeScrypt must not.
    const key = await nodeScrypt(Buffer.from(PW), Buffer.alloc(16), 32, DEFAULT_SCRYPT);
    expect(key).toHaveLength(32);
  });

  it('refuses malformed or out-of-bounds stored hashes (false, never a throw or a huge cost)', async () => {
    const h = new PasswordHasher(CHEAP_SCRYPT);
    const salt = Buffer.alloc(16).toString('base64');
    const key = Buffer.alloc(32).toString('base64');
    for (const bad of ['', 'scrypt$16$1$1$x$y', `scrypt$${2 ** 24}$8$1$${salt}$${key}`, `scrypt$1000$8$1$${salt}$${key}`, `bcrypt$16$1$1$${salt}$${key}`]) {
      expect(parseHash(bad)).toBeUndefined();
      expect(await h.verify(PW, bad)).toBe(false);
    }
  });

  it('new passwords: at least 12 characters, no control characters, bounded length; the message never holds the password', () => {
    expect(() => checkNewPassword('short-pw-11')).toThrow('the password is too short; use at least 12 characters (a passphrase of several words is easiest)');
    expect(() => checkNewPassword('twelve-chars')).not.toThrow();
    expect(() => checkNewPassword('tab\tinside password')).toThrow(/control character/);
    expect(() => checkNewPassword('x'.repeat(1025))).toThrow(/longer than 1024 bytes/);
  });
});
