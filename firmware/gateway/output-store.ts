/**
 * The output devices' last commanded states, kept across restarts (devices/model
 * output-policy.ts): one small JSON file per device in `<stateDir>/outputs/`, 0600.
 *
 * Must hold: a save survives a crash or SIGKILL right after the command was answered (written to
 * a temporary file, fsynced, renamed over the old one, the folder fsynced), and a file that is
 * missing, unreadable or not the device's shape is ignored with a warning: the device then
 * boots safe. A failed save is logged; it never fails the command that was already carried out.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputMemory } from '../../devices/index.js';

export class OutputStore {
  constructor(
    private readonly dir: string,
    private readonly warn: (message: string) => void,
  ) {}

  /** The memory of `device`; `parse` returns the state, or undefined when the stored value is not one. */
  memory<T>(device: string, parse: (stored: unknown) => T | undefined): OutputMemory<T> {
    const file = join(this.dir, `${device}.json`);
    return {
      load: () => {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.warn(`${device}: cannot read its last state from ${file} (${(e as Error).message}); it starts in its safe state`);
          return undefined;
        }
        let state: T | undefined;
        try {
          state = parse(JSON.parse(text));
        } catch {
          state = undefined;
        }
        if (state === undefined) this.warn(`${device}: ${file} does not hold a state of this device; it starts in its safe state (the file is replaced at the next command)`);
        return state;
      },
      save: (state) => {
        try {
          this.#write(file, `${JSON.stringify(state)}\n`);
        } catch (e) {
          this.warn(`${device}: cannot keep its last state in ${file} (${(e as Error).message}); after a restart it starts as its onBoot policy says without it`);
        }
      },
    };
  }

  #write(file: string, text: string): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}
