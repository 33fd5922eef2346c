/**
 * MyNet Manager's server-side sessions.
 *
 *   - a session ID is 32 random bytes (base64url), sent once in the `mynet_session` cookie;
 *     the table keys on its SHA-256, so a heap dump does not yield a live cookie;
 *   - each session has a CSRF token (32 random bytes, base64url), compared in constant time,
 *     that every state-changing request must carry in `x-csrf-token`;
 *   - a session ends after `idleMs` without use (default 15 min), `absoluteMs` after login
 *     (default 8 h) whatever its use, or at logout; times come from the injected clock;
 *   - the table holds at most `maxSessions` (default 10 000): the oldest login is dropped first.
 *
 * Must hold: an expired or dropped session is never found again; the raw session ID is only
 * ever in the cookie, never stored or logged.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../common/index.js';

export const SESSION_COOKIE = 'mynet_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface SessionLimits {
  readonly idleMs: number;
  readonly absoluteMs: number;
  readonly maxSessions: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 15 * 60_000, absoluteMs: 8 * 3_600_000, maxSessions: 10_000 };

export interface SessionAccount {
  readonly name: string;
  readonly role: string;
}

export interface Session {
  account: SessionAccount;
  readonly csrfToken: string;
  readonly created: number;
  lastUsed: number;
}

export interface NewSession {
  /** The raw ID for the cookie; not kept anywhere else. */
  readonly id: string;
  readonly session: Session;
}

export class SessionTable {
  readonly #clock: Clock;
  readonly #limits: SessionLimits;
  readonly #random: (n: number) => Buffer;
  /** Keyed by the SHA-256 of the ID; Map order is login order (oldest first). */
  readonly #byHash = new Map<string, Session>();

  constructor(clock: Clock, limits: Partial<SessionLimits> = {}, random: (n: number) => Buffer = randomBytes) {
    this.#clock = clock;
    this.#limits = { ...DEFAULT_SESSION_LIMITS, ...limits };
    this.#random = random;
  }

  get size(): number {
    return this.#byHash.size;
  }

  create(account: SessionAccount): NewSession {
    const now = this.#clock.now();
    const id = this.#random(32).toString('base64url');
    const session: Session = { account: { name: account.name, role: account.role }, csrfToken: this.#random(32).toString('base64url'), created: now, lastUsed: now };
    this.#byHash.set(hashId(id), session);
    while (this.#byHash.size > this.#limits.maxSessions) {
      const oldest = this.#byHash.keys().next().value;
      if (oldest === undefined) break;
      this.#byHash.delete(oldest);
    }
    return { id, session };
  }

  /** The live session for a cookie value (its idle time restarted), or undefined. */
  touch(id: string | undefined): Session | undefined {
    if (id === undefined || id === '') return undefined;
    const key = hashId(id);
    const s = this.#byHash.get(key);
    if (s === undefined) return undefined;
    const now = this.#clock.now();
    if (now - s.lastUsed >= this.#limits.idleMs || now - s.created >= this.#limits.absoluteMs) {
      this.#byHash.delete(key);
      return undefined;
    }
    s.lastUsed = now;
    return s;
  }

  /** Ends every session of an account (disabled, removed, demoted); how many ended. */
  endAccount(name: string): number {
    let n = 0;
    for (const [key, s] of this.#byHash) {
      if (s.account.name === name) {
        this.#byHash.delete(key);
        n++;
      }
    }
    return n;
  }

  /** Ends a session; true if it was there. */
  end(id: string): boolean {
    return this.#byHash.delete(hashId(id));
  }
}

/** Constant-time check of a request's CSRF header against the session's token. */
export function csrfMatches(session: Session, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const a = createHash('sha256').update(header).digest();
  const b = createHash('sha256').update(session.csrfToken).digest();
  return timingSafeEqual(a, b);
}

/** The `mynet_session` value from a Cookie header, or undefined. */
export function sessionCookie(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Set-Cookie for a new session; `secure` false only on a plain-HTTP loopback listener. */
export function setSessionCookie(id: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; HttpOnly;${secure ? ' Secure;' : ''} SameSite=Strict; Path=/`;
}

/** Set-Cookie that makes the browser forget the session. */
export function clearSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; HttpOnly;${secure ? ' Secure;' : ''} SameSite=Strict; Path=/; Max-Age=0`;
}

function hashId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}
