/**
 * The trust store on SQLite (better-sqlite3), the embedded default.
 *
 * Open:
 *   1. a new database file is created with mode 0600 (SQLite gives its -wal and -shm files the
 *      same mode);
 *   2. journal_mode = WAL, synchronous = FULL (a committed change survives a power cut),
 *      foreign_keys = ON;
 *   3. schema migrations (migrations.ts); a newer database is refused;
 *   4. the key check (key-wrap.ts): sealed on a new database, opened on an existing one; a
 *      master key that does not open it is refused here, before any node key is touched.
 *
 * Opening is synchronous; every call after it is asynchronous (sqlite-async.ts: one
 * connection, calls in turn, a transaction that other callers wait for).
 *
 * Must hold: the master key never enters the database; a node key is in it only wrapped.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from './errors.js';
import { KEY_CHECK_NAME, settleKeyCheck } from './key-check.js';
import type { MasterKey } from './master-key.js';
import { MIGRATIONS, applyMigrations } from './migrations.js';
import { sqliteAccountOps } from './sqlite-accounts.js';
import { sqliteGrantOps } from './sqlite-grants.js';
import { sqliteNodeOps } from './sqlite-nodes.js';
import { sqliteReportOps } from './sqlite-reports.js';
import { asyncSqlite } from './sqlite-async.js';
import type { SynchronousOps } from './ops.js';
import type { NodeWithKey, PartyNode, TrustStore } from './types.js';
import { uuidV4 } from './validate.js';

export interface SqliteStoreOptions {
  /** The database file, or ":memory:" (tests). */
  readonly path: string;
  readonly masterKey: MasterKey;
  /** Randomness for wrap nonces and grant IDs (default: crypto.randomBytes). */
  readonly random?: (n: number) => Uint8Array;
}

export interface SqliteTrustStore extends TrustStore {
  readonly engine: 'sqlite';
  readonly path: string;
}

export function openSqliteStore(options: SqliteStoreOptions): SqliteTrustStore {
  const { path, masterKey } = options;
  const random = options.random ?? randomBytes;
  const inMemory = path === ':memory:';
  if (!inMemory) createPrivate(path);
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (err) {
    throw new StoreError('corrupt', `trust database ${path} cannot be opened (${err instanceof Error ? err.message : String(err)}); check that it is an SQLite file and readable by this user`);
  }
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (!inMemory && mode !== 'wal') throw new StoreError('corrupt', `trust database ${path}: WAL journal mode could not be set (got ${String(mode)}); put the database on a local file system`);
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    applyMigrations(db, MIGRATIONS, path);
    checkMasterKey(db, masterKey, path, random);
  } catch (err) {
    db.close();
    throw err;
  }

  const nodes = sqliteNodeOps(db, masterKey, random);
  const grants = sqliteGrantOps(db, (id) => nodes.getNode(id), () => uuidV4(random(16)));
  const sync: SynchronousOps = {
    ...nodes,
    ...grants,
    // On one local connection three statements cost what one would: no need to join them.
    vouchParties: (a, b, now) => ({ a: partyOf(nodes.nodeWithKey(a)), b: partyOf(nodes.nodeWithKey(b)), grants: grants.grantsBetween(a, b, now) }),
    ...sqliteAccountOps(db),
    ...sqliteReportOps(db, (id) => nodes.getNode(id)),
  };
  return { engine: 'sqlite', location: path, path, ...asyncSqlite(db, sync, path) };
}

/** Step 1: create the file with mode 0600 if it does not exist (never truncates). */
/** A node as phase 3 reads it (types.ts PartyNode). */
function partyOf(found: NodeWithKey | undefined): PartyNode | undefined {
  return found === undefined ? undefined : { kind: found.node.kind, status: found.node.status, label: found.node.label, key: found.key };
}

function createPrivate(path: string): void {
  try {
    closeSync(openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const fix = code === 'ENOENT' ? `create the directory first (mkdir -p ${dirname(path)})` : 'check the path and its permissions';
    throw new StoreError('corrupt', `trust database ${path} cannot be created or opened (${code ?? 'error'}); ${fix}`);
  }
}

/** Step 4 (key-check.ts). */
function checkMasterKey(db: Database.Database, master: MasterKey, path: string, random: (n: number) => Uint8Array): void {
  const row = db.prepare<[string], { value: Buffer }>('SELECT value FROM meta WHERE name = ?').get(KEY_CHECK_NAME);
  const first = row === undefined ? db.prepare<[], { id: string; wrapped_key: Buffer }>('SELECT id, wrapped_key FROM nodes ORDER BY created, id LIMIT 1').get() : undefined;
  const seal = settleKeyCheck(master, path, row?.value, first, random);
  if (seal !== undefined) db.prepare('INSERT INTO meta (name, value) VALUES (?, ?)').run(KEY_CHECK_NAME, seal);
}
