import { describe, expect, it } from 'vitest';
import { openSqliteStore } from './sqlite-store.js';
import { at, masterA } from './test-support.js';

const HASH = `scrypt$16$1$1$${Buffer.alloc(16, 1).toString('base64')}$${Buffer.alloc(32, 2).toString('base64')}`;
const HASH2 = `scrypt$16$1$1$${Buffer.alloc(16, 3).toString('base64')}$${Buffer.alloc(32, 4).toString('base64')}`;
const open = (): ReturnType<typeof openSqliteStore> => openSqliteStore({ path: ':memory:', masterKey: masterA() });

describe('accounts in the SQLite store', () => {
  it('adds, lists (without the hash), changes the hash, removes', () => {
    const s = open();
    s.addAccount({ name: 'bob', role: 'admin', passwordHash: HASH }, at('2025-01-01T00:00:00Z'));
    s.addAccount({ name: 'alice', role: 'owner', passwordHash: HASH }, at('2025-01-02T00:00:00Z'));
    expect(s.listAccounts().map((a) => a.name)).toEqual(['alice', 'bob']);
    expect(JSON.stringify(s.listAccounts())).not.toContain('scrypt');
    expect(s.accountPasswordHash('alice')).toBe(HASH);
    const changed = s.setAccountPassword('alice', HASH2, at('2025-01-03T00:00:00Z'));
    expect(changed).toMatchObject({ created: '2025-01-02T00:00:00.000Z', updated: '2025-01-03T00:00:00.000Z' });
    expect(s.accountPasswordHash('alice')).toBe(HASH2);
    expect(s.removeAccount('alice')).toBe(true);
    expect(s.removeAccount('alice')).toBe(false);
    expect(s.getAccount('alice')).toBeUndefined();
    s.close();
  });

  it('refuses a bad name, a bad role, a non-hash, a duplicate, and a password change of an unknown account', () => {
    const s = open();
    const now = at('2025-01-01T00:00:00Z');
    for (const name of ['', 'Alice', 'a b', 'x'.repeat(65), 'ä']) {
      expect(() => s.addAccount({ name, role: 'owner', passwordHash: HASH }, now)).toThrow(expect.objectContaining({ kind: 'invalid', field: 'name', message: expect.stringMatching(/use 1–64 of a-z, 0-9/) as unknown }));
    }
    expect(() => s.addAccount({ name: 'a', role: 'root' as 'admin', passwordHash: HASH }, now)).toThrow(/role "root" is not a role; write admin or owner/);
    expect(() => s.addAccount({ name: 'a', role: 'owner', passwordHash: 'plain-text-pw' }, now)).toThrow(expect.objectContaining({ field: 'passwordHash' }));
    expect(() => s.addAccount({ name: 'a', role: 'owner', passwordHash: 'plain-text-pw' }, now)).not.toThrow(/plain-text-pw/);
    s.addAccount({ name: 'x'.repeat(64), role: 'owner', passwordHash: HASH }, now);
    expect(() => s.addAccount({ name: 'x'.repeat(64), role: 'admin', passwordHash: HASH }, now)).toThrow(expect.objectContaining({ kind: 'conflict' }));
    expect(() => s.setAccountPassword('nobody', HASH, now)).toThrow(expect.objectContaining({ kind: 'not-found', message: expect.stringMatching(/no account "nobody"; 'pia-trust user list'/) as unknown }));
    s.close();
  });
});
