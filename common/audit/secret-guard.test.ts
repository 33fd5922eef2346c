import { describe, expect, it } from 'vitest';
import { createMemoryAuditLog } from './memory-audit-log.js';
import { looksSecret } from './secret-guard.js';

describe('secret guard: audit fields never carry keys', () => {
  it.each(['key', 'nodeKey', 'node_key', 'masterkey', 'apiToken', 'access-token', 'clientSecret', 'password', 'passwd', 'KEY', 'keyId', 'privateKeys', 'credentials'])(
    'refuses a field named %s',
    (name) => {
      expect(looksSecret(name)).toBe(true);
      const log = createMemoryAuditLog();
      expect(() => log.append('node-enrolled', { nodeId: 'n1', [name]: 'x' })).toThrow(new RegExp(`field "${name}" looks like a secret`));
      expect(log.lines).toEqual([]);
    },
  );

  it.each(['nodeId', 'grantId', 'requestId', 'reason', 'subject', 'devices', 'monitor', 'keyboardLayout'])('allows a field named %s', (name) => {
    expect(looksSecret(name)).toBe(false);
    expect(createMemoryAuditLog().append('x', { [name]: 'v' })[name]).toBe('v');
  });

  it('looks inside nested objects and arrays, naming the path', () => {
    const log = createMemoryAuditLog();
    expect(() => log.append('node-enrolled', { detail: { list: [{ secret: 's' }] } })).toThrow(/field "detail\.list\[0\]\.secret" looks like a secret/);
  });

  it('refuses the record’s own keys as fields, and non-identifier names', () => {
    const log = createMemoryAuditLog();
    expect(() => log.append('x', { seq: 9 })).toThrow(/field "seq" is one of the record's own keys/);
    expect(() => log.append('x', { hash: 'h' })).toThrow(/field "hash"/);
    expect(() => log.append('x', { __proto__x: 1, ['has space']: 1 })).toThrow(/field name "__proto__x" is not an identifier/);
    expect(log.lines).toEqual([]);
  });

  it('refuses bytes under an innocent name (not plain JSON)', () => {
    const log = createMemoryAuditLog();
    expect(() => log.append('x', { blob: Buffer.alloc(32) as unknown as string })).toThrow(/not a plain object/);
    expect(log.lines).toEqual([]);
  });

  it('refuses an empty event name or one with spaces', () => {
    const log = createMemoryAuditLog();
    expect(() => log.append('', {})).toThrow(/event name "" must be non-empty/);
    expect(() => log.append('a b', {})).toThrow(/without spaces/);
  });
});
