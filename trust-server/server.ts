/**
 * `pia-trust serve`'s work as a library: the state directory, the store, the audit log, the
 * phase-3 service on a PIA node, and the admin API.
 *
 * Start:
 *   1. state directory (0700), master key (env, file, or created on the very first start),
 *      admin token (created on first start) — state-dir.ts, admin-token.ts;
 *   2. the store: the state directory's SQLite file, or PostgreSQL with `database` (serve
 *      --database; docs/trust-server.md); a master key that does not open the database is
 *      refused here, and so is a database out of reach (StoreError 'unavailable'); the audit
 *      log (the chain continues from its last record): on PostgreSQL the database's
 *      audit_log table, one chain for every server (store/pg-audit.ts), else the state
 *      directory's file;
 *   3. the server's own identity (kind server), made and audited on the first start;
 *   4. the PIA node on --pia with the --suite list, else the CPU's order (logged once), its
 *      authority answering P3_VOUCH, P3_REQ and ENROLL (authority.ts),
 *      every ticket capped at --ticket-lifetime (default 600 s, docs/protocol.md §9.6); the
 *      gateways' /pia/report on it (reports/, §9.9) into the store; revocation notices
 *      (revocations/, §9.11), and with a database the channel that shares withdrawn access
 *      with the other instances on it (store/pg-withdrawals.ts, §9.12);
 *   5. the admin API on --admin (loopback unless allowed otherwise); its URL written to the
 *      state directory for the CLI;
 *   6. with --web only: MyNet Manager's HTTPS listener (web/), its certificate given or
 *      self-signed in the state directory, logins checked by the LoginVerifier, the page and
 *      the session JSON API over the same store and audit log (an account the admin API
 *      disables or removes loses its sessions).
 * Close: in reverse; the admin-url file is removed, so the CLI says the server is down.
 *
 * Must hold: no log line carries a key, a token or the master key; whatever was opened before
 * a failed step is closed again.
 */
import { isIPv4 } from 'node:net';
import { fileURLToPath } from 'node:url';
import { systemClock, type Clock } from '../common/index.js';
import { fromSyncAuditLog, openFileAuditLog, type AsyncAuditLog } from '../common/audit/index.js';
import { FileLatchStore } from '../pia/discovery/index.js';
import { PiaNode, openUdpTransport, type DatagramTransport, type Endpoint, type UdpTransportOptions } from '../pia/node/index.js';
import { describeSuiteChoice, suiteChoice, type SuiteId } from '../pia/index.js';
import { AdminApi } from './admin-api.js';
import { startAdminHttp, hostPort, type AdminHttp } from './admin-http.js';
import { ensureAdminToken } from './admin-token.js';
import { ServerAuthority } from './authority.js';
import { grantsOneWay } from './authority-reads.js';
import { NODE_KEY_BYTES } from '../pia/credential/index.js';
import { checkTicketLifetime, MAX_TICKET_LIFETIME_S } from '../pia/phase3/index.js';
import { newNodeIdText, systemRandom, type RandomBytes } from './node-ids.js';
import { ensureStateDir, openMasterKey, removeAdminUrl, StateError, writeAdminUrl, type StatePaths } from './state-dir.js';
import { LoginVerifier, PasswordHasher } from './accounts/index.js';
import { StaticAssets } from '../common/http/index.js';
import { PAGE_DIR } from './web/page-assets.js';
import { startWebServer } from './web/server.js';
import { SessionTable } from './web/sessions.js';
import { loadWebCertificate, type CertificateMaker } from './web/tls.js';
import { ReportEndpoint, type ReportSink } from './reports/index.js';
import { openRevocations, VouchTracker, type Revocations, type Withdrawal } from './revocations/index.js';
import { openPostgresAuditLog, openPostgresStore, openWithdrawalChannel, openSqliteStore, StoreError, type GatewayReport, type MasterKey, type NodeRecord, type StoreEngine, type TrustStore } from './store/index.js';

