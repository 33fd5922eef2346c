/**
 * Account passwords as scrypt hashes, stored as `scrypt$N$r$p$salt_b64$hash_b64` (per-account
 * random 16-byte salt, 32-byte key; default N = 2^15, r = 8, p = 1).
 *
 * Must hold:
 * - a password is never stored, logged or put in an error message: only its hash leaves here;
 * - the comparison is constant time (timingSafeEqual);
 * - a stored hash is parsed with bounds (N a power of two ≤ 2^20, r ≤ 32, p ≤ 16), so a damaged
 *   row cannot make one login cost unbounded memory or time;
 * - scrypt's `maxmem` is set from the parameters: node's default (32 MiB) is exactly what
 *   N = 2^15, r = 8 needs and is refused, so it is never left at the default.
 */
import { randomBytes, scrypt as nodeScryptCb, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
export const SALT_BYTES = 16;
export const HASH_BYTES = 32;
export const MIN_PASSWORD_CHARS = 12;
/** Long enough for any passphrase; bounds what one request can make us hash. */
export const MAX_PASSWORD_BYTES = 1024;

/** The key derivation itself, injectable so tests count calls and use a cheap N. */
export type ScryptFn = (password: Buffer, salt: Buffer, keyLength: number, params: ScryptParams) => Promise<Buffer>;

export const nodeScrypt: ScryptFn = (password, salt, keyLength, { N, r, p }) =>
  new Promise((resolve, reject) => {
    // scrypt needs 128·N·r bytes for V plus 128·r·p for B; twice that leaves headroom.
    const maxmem = 2 * 128 * r * (N + p) + 1024 * 1024;
    nodeScryptCb(password, salt, keyLength, { N, r, p, maxmem }, (err, key) => (err === null ? resolve(key) : reject(err)));
  });

export class PasswordError extends Error {
  override readonly name = 'PasswordError';
}

/** Throws PasswordError (saying what to fix, never echoing the password) if it is unusable. */
export function checkNewPassword(password: string): void {
  if ([...password].length < MIN_PASSWORD_CHARS) throw new PasswordError(`the password is too short; use at least ${MIN_PASSWORD_CHARS} characters (a passphrase of several words is easiest)`);
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) throw new PasswordError(`the password is longer than ${MAX_PASSWORD_BYTES} bytes; use a shorter one`);
  if ([...password].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) throw new PasswordError('the password contains a control character (a line break or tab inside it?); put the password alone on one line');
}

export class PasswordHasher {
  constructor(
    readonly params: ScryptParams = DEFAULT_SCRYPT,
    private readonly kdf: ScryptFn = nodeScrypt,
    private readonly random: (n: number) => Buffer = randomBytes,
  ) {}

  /** A new stored hash with a fresh salt. */
  async hash(password: string): Promise<string> {
    const salt = this.random(SALT_BYTES);
    const key = await this.kdf(Buffer.from(password, 'utf8'), salt, HASH_BYTES, this.params);
    const { N, r, p } = this.params;
    return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
  }

  /** True if `password` matches `stored`; false for a wrong password or an unparseable hash. */
  async verify(password: string, stored: string): Promise<boolean> {
    const parsed = parseHash(stored);
    if (parsed === undefined) {
      await this.burn(password);
      return false;
    }
    const key = await this.kdf(Buffer.from(password, 'utf8'), parsed.salt, parsed.hash.length, parsed.params);
    return key.length === parsed.hash.length && timingSafeEqual(key, parsed.hash);
  }

  /** The same work as a verify, for an account that does not exist: the answer takes as long. */
  async burn(password: string): Promise<void> {
    await this.kdf(Buffer.from(password, 'utf8'), Buffer.alloc(SALT_BYTES), HASH_BYTES, this.params);
  }
}

interface ParsedHash {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

export function parseHash(stored: string): ParsedHash | undefined {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/.exec(stored);
  if (m === null) return undefined;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  const salt = Buffer.from(m[4] ?? '', 'base64');
  const hash = Buffer.from(m[5] ?? '', 'base64');
  if (salt.length < 8 || hash.length < 16 || hash.length > 64) return undefined;
  return { params: { N, r, p }, salt, hash };
}
