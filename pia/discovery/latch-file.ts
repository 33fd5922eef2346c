/**
 * The latch store in a JSON file (see latch-store.ts for what a latch is and why losing one is
 * a downgrade).
 *
 * Write flow (every durable change):
 *   1. serialise the whole table (one writer at a time, Mutex);
 *   2. write it to `<file>.tmp`, created afresh (O_EXCL) with mode 0600, and fsync it;
 *   3. rename over `<file>` (atomic on POSIX: a reader sees the old or the new file, never a
 *      mix), then fsync the directory so the rename itself survives a power cut.
 * A crash before 3 leaves the old file intact; `open` removes the stale temp file.
 *
 * Load: a missing file is a first start (empty). A file that is not valid latch JSON fails
 * `open` with an error naming the file and the fix, unless the caller passes
 * `onCorrupt: 'start-empty'`, in which case the file is kept aside as `<file>.corrupt-<ms>`.
 */
import * as nodeFs from 'node:fs/promises';
import { dirname } from 'node:path';
import { Mutex } from '../../common/index.js';
import { isSuiteId } from '../suites-ids.js';
import { canonicalAddress } from '../address.js';
import { LatchTable, LatchTableReader, type LatchEntry, type LatchInfo, type LatchStore, type LatchTableOptions } from './latch-store.js';

export const LATCH_FILE_FORMAT = 'pia-latches';
export const LATCH_FILE_VERSION = 1;

/** The file operations the store uses; tests substitute one to simulate a crash. */
export type LatchFs = Pick<typeof nodeFs, 'open' | 'rename' | 'readFile' | 'rm'>;

export interface FileLatchStoreOptions extends LatchTableOptions {
  readonly file: string;
  /** What to do with a corrupt file: 'fail' (default) or start empty, keeping the file aside. */
  readonly onCorrupt?: 'fail' | 'start-empty';
  readonly fs?: LatchFs;
}

export class LatchStoreError extends Error {
  override readonly name = 'LatchStoreError';
}

export class FileLatchStore extends LatchTableReader implements LatchStore {
  private readonly mutex = new Mutex();
  private readonly fs: LatchFs;

  private constructor(
    readonly file: string,
    table: LatchTable,
    fs: LatchFs,
  ) {
    super(table);
    this.fs = fs;
  }

  static async open(options: FileLatchStoreOptions): Promise<FileLatchStore> {
    const fs = options.fs ?? nodeFs;
    const log = options.log ?? ((): void => undefined);
    const table = new LatchTable(options);
    const store = new FileLatchStore(options.file, table, fs);
    await fs.rm(store.tempFile, { force: true }); // an unfinished write from a crash: the file is authoritative
    let text: string | undefined;
    try {
      text = await fs.readFile(options.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new LatchStoreError(`latch store ${options.file}: cannot read it (${(err as Error).message}); fix its permissions or path`);
      }
    }
    if (text === undefined) return store;
    try {
      for (const [peer, entry] of parseLatchFile(text)) table.peers.set(peer, entry);
    } catch (err) {
      const problem = (err as Error).message;
      if (options.onCorrupt !== 'start-empty') {
        throw new LatchStoreError(
          `latch store ${options.file}: ${problem}. Refusing to start without it: a forgotten latch lets a ` +
            `peer be downgraded to plaintext. Fix: restore the file from a backup, or move it aside ` +
            `(mv ${options.file} ${options.file}.bad) to start with no latches`,
        );
      }
      const aside = `${options.file}.corrupt-${table.now()}`;
      await fs.rename(options.file, aside);
      table.peers.clear();
      log(`latch store ${options.file}: ${problem}; kept it as ${aside} and started with no latches (every peer must re-latch)`);
      return store;
    }
    if (table.peers.size > table.maxPeers) {
      const all = [...table.peers].sort((a, b) => b[1].lastSeen - a[1].lastSeen);
      table.peers.clear();
      for (const [peer, entry] of all.slice(0, table.maxPeers)) table.peers.set(peer, entry);
      log(`latch store ${options.file}: ${all.length} latches, more than maxPeers ${table.maxPeers}; kept the most recently seen`);
    }
    return store;
  }

