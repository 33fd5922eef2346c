/**
 * `pia-trust serve --database URL | --database-file FILE`: the PostgreSQL URL the store opens.
 *
 * Must hold: the file holds a password, so it is refused unless only its owner can read it
 * (mode 0600 or stricter: the fix is `chmod 600 FILE`); no refusal repeats the URL or the
 * file's content.
 */
import { readFileSync, statSync } from 'node:fs';
import type { DatabaseSource } from './args.js';

export class DatabaseUrlError extends Error {
  override readonly name = 'DatabaseUrlError';
}

export function readDatabaseUrl(source: DatabaseSource): string {
  if ('url' in source) return source.url;
  const { file } = source;
  let mode: number;
  let text: string;
  try {
    mode = statSync(file).mode;
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new DatabaseUrlError(`--database-file ${file} cannot be read (${code}); write the database URL into it as one line (postgres://USER:PASSWORD@HOST:PORT/DATABASE) and chmod 600 ${file}`);
  }
  if ((mode & 0o077) !== 0) {
    throw new DatabaseUrlError(`--database-file ${file} is readable by its group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}) and holds the database password; chmod 600 ${file}`);
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length !== 1 || !/^postgres(ql)?:\/\/./.test(lines[0] ?? '')) {
    throw new DatabaseUrlError(`--database-file ${file} must hold one line, the database URL postgres://USER:PASSWORD@HOST:PORT/DATABASE (its content is not shown: it may hold a password)`);
  }
  return lines[0] as string;
}
