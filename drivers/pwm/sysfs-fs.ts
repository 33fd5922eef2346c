/**
 * The file operations the sysfs PWM driver needs, injected so a test can stand in for the
 * kernel on a temp folder (docs/hardware.md#pwm: the files are plain files).
 * Errors are Node system errors (`code` ENOENT, EACCES, EBUSY, EINVAL …), as from node:fs.
 */
import { access, open, readFile, readdir, writeFile } from 'node:fs/promises';

export interface SysfsFs {
  readFile(path: string): Promise<string>;
  /** One write of the whole value, as `echo value > file` does. */
  writeFile(path: string, data: string): Promise<void>;
  /** Resolves when `path` exists (file or folder). */
  exists(path: string): Promise<boolean>;
  /** Resolves when `path` can be opened for reading and writing; rejects with the errno error (ENOENT, EACCES) otherwise. */
  checkWritable(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
}

/** node:fs/promises. */
export function nodeSysfs(): SysfsFs {
  return {
    readFile: (path) => readFile(path, 'utf8'),
    writeFile: (path, data) => writeFile(path, data),
    exists: (path) =>
      access(path).then(
        () => true,
        () => false,
      ),
    async checkWritable(path) {
      // Opening r+ writes nothing; it fails with EACCES until udev has fixed the group.
      const fh = await open(path, 'r+');
      await fh.close();
    },
    readdir: (path) => readdir(path),
  };
}
