/**
 * `verifyLogin(name, password, source)`: the MyNet Manager login check, rate limited and
 * audited.
 *
 *   1. limits (token buckets, common/token-buckets.ts), checked before any hashing: the source
 *      address (default 20 failures a minute; an IPv6 source counts as its /64, which one
 *      host usually has whole) and the account name (default 5 failures per
 *      15 minutes). A bucket refills steadily, so an account that spent its 5 is locked until
 *      a token comes back (3 minutes at the default), and stays at ≤ 5 tries per 15 minutes.
 *      Only failures take tokens; a limited attempt costs no hash;
 *   2. the hash: the account's stored hash is verified; for an unknown name (or a malformed
 *      one) the same scrypt work is done on a dummy, so the answer's time does not tell
 *      whether the account exists; a disabled account is checked the same way and refused;
 *   3. audit: `login-succeeded` and `login-failed` (account, source, why) one per attempt while
 *      under the limits; once limited, one `login-limited` record per key and window, and the
 *      attempts refused in it are counted into one `login-limited-summary` record written
 *      when the key is next limited after that window, when it is evicted, or at `flush()`.
 *
 * Must hold: the password never reaches the audit log, an error or a return value; the caller
 * learns only "refused" or "limited" (never whether the name exists); the work and the audit
 * records one unauthenticated attempt causes are bounded (unauthenticated input must never
 * cost more than it brings): memory by the buckets' and summaries' `maxKeys`.
 */
import { isIPv6 } from 'node:net';
import type { AuditLog } from '../../common/audit/index.js';
import { TokenBuckets, type Clock } from '../../common/index.js';
import type { AccountRecord, TrustStore } from '../store/index.js';
import { ACCOUNT_NAME } from '../store/index.js';
import { PasswordHasher } from './password-hash.js';

export interface LoginLimits {
  readonly accountFailures: number;
  readonly accountWindowMs: number;
  readonly sourceFailures: number;
  readonly sourceWindowMs: number;
  /** Bound on the names and addresses remembered (each of buckets and summaries). */
  readonly maxKeys: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { accountFailures: 5, accountWindowMs: 15 * 60_000, sourceFailures: 20, sourceWindowMs: 60_000, maxKeys: 10_000 };

export type LoginResult = { readonly ok: true; readonly account: AccountRecord } | { readonly ok: false; readonly reason: 'refused' | 'limited' };

export interface LoginDeps {
  readonly store: Pick<TrustStore, 'getAccount' | 'accountPasswordHash'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly hasher?: PasswordHasher;
  readonly limits?: Partial<LoginLimits>;
}

interface Suppressed {
  readonly since: number;
  readonly windowMs: number;
  count: number;
}

export class LoginVerifier {
  readonly #d: LoginDeps;
  readonly #limits: LoginLimits;
  readonly #hasher: PasswordHasher;
  readonly #accounts: TokenBuckets;
  readonly #sources: TokenBuckets;
  readonly #suppressed = new Map<string, Suppressed>();

  constructor(deps: LoginDeps) {
    this.#d = deps;
    const l = { ...DEFAULT_LOGIN_LIMITS, ...deps.limits };
    this.#limits = l;
    this.#hasher = deps.hasher ?? new PasswordHasher();
    this.#accounts = new TokenBuckets((l.accountFailures * 1000) / l.accountWindowMs, l.accountFailures, l.maxKeys);
    this.#sources = new TokenBuckets((l.sourceFailures * 1000) / l.sourceWindowMs, l.sourceFailures, l.maxKeys);
  }

  async verifyLogin(name: string, password: string, source: string): Promise<LoginResult> {
    const now = this.#d.clock.now();
    const valid = ACCOUNT_NAME.test(name);
    // An invalid name is never stored; log a placeholder rather than attacker-chosen text.
    const account = valid ? name : '(invalid name)';
    const from = sourceKey(source);
    const src = this.#sources.take(from, now);
    if (src.tokens < 1) return this.#limited(`source:${from}`, this.#limits.sourceWindowMs, { source: from }, now);
    const acc = this.#accounts.take(account, now);
    if (acc.tokens < 1) return this.#limited(`account:${account}`, this.#limits.accountWindowMs, { account }, now);

    const record = valid ? await this.#d.store.getAccount(name) : undefined;
    const stored = valid ? await this.#d.store.accountPasswordHash(name) : undefined;
    let matches = false;
    if (stored === undefined) await this.#hasher.burn(password);
    else matches = await this.#hasher.verify(password, stored);
    if (matches && record !== undefined && !record.disabled) {
      this.#d.audit.append('login-succeeded', { account: record.name, role: record.role, source });
      return { ok: true, account: record };
    }
    src.tokens -= 1;
    acc.tokens -= 1;
    const why = record === undefined ? 'unknown-account' : record.disabled ? 'account-disabled' : 'wrong-password';
    this.#d.audit.append('login-failed', { account, source, why });
    return { ok: false, reason: 'refused' };
  }

  /** Writes the pending summaries (at shutdown, so no count is lost). */
  flush(): void {
    for (const [key, s] of this.#suppressed) this.#summary(key, s, this.#d.clock.now());
    this.#suppressed.clear();
  }

  #limited(key: string, windowMs: number, who: Record<string, string>, now: number): LoginResult {
    const s = this.#suppressed.get(key);
    if (s !== undefined && now - s.since < s.windowMs) {
      s.count += 1;
      return { ok: false, reason: 'limited' };
    }
    if (s !== undefined) this.#summary(key, s, now);
    this.#suppressed.delete(key);
    this.#suppressed.set(key, { since: now, windowMs, count: 0 });
    while (this.#suppressed.size > this.#limits.maxKeys) {
      const [oldKey, old] = this.#suppressed.entries().next().value ?? [];
      if (oldKey === undefined || old === undefined) break;
      this.#summary(oldKey, old, now);
      this.#suppressed.delete(oldKey);
    }
    this.#d.audit.append('login-limited', { ...who, windowSeconds: Math.round(windowMs / 1000) });
    return { ok: false, reason: 'limited' };
  }

  #summary(key: string, s: Suppressed, now: number): void {
    if (s.count === 0) return;
    const [kind, ...rest] = key.split(':');
    this.#d.audit.append('login-limited-summary', { [kind === 'source' ? 'source' : 'account']: rest.join(':'), refused: s.count, overSeconds: Math.round((now - s.since) / 1000) });
  }
}

/**
 * The rate-limit key of a source address: an IPv6 address's /64 (written as its first four
 * groups and "::/64"), an IPv4-mapped one as the IPv4 address, anything else as given.
 */
export function sourceKey(source: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(source);
  if (mapped !== null) return mapped[1] ?? source;
  if (!isIPv6(source)) return source;
  const [head = '', tail] = source.toLowerCase().split('%')[0]?.split('::') ?? [];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
