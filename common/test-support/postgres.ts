/**
 * A throw-away PostgreSQL cluster for tests (`NAME.postgres.test.ts`): one per test file
 * (beforeAll / afterAll), a fresh database per test that needs an empty one (`createDatabase`).
 *
 * Flow of `startPostgres()`:
 *   1. the binaries: the newest `/usr/lib/postgresql/<version>/bin` holding `initdb` (Debian's
 *      `postgresql` package); none: an error naming `apt-get install -y postgresql`;
 *   2. a temporary folder owned by the `postgres` user when we run as root (initdb refuses
 *      root; `runuser -u postgres --` runs the server's programs), holding the data folder,
 *      the unix socket and the server log;
 *   3. `initdb --no-sync` with a superuser whose random password is handed over in a 0600
 *      file (removed at once); SCRAM-SHA-256 for TCP and the unix socket alike;
 *   4. `pg_ctl start -w` on a free TCP port of 127.0.0.1 (`freeTcpPort`), the socket in the
 *      temporary folder, and — for tests only — `fsync=off` and
 *      `full_page_writes=off`: a crash of this machine may lose the cluster, which a test's
 *      cluster may (synchronous_commit stays on: a killed postmaster — `kill()` — loses no
 *      committed transaction, as on a real server);
 *   5. `url` is postgres://USER:PASSWORD@127.0.0.1:PORT/postgres.
 *
 * `kill()` SIGKILLs the postmaster (the database lost mid-run); `start()` starts it again on
 * the same folder and port; `stop()` is `pg_ctl stop -m fast` and removes the folder.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freeTcpPort } from './free-ports.js';
import { processAlive as alive } from './child-processes.js';

const run = promisify(execFile);
const PG_ROOT = '/usr/lib/postgresql';
const SUPERUSER = 'pia_test';
const DATABASE_NAME = /^[a-z][a-z0-9_]{0,62}$/;

export interface PostgresInstance {
  /** postgres://USER:PASSWORD@127.0.0.1:PORT/postgres (the superuser's). */
  readonly url: string;
  readonly port: number;
  readonly password: string;
  /** The folder of initdb, pg_ctl, pg_dump… this cluster runs on. */
  readonly binDir: string;
  /** The temporary folder (data, socket, server log), removed by stop(). */
  readonly folder: string;
  /** Creates an empty database (name: a-z, 0-9, _) and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** The URL of database `name` (existing or not) with the superuser's credentials. */
  urlOf(name: string): string;
  /** The running postmaster's process ID (from postmaster.pid): its children are the backends (benchmarks read their CPU time). */
  postmasterPid(): number;
  /** SIGKILLs the postmaster: the database is lost mid-run (its backends end with it). */
  kill(): Promise<void>;
  /** Starts the cluster again on the same folder and port (after kill() or stop(false)). */
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`, then removes the folder. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** How long `pg_ctl start` may wait for the server to accept connections (default 30 s). */
  readonly startTimeoutSeconds?: number;
}

/** Step 1: the newest installed PostgreSQL's bin folder. */
export function postgresBinDir(): string {
  const versions = existsSync(PG_ROOT) ? readdirSync(PG_ROOT).filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(PG_ROOT, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))[0];
  if (newest === undefined) throw new Error(`no PostgreSQL server found (no ${PG_ROOT}/*/bin/initdb): install it with 'apt-get update && apt-get install -y postgresql'`);
  return join(PG_ROOT, newest, 'bin');
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresInstance> {
  const binDir = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? await postgresUser() : undefined;
  // Step 2.
  const folder = mkdtempSync(join(tmpdir(), 'pia-pg-'));
  const data = join(folder, 'data');
  const log = join(folder, 'server.log');
  if (owner !== undefined) chownSync(folder, owner.uid, owner.gid);
  const exec = async (program: string, args: readonly string[], timeoutMs = 60_000): Promise<void> => {
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(binDir, program), ...args]] : [join(binDir, program), [...args]];
    try {
      await run(cmd, argv, { timeout: timeoutMs, cwd: folder });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
      throw new Error(`${program} ${args.join(' ')} failed: ${e.stderr ?? ''}${e.stdout ?? ''}${e.message}\n${tail}`);
    }
  };

  const password = randomText(24);
  try {
    // Step 3.
    const pwfile = join(folder, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (owner !== undefined) chownSync(pwfile, owner.uid, owner.gid);
    await exec('initdb', ['-D', data, '--no-sync', '-U', SUPERUSER, `--pwfile=${pwfile}`, '-A', 'scram-sha-256', '-E', 'UTF8', '--locale=C']);
    rmSync(pwfile);
  } catch (err) {
    rmSync(folder, { recursive: true, force: true });
    throw err;
  }

  let port = 0;
  const timeout = options.startTimeoutSeconds ?? 30;
  const pgCtlStart = (): Promise<void> =>
    exec('pg_ctl', [
      'start', '-D', data, '-w', '-t', String(timeout), '-l', log, '-o',
      `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=60 -c shared_buffers=32MB -c max_parallel_workers_per_gather=0`,
    ], (timeout + 10) * 1000);
  // Step 4: a port taken between freeTcpPort and the server's bind gets one more try.
  for (let attempt = 0; ; attempt++) {
    port = await freeTcpPort();
    try {
      await pgCtlStart();
      break;
    } catch (err) {
      if (attempt >= 2) {
        rmSync(folder, { recursive: true, force: true });
        throw err;
      }
    }
  }

  const urlOf = (name: string): string => `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/${name}`;
  const postmasterPid = (): number => {
    const pid = Number.parseInt(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`postmaster.pid in ${data} names no process`);
    return pid;
  };
  let stopped = false;
  return {
    url: urlOf('postgres'),
    port,
    password,
    binDir,
    folder,
    urlOf,
    async createDatabase(name: string): Promise<string> {
      if (!DATABASE_NAME.test(name)) throw new Error(`database name ${JSON.stringify(name)}: use a-z, 0-9, _ (starting with a letter)`);
      const client = new pg.Client({ connectionString: urlOf('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return urlOf(name);
    },
    postmasterPid,
    async kill(): Promise<void> {
      const pid = postmasterPid();
      process.kill(pid, 'SIGKILL');
      // Wait for the postmaster to be gone, so start() does not meet it.
      for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 25));
    },
    async start(): Promise<void> {
      // The killed postmaster's backends end as they notice its death; the new one refuses to
      // start while they still hold the shared memory: try again for a while.
      for (let attempt = 0; ; attempt++) {
        try {
          await pgCtlStart();
          return;
        } catch (err) {
          if (attempt >= 20) throw err;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      try {
        if (existsSync(join(data, 'postmaster.pid'))) await exec('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '30']);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
  };
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    throw new Error("there is no 'postgres' user to run the test cluster as (we run as root, and initdb refuses root): install it with 'apt-get install -y postgresql'");
  }
}


function randomText(n: number): string {
  const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => alphabet[b % alphabet.length]).join('');
}