  get tempFile(): string {
    return `${this.file}.tmp`;
  }

  async record(peers: readonly string[], info: LatchInfo): Promise<void> {
    if (this.table.record(peers, info)) await this.persist();
  }

  async remove(peer: string): Promise<boolean> {
    if (!this.table.remove(peer)) return false;
    await this.persist();
    return true;
  }

  flush(): Promise<void> {
    return this.persist();
  }

  private persist(): Promise<void> {
    return this.mutex.run(async () => {
      const text = serialiseLatches(this.table.peers);
      try {
        // Exclusive create: a leftover or planted temp file (or symlink) is removed, never followed.
        await this.fs.rm(this.tempFile, { force: true });
        const handle = await this.fs.open(this.tempFile, 'wx', 0o600);
        try {
          await handle.chmod(0o600); // exact, whatever the umask
          await handle.writeFile(text, 'utf8');
          await handle.sync();
        } finally {
          await handle.close();
        }
        await this.fs.rename(this.tempFile, this.file);
        await this.syncDirectory();
      } catch (err) {
        throw new LatchStoreError(
          `latch store ${this.file}: could not save (${(err as Error).message}); the latches hold in memory ` +
            `but will be lost on restart; free space or fix permissions of ${dirname(this.file)}`,
        );
      }
    });
  }

  private async syncDirectory(): Promise<void> {
    const dir = await this.fs.open(dirname(this.file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

export function serialiseLatches(peers: ReadonlyMap<string, LatchEntry>): string {
  const out: Record<string, LatchEntry> = {};
  for (const [peer, entry] of peers) out[peer] = entry;
  return `${JSON.stringify({ format: LATCH_FILE_FORMAT, version: LATCH_FILE_VERSION, peers: out }, null, 1)}\n`;
}

/** Parses and validates a latch file; throws Error naming the first problem. */
export function parseLatchFile(text: string): Map<string, LatchEntry> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(doc) || doc.format !== LATCH_FILE_FORMAT) throw new Error(`not a latch file (no "format": "${LATCH_FILE_FORMAT}")`);
  if (doc.version !== LATCH_FILE_VERSION) throw new Error(`version ${JSON.stringify(doc.version)}, this node reads ${LATCH_FILE_VERSION}`);
  if (!isRecord(doc.peers)) throw new Error('"peers" is not an object');
  const out = new Map<string, LatchEntry>();
  for (const [peer, raw] of Object.entries(doc.peers)) {
    const bad = (what: string): Error => new Error(`peer "${peer}": ${what}`);
    let key: string;
    try {
      key = canonicalAddress(peer);
    } catch {
      throw bad('not an IP address');
    }
    if (key !== peer) throw bad(`not in canonical form (${key})`);
    if (!isRecord(raw)) throw bad('entry is not an object');
    const { since, lastSeen, piaPort, piaAddress, suite } = raw;
    if (!isTime(since) || !isTime(lastSeen)) throw bad('"since" and "lastSeen" must be epoch milliseconds');
    if (typeof piaPort !== 'number' || !Number.isInteger(piaPort) || piaPort < 1 || piaPort > 0xffff) throw bad('"piaPort" must be 1–65535');
    if (piaAddress !== undefined && (typeof piaAddress !== 'string' || !isCanonical(piaAddress))) throw bad('"piaAddress" is not a canonical IP address');
    if (suite !== undefined && (typeof suite !== 'number' || !isSuiteId(suite))) throw bad(`"suite" ${JSON.stringify(suite)} is not a known suite id`);
    out.set(key, {
      since,
      lastSeen,
      piaPort,
      ...(piaAddress !== undefined ? { piaAddress } : {}),
      ...(suite !== undefined ? { suite } : {}),
    });
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isCanonical(text: string): boolean {
  try {
    return canonicalAddress(text) === text;
  } catch {
    return false;
  }
}
