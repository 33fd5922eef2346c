/**
 * The trusted server's state directory (mode 0700):
 *
 *   master-key     32-byte key (base64, 0600) wrapping every node key; absent when
 *                  PIA_TRUST_MASTER_KEY is set (then keep the key elsewhere)
 *   trust.db       SQLite: nodes (keys wrapped), grants, enrollment records (store/)
 *   audit.log      hash-chained audit records, JSON lines (docs/protocol.md §9.7)
 *   admin-token    the admin API's bearer token (0600)
 *   admin-url      where the running server's admin API listens (written at start, removed
 *                  at a clean stop): how the CLI finds it
 *   latches.json   the PIA latch store (docs/protocol.md §4)
 *
 * Must hold: a database without its master key is never opened with a new key (that would
 * make the old node keys unreadable and look like a fresh start): the first start alone
 * creates a master key, and only when no database exists yet.
 */
import { existsSync, mkdirSync, readFileSync, statSync, chmodSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateMasterKeyFile, loadMasterKey, MASTER_KEY_ENV, type MasterKey } from './store/index.js';
import type { RandomBytes } from './node-ids.js';

export const DEFAULT_STATE_DIR = '/var/lib/pia-trust';

export interface StatePaths {
  readonly dir: string;
  readonly masterKey: string;
  readonly database: string;
  readonly audit: string;
  readonly adminToken: string;
  readonly adminUrl: string;
  readonly latches: string;
}

export function statePaths(dir: string): StatePaths {
  return {
    dir,
    masterKey: join(dir, 'master-key'),
    database: join(dir, 'trust.db'),
    audit: join(dir, 'audit.log'),
    adminToken: join(dir, 'admin-token'),
    adminUrl: join(dir, 'admin-url'),
    latches: join(dir, 'latches.json'),
  };
}

export class StateError extends Error {
  override readonly name = 'StateError';
}

/** Creates the directory (0700) if needed; narrows a looser mode with a warning. */
export function ensureStateDir(dir: string, warn: (m: string) => void): StatePaths {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    if (!st.isDirectory()) throw new StateError(`state directory ${dir} is not a directory; give --state a directory path`);
    const mode = st.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      chmodSync(dir, 0o700);
      warn(`state directory ${dir}: mode was ${mode.toString(8).padStart(4, '0')}; set to 0700 (it holds the master key and the admin token)`);
    }
  } catch (err) {
    if (err instanceof StateError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new StateError(`state directory ${dir} cannot be used (${code ?? String(err)}); choose a writable path with --state DIR`, { cause: err });
  }
  return statePaths(dir);
}

/**
 * The master key: PIA_TRUST_MASTER_KEY if set, else the master-key file; created (first start)
 * only when neither exists and there is no database yet.
 */
export function openMasterKey(paths: StatePaths, env: Readonly<Record<string, string | undefined>>, random: RandomBytes): { key: MasterKey; created: boolean } {
  try {
    const fromEnv = env[MASTER_KEY_ENV];
    if (fromEnv !== undefined && fromEnv.trim() !== '') return { key: loadMasterKey({ env: { [MASTER_KEY_ENV]: fromEnv } }), created: false };
    if (existsSync(paths.masterKey)) return { key: loadMasterKey({ file: paths.masterKey }), created: false };
  } catch (err) {
    throw new StateError((err as Error).message, { cause: err });
  }
  if (existsSync(paths.database)) {
    throw new StateError(
      `${paths.database} exists but its master key does not (no ${paths.masterKey}, ${MASTER_KEY_ENV} unset): the node keys in it cannot be unwrapped; ` +
        `restore the master-key file from your backup or set ${MASTER_KEY_ENV} (a database copied without its master key cannot be opened, by design)`,
    );
  }
  try {
    return { key: generateMasterKeyFile(paths.masterKey, random), created: true };
  } catch (err) {
    throw new StateError((err as Error).message, { cause: err });
  }
}

/** Written once the admin API listens, so `pia-trust node …` finds it. */
export function writeAdminUrl(paths: StatePaths, url: string): void {
  writeFileSync(paths.adminUrl, `${url}\n`, { mode: 0o600 });
}

export function removeAdminUrl(paths: StatePaths): void {
  rmSync(paths.adminUrl, { force: true });
}

/** The admin URL a running server wrote; undefined if none runs (or it stopped uncleanly). */
export function readAdminUrl(paths: StatePaths): string | undefined {
  try {
    return readFileSync(paths.adminUrl, 'utf8').trim();
  } catch {
    return undefined;
  }
}
