import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryAuditLog, type MemoryAuditLog } from '../../common/audit/index.js';
import { ManualClock } from '../../common/index.js';
import { MasterKey, openSqliteStore, type SqliteTrustStore } from '../store/index.js';
import { LoginVerifier, sourceKey } from './login.js';
import { countingHasher } from './test-support.js';

const PW = 'alice-secret-passphrase';
const WRONG = 'mallory-guess-000000';
const MIN = 60_000;

let store: SqliteTrustStore;
let audit: MemoryAuditLog;
let clock: ManualClock;
let counted: ReturnType<typeof countingHasher>;
let login: LoginVerifier;

beforeEach(async () => {
  store = openSqliteStore({ path: ':memory:', masterKey: MasterKey.fromBytes(randomBytes(32)) });
  audit = createMemoryAuditLog();
  clock = new ManualClock();
  counted = countingHasher();
  await store.addAccount({ name: 'alice', role: 'owner', passwordHash: await counted.hasher.hash(PW) }, new Date());
  login = new LoginVerifier({ store, audit, clock, hasher: counted.hasher });
});

const events = (): string[] => audit.all().map((r) => r.event);

describe('verifyLogin', () => {
  it('accepts the right password and audits the success', async () => {
    const r = await login.verifyLogin('alice', PW, '192.0.2.1');
    expect(r).toEqual({ ok: true, account: expect.objectContaining({ name: 'alice', role: 'owner' }) as unknown });
    expect(audit.all()[0]).toMatchObject({ event: 'login-succeeded', account: 'alice', role: 'owner', source: '192.0.2.1' });
  });

  it('refuses a wrong password, an unknown account and a disabled one alike; the audit says why', async () => {
    expect(await login.verifyLogin('alice', WRONG, '192.0.2.1')).toEqual({ ok: false, reason: 'refused' });
    expect(await login.verifyLogin('nobody', WRONG, '192.0.2.1')).toEqual({ ok: false, reason: 'refused' });
    expect(await login.verifyLogin('Not A Name', WRONG, '192.0.2.1')).toEqual({ ok: false, reason: 'refused' });
    expect(audit.all().map((r) => [r.account, r.why])).toEqual([
      ['alice', 'wrong-password'],
      ['nobody', 'unknown-account'],
      ['(invalid name)', 'unknown-account'],
    ]);
  });

  it('refuses a disabled account even with the right password, after the same scrypt work', async () => {
    const disabled = new LoginVerifier({
      store: { getAccount: async (n) => ({ ...((await store.getAccount(n)) ?? { name: n, role: 'owner', created: '', updated: '' }), disabled: true }), accountPasswordHash: (n) => store.accountPasswordHash(n) },
      audit,
      clock,
      hasher: counted.hasher,
    });
    const before = counted.calls();
    expect(await disabled.verifyLogin('alice', PW, '192.0.2.1')).toEqual({ ok: false, reason: 'refused' });
    expect(counted.calls() - before).toBe(1);
    expect(audit.all()[0]).toMatchObject({ event: 'login-failed', account: 'alice', why: 'account-disabled' });
  });

  it('does one scrypt computation whether or not the account exists (a dummy for the unknown)', async () => {
    const before = counted.calls();
    await login.verifyLogin('alice', WRONG, '192.0.2.1');
    expect(counted.calls() - before).toBe(1);
    await login.verifyLogin('nobody', WRONG, '192.0.2.1');
    expect(counted.calls() - before).toBe(2);
    await login.verifyLogin('Bad Name!', WRONG, '192.0.2.1');
    expect(counted.calls() - before).toBe(3);
    await login.verifyLogin('alice', PW, '192.0.2.1');
    expect(counted.calls() - before).toBe(4);
  });

  it('limits an account to 5 failures per 15 minutes (any source), then refuses without hashing; one record for the lock, one summary', async () => {
    for (let i = 0; i < 5; i++) expect(await login.verifyLogin('alice', WRONG, `192.0.2.${i}`)).toEqual({ ok: false, reason: 'refused' });
    const calls = counted.calls();
    for (let i = 0; i < 50; i++) expect(await login.verifyLogin('alice', PW, `198.51.100.${i}`)).toEqual({ ok: false, reason: 'limited' });
    expect(counted.calls()).toBe(calls);
    expect(events()).toEqual([...Array<string>(5).fill('login-failed'), 'login-limited']);
    expect(audit.all()[5]).toMatchObject({ account: 'alice', windowSeconds: 900 });
    // A token comes back after 3 minutes: the right password then works.
    await clock.advance(3 * MIN);
    expect((await login.verifyLogin('alice', PW, '203.0.113.1')).ok).toBe(true);
    login.flush();
    expect(audit.all().at(-1)).toMatchObject({ event: 'login-limited-summary', account: 'alice', refused: 49, overSeconds: 180 });
    // Other accounts were never affected.
    expect(await login.verifyLogin('nobody', WRONG, '203.0.113.2')).toEqual({ ok: false, reason: 'refused' });
  });

  it('limits a source to 20 failures a minute across account names; the records stay bounded', async () => {
    for (let i = 0; i < 20; i++) expect(await login.verifyLogin(`user${i}`, WRONG, '192.0.2.9')).toEqual({ ok: false, reason: 'refused' });
    for (let i = 0; i < 100; i++) expect(await login.verifyLogin(`other${i}`, WRONG, '192.0.2.9')).toEqual({ ok: false, reason: 'limited' });
    expect(events().filter((e) => e === 'login-failed')).toHaveLength(20);
    expect(events().filter((e) => e !== 'login-failed')).toEqual(['login-limited']);
    // Another source is not limited; alice can still log in from it.
    expect((await login.verifyLogin('alice', PW, '192.0.2.10')).ok).toBe(true);
    // After the window, the next limited attempt writes the summary of the last one.
    await clock.advance(MIN);
    for (let i = 0; i < 21; i++) await login.verifyLogin(`late${i}`, WRONG, '192.0.2.9');
    const tail = audit.all().slice(-2);
    expect(tail[0]).toMatchObject({ event: 'login-limited-summary', source: '192.0.2.9', refused: 99, overSeconds: 60 });
    expect(tail[1]).toMatchObject({ event: 'login-limited', source: '192.0.2.9', windowSeconds: 60 });
  });

  it('keeps at most maxKeys pending summaries: the oldest is written out when another key is limited', async () => {
    const small = new LoginVerifier({ store, audit, clock, hasher: counted.hasher, limits: { sourceFailures: 1, maxKeys: 2 } });
    for (const src of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
      await small.verifyLogin('nobody', WRONG, src);
      await small.verifyLogin('nobody', WRONG, src);
      await small.verifyLogin('nobody', WRONG, src);
    }
    const summaries = audit.all().filter((r) => r.event === 'login-limited-summary');
    expect(summaries).toEqual([expect.objectContaining({ source: '192.0.2.1', refused: 1 })]);
    small.flush();
    expect(audit.all().filter((r) => r.event === 'login-limited-summary').map((r) => r.source)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
  });

  it('counts an IPv6 source by its /64, an IPv4-mapped one as IPv4', async () => {
    expect(sourceKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:0db8:0001:0002:0:0:0:ffff')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    expect(sourceKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(sourceKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(sourceKey('192.0.2.7')).toBe('192.0.2.7');
    for (let i = 0; i < 20; i++) await login.verifyLogin(`u${i}`, WRONG, `2001:db8:1:2::${i.toString(16)}`);
    expect(await login.verifyLogin('alice', PW, '2001:db8:1:2:ffff::9')).toEqual({ ok: false, reason: 'limited' });
    expect(audit.all().at(-1)).toMatchObject({ event: 'login-limited', source: '2001:db8:1:2::/64' });
    expect((await login.verifyLogin('alice', PW, '2001:db8:1:3::9')).ok).toBe(true);
  });

  it('never puts the password in the audit log or the answer', async () => {
    await login.verifyLogin('alice', PW, '192.0.2.1');
    for (let i = 0; i < 30; i++) await login.verifyLogin('alice', WRONG, '192.0.2.1');
    login.flush();
    const text = audit.lines.join('\n');
    expect(text).not.toContain(PW);
    expect(text).not.toContain(WRONG);
    expect(JSON.stringify(await login.verifyLogin('alice', PW, '192.0.2.1'))).not.toContain(PW);
  });
});
