/**
 * A whole file replaced durably and atomically (POSIX rename(2); fsync(2) of the file, then of
 * its folder, so the new name survives a power cut): readers see the old file or the new one,
 * never half of either.
 *
 *   1. `<path>.tmp` (a leftover removed) created exclusively with `mode`, chmod'ed to it
 *      whatever the umask, written, fsynced
 *   2. renamed over `path`, then the folder fsynced
 *
 * Must hold: a crash before step 2 leaves `path` as it was and at most `<path>.tmp` beside it
 * (callers may look for it: "a write did not finish"). Errors are the file system's, unchanged:
 * callers say what they were writing and the fix.
 */
import * as nodeFs from 'node:fs';
import { constants } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The calls used, injectable so tests can crash between them. */
export type DurableFs = Pick<typeof nodeFs, 'openSync' | 'writeSync' | 'fsyncSync' | 'fchmodSync' | 'closeSync' | 'renameSync' | 'rmSync'>;

export function durableTempPath(path: string): string {
  return `${path}.tmp`;
}

export function writeFileDurably(path: string, data: Uint8Array | string, o: { readonly mode: number; readonly fs?: DurableFs }): void {
  const fs = o.fs ?? nodeFs;
  const temp = durableTempPath(path);
  fs.rmSync(temp, { force: true });
  const fd = fs.openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, o.mode);
  try {
    fs.fchmodSync(fd, o.mode);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, path);
  const dir = fs.openSync(dirname(resolve(path)), constants.O_RDONLY);
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}
