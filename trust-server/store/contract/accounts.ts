/** Contract: MyNet Manager accounts and node owners, on any engine. */
import { describe, expect, it } from 'vitest';
import type { TrustStore } from '../types.js';
import { at, newNode } from '../test-support.js';
import { HASH, HASH2, rejection, type Contract } from './context.js';

const NOW = at('2025-01-01T00:00:00Z');

export function accountContract(c: Contract): void {
  /** A fresh store with owners alice and bob and admin root. */
  const withAccounts = async (): Promise<TrustStore> => {
    const s = await c.fresh();
    await s.addAccount({ name: 'alice', role: 'owner', passwordHash: HASH }, NOW);
    await s.addAccount({ name: 'bob', role: 'owner', passwordHash: HASH }, NOW);
    await s.addAccount({ name: 'root', role: 'admin', passwordHash: HASH }, NOW);
    return s;
  };

  describe('accounts', () => {
    it('adds, lists (without the hash), changes the hash, removes', async () => {
      const s = await c.fresh();
      await s.addAccount({ name: 'bob', role: 'admin', passwordHash: HASH }, at('2025-01-01T00:00:00Z'));
      await s.addAccount({ name: 'alice', role: 'owner', passwordHash: HASH }, at('2025-01-02T00:00:00Z'));
      expect((await s.listAccounts()).map((a) => a.name)).toEqual(['alice', 'bob']);
      expect(JSON.stringify(await s.listAccounts())).not.toContain('scrypt');
      expect(await s.accountPasswordHash('alice')).toBe(HASH);
      const changed = await s.setAccountPassword('alice', HASH2, at('2025-01-03T00:00:00Z'));
      expect(changed).toMatchObject({ created: '2025-01-02T00:00:00.000Z', updated: '2025-01-03T00:00:00.000Z' });
      expect(await s.accountPasswordHash('alice')).toBe(HASH2);
      expect(await s.removeAccount('alice')).toBe(true);
      expect(await s.removeAccount('alice')).toBe(false);
      expect(await s.getAccount('alice')).toBeUndefined();
      expect(await s.accountPasswordHash('alice')).toBeUndefined();
    });

    it('refuses a bad name, a bad role, a non-hash, a duplicate, and a password change of an unknown account', async () => {
      const s = await c.fresh();
      for (const name of ['', 'Alice', 'a b', 'x'.repeat(65), 'ä']) {
        await expect(s.addAccount({ name, role: 'owner', passwordHash: HASH }, NOW)).rejects.toThrow(expect.objectContaining({ kind: 'invalid', field: 'name', message: expect.stringMatching(/use 1–64 of a-z, 0-9/) as unknown }));
      }
      await expect(s.addAccount({ name: 'a', role: 'root' as 'admin', passwordHash: HASH }, NOW)).rejects.toThrow(/role "root" is not a role; write admin or owner/);
      const plain = await rejection(s.addAccount({ name: 'a', role: 'owner', passwordHash: 'plain-text-pw' }, NOW));
      expect(plain).toMatchObject({ field: 'passwordHash' });
      expect(plain.message).not.toMatch(/plain-text-pw/);
      await s.addAccount({ name: 'x'.repeat(64), role: 'owner', passwordHash: HASH }, NOW);
      await expect(s.addAccount({ name: 'x'.repeat(64), role: 'admin', passwordHash: HASH }, NOW)).rejects.toThrow(expect.objectContaining({ kind: 'conflict' }));
      await expect(s.setAccountPassword('nobody', HASH, NOW)).rejects.toThrow(expect.objectContaining({ kind: 'not-found', message: expect.stringMatching(/no account "nobody"; 'pia-trust user list'/) as unknown }));
    });

    it('disables and enables an account, changes its role, and refuses unknown accounts', async () => {
      const s = await withAccounts();
      expect(await s.setAccountDisabled('alice', true, at('2025-01-02T00:00:00Z'))).toMatchObject({ disabled: true, updated: '2025-01-02T00:00:00.000Z' });
      expect((await s.getAccount('alice'))?.disabled).toBe(true);
      expect((await s.setAccountDisabled('alice', false, NOW)).disabled).toBe(false);
      expect((await s.setAccountRole('alice', 'admin', NOW)).role).toBe('admin');
      await expect(s.setAccountRole('alice', 'root' as 'admin', NOW)).rejects.toThrow(/role "root" is not a role/);
      await expect(s.setAccountDisabled('nobody', true, NOW)).rejects.toThrow(expect.objectContaining({ kind: 'not-found' }));
      await expect(s.setAccountRole('nobody', 'owner', NOW)).rejects.toThrow(expect.objectContaining({ kind: 'not-found' }));
    });
  });

  describe('node owners', () => {
    it('adds a node with an owner, changes and clears it; the listing carries it', async () => {
      const s = await withAccounts();
      const gw = await s.addNode({ ...newNode('gateway', 'gw'), owner: 'alice' }, NOW);
      expect(gw.owner).toBe('alice');
      expect((await s.setOwner(gw.id, 'bob')).owner).toBe('bob');
      expect((await s.listNodes()).find((n) => n.id === gw.id)?.owner).toBe('bob');
      expect((await s.setOwner(gw.id, undefined)).owner).toBeUndefined();
      expect((await s.addNode(newNode('operator', 'op'), NOW)).owner).toBeUndefined();
    });

    it('refuses an owner that is not an account, and adds nothing', async () => {
      const s = await withAccounts();
      const n = newNode('gateway', 'gw');
      await expect(s.addNode({ ...n, owner: 'mallory' }, NOW)).rejects.toThrow(expect.objectContaining({ kind: 'invalid', field: 'owner', message: expect.stringMatching(/there is no account "mallory"; add it first/) as unknown }));
      expect(await s.getNode(n.id)).toBeUndefined();
      const gw = await s.addNode(n, NOW);
      await expect(s.setOwner(gw.id, 'mallory')).rejects.toThrow(/no account "mallory"/);
      expect((await s.getNode(gw.id))?.owner).toBeUndefined();
      await expect(s.setOwner('3f2504e0-4f89-41d3-9a0c-0305e82c3301', 'alice')).rejects.toThrow(expect.objectContaining({ kind: 'not-found' }));
    });

    it('refuses to remove an account that owns nodes, naming them and the fix; removes it once they are reassigned', async () => {
      const s = await withAccounts();
      const gw = await s.addNode({ ...newNode('gateway', 'rack1-gw'), owner: 'alice' }, NOW);
      await expect(s.removeAccount('alice')).rejects.toThrow(
        expect.objectContaining({ kind: 'conflict', message: expect.stringContaining(`account "alice" owns 1 node(s): ${gw.id} (rack1-gw); give each another owner or none first (pia-trust node owner ID ACCOUNT|--none)`) as unknown }),
      );
      expect(await s.getAccount('alice')).toBeDefined();
      await s.setOwner(gw.id, 'bob');
      expect(await s.removeAccount('alice')).toBe(true);
    });
  });
}