export interface TrustServerOptions {
  readonly stateDir: string;
  /** A PostgreSQL URL (serve --database): the store there instead of the state directory's trust.db. */
  readonly database?: string;
  /** The PIA UDP bind (default [::]:4500 in the CLI; port 0 = any free port). */
  readonly pia: Endpoint;
  /** The admin API bind (default 127.0.0.1:4580 in the CLI; port 0 = any free port). */
  readonly admin: Endpoint;
  /** The PIA endpoint credentials name; default the bind, or loopback for a wildcard bind. */
  readonly advertise?: Endpoint;
  /** Further endpoints of this server credentials name (other instances on the same database, docs/protocol.md §9.12). */
  readonly alternates?: readonly Endpoint[];
  readonly allowRemoteAdmin?: boolean;
  /** MyNet Manager's HTTPS listener; off when absent. */
  readonly web?: WebListenerOptions;
  /**
   * The longest phase-3 ticket granted, 1–600 s (default 600, docs/protocol.md §9.6): the bound
   * on how long an existing association keeps a removed grant or a revoked node's access.
   */
  readonly ticketLifetimeS?: number;
  /** The PIA suites, preferred first (--suite); default both in the CPU's order (pia/suite-order.ts), logged at start. */
  readonly suites?: readonly SuiteId[];
  /** Default /proc/cpuinfo (the CPU's suite order). */
  readonly readCpuinfo?: () => string;
  /** Where gateway reports go (docs/protocol.md §9.9) instead of the store (tests). */
  readonly reportSink?: ReportSink;
  /** PIA_TRUST_MASTER_KEY and PIA_KEYLOG are read here. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (level: 'info' | 'warn', message: string) => void;
  readonly clock?: Clock;
  readonly now?: () => Date;
  readonly random?: RandomBytes;
  readonly openTransport?: (options: UdpTransportOptions) => Promise<DatagramTransport>;
}

export interface WebListenerOptions {
  readonly bind: Endpoint;
  /** Both or neither; neither → the state directory's self-signed pair (made at first use). */
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly makeCertificate?: CertificateMaker;
}

export interface TrustServer {
  readonly serverId: string;
  readonly paths: StatePaths;
  /** Where the PIA socket is bound, and what credentials name. */
  readonly pia: Endpoint;
  readonly advertised: Endpoint;
  readonly adminUrl: string;
  readonly node: PiaNode;
  readonly firstStart: boolean;
  /** The store's engine and where its data lives (a PostgreSQL URL without its password). */
  readonly store: { readonly engine: StoreEngine; readonly location: string };
  /** The longest ticket this server grants (s): a removed grant stops working within it. */
  readonly ticketLifetimeS: number;
  /** /pia/report on the PIA node: gateways' device lists and health (its counters; the newest report per gateway). */
  readonly reports: { readonly endpoint: ReportEndpoint; latest(gatewayId: string): Promise<GatewayReport | undefined> };
  /** Revocation notices to the gateways (docs/protocol.md §9.11): `withdraw` is the one call for any change that withdraws access. */
  readonly revocations: Revocations;
  /** MyNet Manager's URL and certificate fingerprint, when --web is on. */
  readonly web?: { readonly url: string; readonly fingerprint: string; readonly certCreated: boolean };
  close(): Promise<void>;
}

