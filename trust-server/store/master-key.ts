/**
 * The trusted server's master key: 32 bytes that wrap every node key in the
 * database (key-wrap.ts) and never enter it. Read at start from a file (mode 0600 or stricter,
 * owned by the user) or from PIA_TRUST_MASTER_KEY.
 *
 * Must hold:
 * - the key bytes live only inside a `MasterKey` (a Node KeyObject): inspect, toString and JSON
 *   show "[MasterKey redacted]"; no error message ever carries key material or the text it was
 *   parsed from;
 * - AES-256-GCM with a fresh random 12-byte nonce per seal (NIST SP 800-38D §8.2.2: random
 *   nonces are safe far beyond the number of node keys a server holds);
 * - a file is accepted only if no group/other permission bit is set and it belongs to the
 *   user running the server: anyone else who can read it holds every node key.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { inspect } from 'node:util';

export const MASTER_KEY_ENV = 'PIA_TRUST_MASTER_KEY';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const REDACTED = '[MasterKey redacted]';

export class MasterKey {
  readonly #key: KeyObject;

  private constructor(key: KeyObject) {
    this.#key = key;
  }

  /** From 32 bytes (copied; the caller may wipe its buffer). */
  static fromBytes(bytes: Uint8Array): MasterKey {
    if (bytes.length !== KEY_BYTES) throw new Error(`master key must be ${KEY_BYTES} bytes, got ${bytes.length}`);
    return new MasterKey(createSecretKey(Buffer.from(bytes)));
  }

  /** AES-256-GCM: nonce (12) | ciphertext | tag (16). */
  seal(plaintext: Uint8Array, aad: Uint8Array, random: (n: number) => Uint8Array = randomBytes): Uint8Array {
    const nonce = random(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([nonce, body, cipher.getAuthTag()]);
  }

  /** The plaintext, or undefined if `sealed` was not sealed under this key with this AAD. */
  open(sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
    if (sealed.length < NONCE_BYTES + TAG_BYTES) return undefined;
    const nonce = sealed.subarray(0, NONCE_BYTES);
    const tag = sealed.subarray(sealed.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      return undefined;
    }
  }

  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

export interface LoadMasterKeyOptions {
  /** A file holding the key: 32 raw bytes, or base64 / hex text. Takes precedence over env. */
  readonly file?: string;
  /** Where PIA_TRUST_MASTER_KEY is looked up (default: none, pass process.env explicitly). */
  readonly env?: NodeJS.ProcessEnv;
  /** The user the file must belong to (default: process.getuid()). */
  readonly uid?: number;
}

/** Loads the master key from `file` if given, else from env PIA_TRUST_MASTER_KEY. */
export function loadMasterKey(options: LoadMasterKeyOptions): MasterKey {
  if (options.file !== undefined) return fromFile(options.file, options.uid ?? process.getuid?.());
  const text = options.env?.[MASTER_KEY_ENV];
  if (text === undefined || text.trim() === '') {
    throw new Error(`no master key: pass a key file (mode 0600) or set ${MASTER_KEY_ENV} (32 bytes as base64 or hex); create a file with generateMasterKeyFile / \`head -c 32 /dev/urandom | base64 > FILE && chmod 600 FILE\``);
  }
  const bytes = decodeText(text);
  if (bytes === undefined) throw new Error(`${MASTER_KEY_ENV} is not a 32-byte key as base64 (44 characters) or hex (64 characters); set it to e.g. the output of \`head -c 32 /dev/urandom | base64\``);
  return wipeAfter(bytes, (b) => MasterKey.fromBytes(b));
}

/** Writes a new random key (base64 text) to `path` with mode 0600; refuses to overwrite. */
export function generateMasterKeyFile(path: string, random: (n: number) => Uint8Array = randomBytes): MasterKey {
  const bytes = Buffer.from(random(KEY_BYTES));
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (err) {
    bytes.fill(0);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new Error(`master key file ${path} already exists; it is not overwritten (that would orphan every node key wrapped under it): choose another path or move the old file aside yourself`, { cause: err });
    throw new Error(`master key file ${path} cannot be created (${code ?? 'error'}); check that its directory exists and is writable`, { cause: err });
  }
  try {
    writeSync(fd, `${bytes.toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return wipeAfter(bytes, (b) => MasterKey.fromBytes(b));
}

function fromFile(path: string, uid: number | undefined): MasterKey {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist; create one with generateMasterKeyFile' : code === 'ELOOP' ? 'is a symbolic link; point at the file itself' : code === 'EACCES' ? 'is not readable by this user; run as its owner' : `cannot be opened (${code ?? 'error'})`;
    throw new Error(`master key file ${path} ${why}`, { cause: err });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`master key file ${path} is not a regular file`);
    const mode = st.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new Error(`master key file ${path} has mode ${mode.toString(8).padStart(4, '0')}: group or others may read it, and with it every node key; fix: chmod 600 ${path}`);
    }
    if (uid !== undefined && st.uid !== uid) {
      throw new Error(`master key file ${path} belongs to uid ${st.uid}, not to the user running the server (uid ${uid}); fix: chown ${uid} ${path} (or run as its owner)`);
    }
    const raw = readFileSync(fd);
    const bytes = raw.length === KEY_BYTES ? Buffer.from(raw) : decodeText(raw.toString('latin1'));
    raw.fill(0);
    if (bytes === undefined) throw new Error(`master key file ${path} does not hold a 32-byte key (32 raw bytes, or base64 / hex text); create a new one with generateMasterKeyFile`);
    return wipeAfter(bytes, (b) => MasterKey.fromBytes(b));
  } finally {
    closeSync(fd);
  }
}

/** 64 hex digits, or base64 / base64url of 32 bytes; undefined otherwise. */
function decodeText(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(t)) return Buffer.from(t, 'base64');
  if (/^[A-Za-z0-9_-]{43}=?$/.test(t)) return Buffer.from(t, 'base64url');
  return undefined;
}

function wipeAfter<T>(bytes: Buffer, use: (b: Buffer) => T): T {
  try {
    return use(bytes);
  } finally {
    bytes.fill(0);
  }
}
