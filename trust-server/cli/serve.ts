/**
 * `pia-trust serve`: start the trusted server (server.ts), say where it listens (never a key
 * or the token), log phase-3 events, and stop cleanly on SIGINT/SIGTERM (exit 0). A failure to
 * start → its message (the thing, the problem, the fix) and exit 5; a --database-file that
 * cannot be used → exit 2; the PostgreSQL database out of reach (--database) → exit 5, like any failed start.
 *
 * Under systemd (NOTIFY_SOCKET; trust-server/systemd/pia-trust.service, Type=notify):
 *  1. READY=1 with a STATUS= line once every listener is up (startTrustServer resolves only
 *     then: PIA UDP, the admin API, MyNet Manager when --web is given); never a secret in it;
 *  2. WATCHDOG=1 every WATCHDOG_USEC / 2 while serving;
 *  3. STOPPING=1 when SIGTERM (or SIGINT) arrives, before the listeners close.
 * A notification that fails is a warning on stderr (common/systemd), never fatal.
 */
import { SystemdNotifier, systemClock } from '../../common/index.js';
import { describeNodeEvent } from '../../pia/node/index.js';
import { hostPort } from '../admin-http.js';
import { startTrustServer, type TrustServer } from '../server.js';
import type { ServeCommand } from './args.js';
import { DatabaseUrlError, readDatabaseUrl } from './database-url.js';
import { ExitCode } from './exit-codes.js';
import type { TrustIo } from './io.js';

export async function runServe(cmd: ServeCommand, io: TrustIo): Promise<number> {
  const log = (level: 'info' | 'warn', message: string): void => {
    if (level === 'warn') io.stderr.write(`pia-trust: warning: ${message}\n`);
    else io.stdout.write(`pia-trust: ${message}\n`);
  };
  const clock = io.clock ?? systemClock();
  const notifier = SystemdNotifier.fromEnv({ env: io.env, clock, log: { info: (m) => log('info', m), warn: (m) => log('warn', m) } });
  let database: string | undefined;
  try {
    database = cmd.database === undefined ? undefined : readDatabaseUrl(cmd.database);
  } catch (err) {
    if (!(err instanceof DatabaseUrlError)) throw err;
    io.stderr.write(`pia-trust serve: ${err.message}\n`);
    return ExitCode.Usage;
  }
  let server: TrustServer;
  try {
    server = await startTrustServer({
      stateDir: cmd.stateDir,
      ...(database === undefined ? {} : { database }),
      pia: cmd.pia,
      admin: cmd.admin,
      ...(cmd.advertise === undefined ? {} : { advertise: cmd.advertise[0], alternates: cmd.advertise.slice(1) }),
      allowRemoteAdmin: cmd.allowRemoteAdmin,
      ...(cmd.web === undefined ? {} : { web: { bind: cmd.web, ...(cmd.webCert === undefined ? {} : { certFile: cmd.webCert }), ...(cmd.webKey === undefined ? {} : { keyFile: cmd.webKey }) } }),
      ...(cmd.ticketLifetimeS === undefined ? {} : { ticketLifetimeS: cmd.ticketLifetimeS }),
      ...(cmd.suites === undefined ? {} : { suites: cmd.suites }),
      env: io.env,
      log,
      clock,
    });
  } catch (err) {
    io.stderr.write(`pia-trust serve: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.StartFailed;
  }
  server.node.onEvent((e) => {
    if (e.kind === 'phase3-up' || e.kind === 'phase3-denied' || e.kind === 'phase3-failed' || e.kind === 'sa-up' || e.kind === 'sa-closed') log('info', describeNodeEvent(e));
  });
  const { pia, advertised, adminUrl, paths } = server;
  if (server.store.engine === 'postgres') log('info', `store: PostgreSQL ${server.store.location}`);
  if (server.firstStart) log('info', `first start: state directory ${paths.dir} created with master key ${paths.masterKey}; back it up apart from the database`);
  const named = [advertised, ...(cmd.advertise?.slice(1) ?? [])].map((e) => hostPort(e.address, e.port)).join(', ');
  log('info', `trusted server ${server.serverId} serving phase 3 on PIA ${hostPort(pia.address, pia.port)} (credentials name ${named})`);
  if (server.web !== undefined) {
    const { url, fingerprint, certCreated } = server.web;
    log('info', `MyNet Manager on ${url}; certificate SHA-256 fingerprint ${fingerprint}${certCreated ? ' (self-signed, made now in the state directory)' : ''}`);
  }
  log('info', `phase-3 tickets live at most ${server.ticketLifetimeS} s: a removed grant or a revoked node stops working within that`);
  log('info', `admin API on ${adminUrl} (bearer token in ${paths.adminToken}); audit log ${paths.audit}; Ctrl-C stops`);
  const web = server.web === undefined ? '' : `, MyNet Manager on ${server.web.url}`;
  await notifier?.ready(`serving phase 3 on PIA ${hostPort(pia.address, pia.port)}, admin API on ${adminUrl}${web}`);
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await notifier?.stopping('stopping: closing the listeners');
  await server.close();
  log('info', 'stopped');
  return ExitCode.Ok;
}
