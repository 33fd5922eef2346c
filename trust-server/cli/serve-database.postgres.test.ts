/**
 * `pia-trust serve --database URL | --database-file FILE` as a real process against a real
 * PostgreSQL (common/test-support startPostgres): the store in the database, the state
 * directory keeping the master key and the token; and every way the database cannot be used
 * at start.
 *
 * Must hold: the password is in no output; a database out of reach at start is exit 5 with a
 * message naming the URL without its password and the fix; a --database-file its group or
 * others can read is refused (exit 2, `chmod 600`); a restart finds the same nodes.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freeTcpPort, startPostgres, type PostgresInstance } from '../../common/test-support/index.js';
import { cli, runTrustProcess, startTrust, stopAll, type TrustProcess } from '../test-support/index.js';

let cluster: PostgresInstance;
let root: string;

beforeAll(async () => {
  cluster = await startPostgres();
  root = mkdtempSync(join(tmpdir(), 'pia-trust-pg-'));
});
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await cluster.stop();
});
afterEach(stopAll);

function databaseFile(name: string, url: string, mode = 0o600): string {
  const path = join(root, name);
  writeFileSync(path, `${url}\n`, { mode });
  return path;
}

async function serve(state: string, database: readonly string[], env: Record<string, string> = {}): Promise<TrustProcess> {
  const p = startTrust(['serve', '--state', state, '--pia', '[::1]:0', '--admin', '0', ...database], env);
  await p.waitFor(/admin API on (http:\/\/[^ ]+) /, 30_000);
  return p;
}

async function stop(p: TrustProcess): Promise<void> {
  p.child.kill('SIGTERM');
  expect(await p.exited).toBe(0);
}

describe('pia-trust serve --database-file', () => {
  it('keeps the store in PostgreSQL, the master key and token in the state directory, and finds it again after a restart', async () => {
    const url = await cluster.createDatabase('served');
    const file = databaseFile('served.url', url);
    const state = join(root, 'state-served');
    const first = await serve(state, ['--database-file', file]);
    const shown = `postgres://pia_test@127.0.0.1:${cluster.port}/served`;
    expect(first.stdout()).toContain(`store: PostgreSQL ${shown}`);
    const alice = await cli(['node', 'add', '--kind', 'operator', '--label', 'alice', '--state', state]);
    expect(alice.code).toBe(0);
    const aliceId = (JSON.parse(alice.stdout) as { id: string }).id;
    await stop(first);
    expect(first.stdout() + first.stderr()).not.toContain(cluster.password);
    for (const f of ['master-key', 'admin-token', 'audit.log']) expect(existsSync(join(state, f)), f).toBe(true);
    expect(existsSync(join(state, 'trust.db'))).toBe(false);

    // The rows are in the database (keys wrapped: 60 bytes, never the 32 of a key).
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const rows = (await client.query<{ label: string; kind: string; n: number }>('SELECT label, kind, length(wrapped_key) AS n FROM nodes ORDER BY label')).rows;
    await client.end();
    expect(rows).toEqual([
      { label: 'alice', kind: 'operator', n: 60 },
      { label: 'trusted server', kind: 'server', n: 60 },
    ]);

    // A restart on the same database (the password from PGPASSWORD this time) finds alice.
    const again = await serve(state, ['--database', shown], { PGPASSWORD: cluster.password });
    const list = await cli(['node', 'list', '--json', '--state', state]);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((n) => n.id)).toContain(aliceId);
    await stop(again);
  }, 60_000);
});

describe('pia-trust serve with a database it cannot use', () => {
  const refused = async (args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | string; out: string }> => {
    const state = mkdtempSync(join(root, 'state-'));
    const r = await runTrustProcess(['serve', '--state', state, '--pia', '[::1]:0', '--admin', '0', ...args], env, 30_000);
    return { code: r.code, out: r.stdout + r.stderr };
  };

  it('nothing listening: exit 5, naming the URL without its password and how to check', async () => {
    const port = await freeTcpPort();
    const { code, out } = await refused(['--database', `postgres://trust:Hush-Hush-99@127.0.0.1:${port}/trust`]);
    expect(code).toBe(5);
    expect(out).toContain(`trust database postgres://trust@127.0.0.1:${port}/trust is unavailable`);
    expect(out).toContain(`pg_isready -h 127.0.0.1 -p ${port}`);
    expect(out).not.toContain('Hush-Hush-99');
  });

  it('a wrong password in the file: exit 5, the login refused, no password shown', async () => {
    const file = databaseFile('wrong.url', cluster.urlOf('postgres').replace(`:${cluster.password}@`, ':Hush-Hush-99@'));
    const { code, out } = await refused(['--database-file', file]);
    expect(code).toBe(5);
    expect(out).toMatch(/refused the login \(password authentication failed for user "pia_test"\)/);
    expect(out).not.toContain('Hush-Hush-99');
    expect(out).not.toContain(cluster.password);
  });

  it('an unknown database: exit 5, naming createdb', async () => {
    const { code, out } = await refused(['--database-file', databaseFile('unknown.url', cluster.urlOf('nowhere'))]);
    expect(code).toBe(5);
    expect(out).toContain('createdb -O USER nowhere');
    expect(out).not.toContain(cluster.password);
  });

  it('a --database-file others can read: exit 2, naming chmod 600, the URL not shown', async () => {
    const file = databaseFile('open.url', cluster.url, 0o644);
    const { code, out } = await refused(['--database-file', file]);
    expect(code).toBe(2);
    expect(out).toContain(`--database-file ${file} is readable by its group or others (mode 0644) and holds the database password; chmod 600 ${file}`);
    expect(out).not.toContain(cluster.password);
  });

  it('--help documents the options and the database under exit code 5', async () => {
    const help = await cli(['--help']);
    expect(help.stdout).toContain('[--database URL | --database-file FILE]');
    expect(help.stdout).toMatch(/\n {2}5 {2}serve could not start: state directory, master key, ports, or the database \(with\n {5}--database: not running/);
  });
});
