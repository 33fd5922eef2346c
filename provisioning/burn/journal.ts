/**
 * The station's journal of burns in progress: one file per board, `<dir>/<board>.json`, written
 * before the first change (to the trusted server or the board) and removed once the board is
 * verified and labelled. A re-run after a power cut or a crash finds it and resumes the same
 * identity instead of making a new one.
 *
 * Must hold:
 * - every write is atomic and durable (common/durable-file.ts, mode 0600); a torn temp file is
 *   ignored;
 * - the directory is 0700 and files 0600: with `keySource: station` the entry holds the board's
 *   key until the board is done (the server mode never writes a key here);
 * - removing an entry overwrites the file in place (same blocks, no truncate), fsyncs, then
 *   unlinks it (on a plain disk the key's bytes are gone; flash and journaling file systems
 *   may keep old copies: prefer `--key-source server`, which never writes a key here);
 * - a journal that cannot be read or written is the station's problem, named with --state.
 */
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../../common/index.js';
import { ProvisioningError } from '../../identity/index.js';

export interface JournalEntry {
  /** The board's key in the journal: the secure element's serial, or "file-<hash>". */
  readonly board: string;
  readonly requestId: string;
  readonly keySource: 'server' | 'station';
  readonly label: string;
  readonly kind: 'gateway' | 'operator';
  /** Set once the ID is known (before any board write). */
  readonly id?: string;
  /** keySource station only: base64 of the key, until the board is done. */
  readonly key?: string;
  /** The ID this burn replaces (--force). */
  readonly replaces?: string;
}

export class Journal {
  constructor(readonly dir: string) {}

  open(): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      if ((statSync(this.dir).mode & 0o077) !== 0) throw new Error('others may read it');
    } catch (err) {
      throw new ProvisioningError('usage', `station journal ${this.dir}: cannot use it (${err instanceof Error ? err.message : String(err)}); give a private directory with --state (chmod 700)`, { cause: err });
    }
  }

  get(board: string): JournalEntry | undefined {
    let text: string;
    try {
      text = readFileSync(this.file(board), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.failed('read', board, err);
    }
    if (/^\0*$/.test(text)) return undefined; // finish() was cut between wiping and removing: the board is done
    try {
      const e = JSON.parse(text) as JournalEntry;
      if (e.board !== board || typeof e.requestId !== 'string') throw new Error('fields');
      return e;
    } catch {
      throw new ProvisioningError('usage', `station journal ${this.file(board)}: not a journal entry; move it away if it is not this tool's, then run again`);
    }
  }

  put(entry: JournalEntry): void {
    try {
      writeFileDurably(this.file(entry.board), JSON.stringify(entry), { mode: 0o600 });
    } catch (err) {
      throw this.failed('write', entry.board, err);
    }
  }

  /** The board is done: its entry is overwritten in place with zeros, then removed. */
  finish(board: string): void {
    const path = this.file(board);
    try {
      let fd: number;
      try {
        fd = openSync(path, 'r+');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      try {
        const zeros = Buffer.alloc(fstatSync(fd).size);
        for (let off = 0; off < zeros.length; ) off += writeSync(fd, zeros, off, zeros.length - off, off);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      unlinkSync(path);
      this.syncDir();
    } catch (err) {
      throw this.failed('remove', board, err);
    }
  }

  private failed(what: string, board: string, err: unknown): ProvisioningError {
    return new ProvisioningError('usage', `station journal ${this.file(board)}: cannot ${what} it (${(err as NodeJS.ErrnoException).code ?? String(err)}); check the disk and the --state folder ${this.dir} (owned by this user, mode 0700)`, { cause: err });
  }

  /** The command that removes a board's entry, for messages. */
  removeCommand(board: string): string {
    return `rm ${this.file(board)}`;
  }

  private file(board: string): string {
    if (!/^[a-z0-9-]{1,80}$/.test(board)) throw new RangeError(`journal: board key "${board}" is not a safe file name`);
    return join(this.dir, `${board}.json`);
  }

  private syncDir(): void {
    const fd = openSync(this.dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
