/** `--database-file`: a 0600 file whose one line is the URL; anything else refused, naming the fix, never showing the content. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDatabaseUrl } from './database-url.js';

const URL_LINE = 'postgres://trust:s3cret-pw@127.0.0.1:5432/trust';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pia-dburl-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(content: string, mode: number): string {
  const path = join(dir, 'database');
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
  return path;
}

describe('readDatabaseUrl', () => {
  it('returns --database as given, and the one line of a 0600 (or 0400) file', () => {
    expect(readDatabaseUrl({ url: URL_LINE })).toBe(URL_LINE);
    expect(readDatabaseUrl({ file: file(`${URL_LINE}\n`, 0o600) })).toBe(URL_LINE);
    expect(readDatabaseUrl({ file: file(`\n  ${URL_LINE}  \r\n\n`, 0o400) })).toBe(URL_LINE);
  });

  it('refuses a file its group or others can read, naming chmod 600', () => {
    for (const mode of [0o640, 0o604, 0o644, 0o660]) {
      const path = file(URL_LINE, mode);
      expect(() => readDatabaseUrl({ file: path })).toThrow(`--database-file ${path} is readable by its group or others (mode 0${mode.toString(8)}) and holds the database password; chmod 600 ${path}`);
    }
  });

  it('refuses a missing file, an empty one, two lines or no URL, without showing the content', () => {
    expect(() => readDatabaseUrl({ file: join(dir, 'absent') })).toThrow(/cannot be read \(ENOENT\); write the database URL into it/);
    for (const content of ['', `${URL_LINE}\n${URL_LINE}\n`, 'host=db password=s3cret-pw']) {
      let message = '';
      try {
        readDatabaseUrl({ file: file(content, 0o600) });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/must hold one line, the database URL postgres:\/\/USER:PASSWORD@HOST:PORT\/DATABASE/);
      expect(message).not.toContain('s3cret-pw');
    }
  });
});