/** Starts everything; throws StateError (state, master key, store) or Error (ports) after closing what it opened. */
export async function startTrustServer(o: TrustServerOptions): Promise<TrustServer> {
  const now = o.now ?? ((): Date => new Date());
  const random = o.random ?? systemRandom;
  const clock = o.clock ?? systemClock();
  const warn = (m: string): void => o.log('warn', m);
  const closers: (() => void | Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.reverse()) await c();
    closers.length = 0;
  };
  const ticketLifetimeS = serverTicketLifetime(o.ticketLifetimeS);
  try {
    const paths = ensureStateDir(o.stateDir, warn);
    const master = openMasterKey(paths, o.env, random);
    const token = ensureAdminToken(paths.adminToken, random);
    const store = await openStore(paths, master.key, o.database);
    closers.push(() => store.close());
    const audit = await openAudit(paths, o.database, now, warn);
    closers.push(() => audit.close());
    const self = await ensureServerIdentity(store, audit, random, now);

    const latches = await FileLatchStore.open({ file: paths.latches, log: warn });
    closers.push(() => latches.flush().catch((e: Error) => warn(`latch store: ${e.message}`)));
    const transport = await (o.openTransport ?? openUdpTransport)({ address: o.pia.address, port: o.pia.port, onError: (e) => warn(`PIA socket: ${e.message}`) });
    const tracker = new VouchTracker();
    const authority = new ServerAuthority({ store, audit, serverId: self.id, clock, now, random, log: o.log, ticketLifetimeS, onGranted: (a, b, s) => tracker.record(a, b, s, clock.now()) });
    const keyLogPath = o.env.PIA_KEYLOG;
    let node: PiaNode;
    try {
      const suites = suiteChoice(o.suites, '--suite', o.readCpuinfo);
      o.log('info', describeSuiteChoice(suites, '--suite, preferred first, e.g. --suite aes-gcm,chacha20'));
      node = new PiaNode({ transport, clock, latches, suites: suites.suites, logger: { info: (m) => o.log('info', m), warn }, phase3: { authority }, ...(keyLogPath === undefined || keyLogPath === '' ? {} : { keyLogPath }) });
    } catch (err) {
      await transport.close();
      throw err;
    }
    closers.push(() => node.close());
    const reports = openReports(o, node, store, clock, now, ticketLifetimeS);
    closers.push(() => reports.endpoint.close());
    const bound = node.local;
    const advertised = o.advertise ?? advertisedEndpoint(bound);
    if (o.advertise === undefined && advertised.address !== bound.address) {
      warn(`PIA bound to the wildcard ${hostPort(bound.address, bound.port)}: credentials will name ${hostPort(advertised.address, advertised.port)}, reachable from this host only; pass --advertise ADDR:PORT with the address nodes reach this server at`);
    }
    const sessions = new SessionTable(clock);
    const revocations = openRevocations({ node, clock, tracker, ticketLifetimeS, log: o.log, wallNow: () => now().getTime() });
    closers.push(() => revocations.close());
    const withdraw = await openSharedWithdrawals(o.database, revocations, o.log, closers);
    const api = new AdminApi({ store, audit, now, random, server: { address: advertised.address, port: advertised.port, id: self.id, ...(o.alternates === undefined || o.alternates.length === 0 ? {} : { alternates: o.alternates }) }, endSessions: (name) => void sessions.endAccount(name), ticketLifetimeS, accessWithdrawn: withdraw });
    const http: AdminHttp = await startAdminHttp({ address: o.admin.address, port: o.admin.port, token, api, allowRemote: o.allowRemoteAdmin === true, log: o.log });
    closers.push(() => http.close());
    writeAdminUrl(paths, http.url);
    closers.push(() => removeAdminUrl(paths));
    let web: TrustServer['web'];
    if (o.web !== undefined) {
      const w = o.web;
      const cert = loadWebCertificate({ stateDir: paths.dir, ...(w.certFile === undefined ? {} : { certFile: w.certFile }), ...(w.keyFile === undefined ? {} : { keyFile: w.keyFile }), ...(w.makeCertificate === undefined ? {} : { makeCertificate: w.makeCertificate }) });
      const login = new LoginVerifier({ store, audit, clock });
      closers.push(() => login.flush());
      const listener = await startWebServer({
        address: w.bind.address,
        port: w.bind.port,
        tls: { cert: cert.cert, key: cert.key },
        login,
        sessions,
        audit,
        log: o.log,
        api: { admin: api, store, audit, now, hasher: new PasswordHasher() },
        assets: StaticAssets.load(fileURLToPath(PAGE_DIR)),
        ticketLifetimeS,
      });
      closers.push(() => listener.close());
      web = { url: listener.url, fingerprint: cert.fingerprint, certCreated: cert.created };
    }
    return {
      ...(web === undefined ? {} : { web }),
      serverId: self.id,
      paths,
      pia: bound,
      advertised,
      adminUrl: http.url,
      node,
      firstStart: master.created,
      store: { engine: store.engine, location: store.location },
      ticketLifetimeS,
      reports,
      revocations,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** Step 4: the gateways' /pia/report (reports/) into the store (TrustStore.recordGatewayReport), and their /pia/grants queries (§9.10). */
function openReports(o: TrustServerOptions, node: PiaNode, store: TrustStore, clock: Clock, now: () => Date, ticketLifetimeS: number): TrustServer['reports'] {
  const endpoint = new ReportEndpoint({
    node,
    clock,
    now,
    sink: o.reportSink ?? store,
    log: o.log,
    isActiveGateway: async (id) => {
      const n = await store.getNode(id);
      return n?.kind === 'gateway' && n.status === 'active';
    },
    grants: {
      maxLifetimeS: ticketLifetimeS,
      lookup: async (subject, gateway) => {
        const n = await store.getNode(subject);
        if (n === undefined || n.status !== 'active') return { found: false };
        return { found: true, label: n.label, offers: await grantsOneWay(store, subject, gateway, now()) };
      },
    },
  });
  return { endpoint, latest: (id) => store.gatewayReport(id) };
}

/** TrustServerOptions.ticketLifetimeS, checked before anything opens (a RangeError naming the range). */
function serverTicketLifetime(seconds: number | undefined): number {
  return seconds === undefined ? MAX_TICKET_LIFETIME_S : checkTicketLifetime(seconds);
}

/** Step 2's audit log: the database's audit_log table with `database`, else the state directory's file. */
async function openAudit(paths: StatePaths, database: string | undefined, now: () => Date, warn: (m: string) => void): Promise<AsyncAuditLog> {
  try {
    return database === undefined ? fromSyncAuditLog(openFileAuditLog(paths.audit, { now, warn })) : await openPostgresAuditLog({ url: database, now });
  } catch (err) {
    if (err instanceof StoreError) throw new StateError(err.message, { cause: err });
    throw err;
  }
}

/**
 * Where withdrawn access goes (docs/protocol.md §9.11, §9.12): with a database, to every
 * instance on it (pg-withdrawals.ts), this one included; without, or while that channel is
 * down, to this instance's own revocation notices.
 */
async function openSharedWithdrawals(database: string | undefined, revocations: Revocations, log: TrustServerOptions['log'], closers: (() => void | Promise<void>)[]): Promise<(w: Withdrawal) => void> {
  if (database === undefined) return (w) => void revocations.withdraw(w);
  const channel = await openWithdrawalChannel({ url: database, onWithdrawal: (w) => void revocations.withdraw(w), log });
  closers.push(() => channel.close());
  return (w) =>
    void channel.publish(w).catch((e: unknown) => {
      log('warn', `withdrawal not shared with the other server instances (${e instanceof Error ? e.message : String(e)}); telling this instance's gateways only, the others' converge at their next rekey`);
      revocations.withdraw(w);
    });
}

/** Step 2: PostgreSQL when `database` (a URL) is given, else the state directory's SQLite file. */
async function openStore(paths: StatePaths, masterKey: MasterKey, database: string | undefined): Promise<TrustStore> {
  try {
    return database === undefined ? openSqliteStore({ path: paths.database, masterKey }) : await openPostgresStore({ url: database, masterKey });
  } catch (err) {
    if (err instanceof StoreError) throw new StateError(err.message, { cause: err });
    throw err;
  }
}

/** The server's own node (kind server): made, with a random key, and audited on the first start. */
async function ensureServerIdentity(store: TrustStore, audit: AsyncAuditLog, random: RandomBytes, now: () => Date): Promise<NodeRecord> {
  const existing = (await store.listNodes()).find((n) => n.kind === 'server');
  if (existing !== undefined) return existing;
  const key = random(NODE_KEY_BYTES);
  try {
    return await store.transaction(async (tx) => {
      const node = await tx.addNode({ id: newNodeIdText(random), kind: 'server', label: 'trusted server', key }, now());
      await audit.append('node-enrolled', { nodeId: node.id, kind: node.kind, label: node.label, by: 'first-start' });
      return node;
    });
  } finally {
    key.fill(0);
  }
}

/** A wildcard bind is reached over loopback from this host; anything else as bound. */
function advertisedEndpoint(bound: Endpoint): Endpoint {
  if (bound.address === '::') return { address: '::1', port: bound.port };
  if (bound.address === '0.0.0.0') return { address: '127.0.0.1', port: bound.port };
  return { address: isIPv4(bound.address) ? bound.address : bound.address.split('%')[0] ?? bound.address, port: bound.port };
}
