import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { clearSessionCookie, csrfMatches, sessionCookie, SessionTable, setSessionCookie } from './sessions.js';

const ALICE = { name: 'alice', role: 'owner' };
const MIN = 60_000;

describe('SessionTable', () => {
  it('finds a session by its ID, with a 32-byte base64url ID and a CSRF token', () => {
    const t = new SessionTable(new ManualClock());
    const { id, session } = t.create(ALICE);
    expect(Buffer.from(id, 'base64url')).toHaveLength(32);
    expect(t.touch(id)?.account).toEqual(ALICE);
    expect(session.csrfToken).not.toBe(id);
    expect(t.touch('other')).toBeUndefined();
    expect(t.touch(undefined)).toBeUndefined();
  });

  it('ends a session idle for 15 minutes; use restarts the idle time', async () => {
    const clock = new ManualClock();
    const t = new SessionTable(clock);
    const { id } = t.create(ALICE);
    await clock.advance(14 * MIN);
    expect(t.touch(id)).toBeDefined();
    await clock.advance(14 * MIN);
    expect(t.touch(id)).toBeDefined();
    await clock.advance(15 * MIN);
    expect(t.touch(id)).toBeUndefined();
    expect(t.size).toBe(0);
  });

  it('ends a session 8 hours after login however much it is used', async () => {
    const clock = new ManualClock();
    const t = new SessionTable(clock);
    const { id } = t.create(ALICE);
    for (let i = 0; i < 47; i++) {
      await clock.advance(10 * MIN);
      expect(t.touch(id)).toBeDefined();
    }
    await clock.advance(10 * MIN);
    expect(t.touch(id)).toBeUndefined();
  });

  it('ends a session at logout', () => {
    const t = new SessionTable(new ManualClock());
    const { id } = t.create(ALICE);
    expect(t.end(id)).toBe(true);
    expect(t.touch(id)).toBeUndefined();
    expect(t.end(id)).toBe(false);
  });

  it('keeps at most maxSessions, dropping the oldest login', () => {
    const t = new SessionTable(new ManualClock(), { maxSessions: 3 });
    const ids = [1, 2, 3, 4].map(() => t.create(ALICE).id);
    expect(t.size).toBe(3);
    expect(t.touch(ids[0])).toBeUndefined();
    expect(t.touch(ids[3])).toBeDefined();
  });
});

describe('CSRF and cookies', () => {
  it('accepts only the session own CSRF token', () => {
    const { session } = new SessionTable(new ManualClock()).create(ALICE);
    expect(csrfMatches(session, session.csrfToken)).toBe(true);
    expect(csrfMatches(session, `${session.csrfToken}x`)).toBe(false);
    expect(csrfMatches(session, undefined)).toBe(false);
    expect(csrfMatches(session, [session.csrfToken])).toBe(false);
  });

  it('reads the session cookie among others and writes it HttpOnly, SameSite=Strict, Secure unless plain loopback', () => {
    expect(sessionCookie('a=1; mynet_session=abc_-; b=2')).toBe('abc_-');
    expect(sessionCookie('a=1')).toBeUndefined();
    expect(setSessionCookie('X', true)).toBe('mynet_session=X; HttpOnly; Secure; SameSite=Strict; Path=/');
    expect(setSessionCookie('X', false)).toBe('mynet_session=X; HttpOnly; SameSite=Strict; Path=/');
    expect(clearSessionCookie(true)).toContain('Max-Age=0');
  });
});
