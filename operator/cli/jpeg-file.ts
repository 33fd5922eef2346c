/**
 * The snapshot's file: the bytes must be a whole JPEG (starts with SOI FF D8, ends with EOI
 * FF D9: ITU-T T.81 Annex B; docs/hardware.md#vc0706), and the file appears whole or not
 * at all: written to a temporary file in the same directory, flushed, then renamed over the
 * target (rename(2) is atomic within a file system), so a reader never sees half an image.
 */
import { closeSync, constants, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { CommandError, ExitCode } from './exit-codes.js';

/** Undefined for a whole JPEG; else what is wrong with it. */
export function jpegProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length < 4) return `${bytes.length} bytes is too short for a JPEG`;
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return `it starts ${hex(bytes.subarray(0, 2))}, not FF D8 (start of image)`;
  if (bytes[bytes.length - 2] !== 0xff || bytes[bytes.length - 1] !== 0xd9) return `it ends ${hex(bytes.subarray(bytes.length - 2))}, not FF D9 (end of image): cut short`;
  return undefined;
}

/** Refuses (exit 2) an output path whose directory is missing or which names a directory: before any work is done. */
export function checkOutputPath(file: string): void {
  const dir = dirname(file);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new CommandError(ExitCode.Usage, `-o ${file}: directory ${dir} does not exist; create it first or write elsewhere`);
  }
  if (!isDir) throw new CommandError(ExitCode.Usage, `-o ${file}: ${dir} is not a directory`);
  try {
    if (statSync(file).isDirectory()) throw new CommandError(ExitCode.Usage, `-o ${file}: is a directory; name a file in it, e.g. -o ${join(file, 'snapshot.jpg')}`);
  } catch (e) {
    if (e instanceof CommandError) throw e;
    // does not exist yet: fine
  }
}

/** Writes `bytes` to `file` atomically (mode 0644 less the umask); a failure leaves no temporary file behind. */
export function writeFileAtomically(file: string, bytes: Uint8Array): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new CommandError(ExitCode.Usage, `-o ${file}: cannot write (${code}); check the directory's permissions and free space`);
  }
  syncDirectory(dirname(file));
}

/** Makes the rename durable (POSIX: the directory entry lives in the directory). Best effort. */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some file systems refuse fsync on a directory; the data itself is synced
  }
}

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join(' ');
