/**
 * Bench: the trusted server deciding phase 3 for a fleet (docs/protocol.md §9.4–9.5), its store
 * on SQLite (the default, the baseline) and on PostgreSQL with one and with two server
 * instances — CPU per authorization side by side in the same run.
 *
 * Flow:
 *   1. plan the fleet from one seed (trust-fleet-data.ts): 5,000 gateways, 20,000 operators,
 *      8 groups, 3 direct grants per operator and 25 gateways per group;
 *   2. load it into each engine through the store API (`addNode` / `addGrant`, 500 per
 *      `store.transaction`; PostgreSQL two transactions at once): SQLite in a file (WAL,
 *      synchronous=FULL, as `pia-trust serve` opens it), PostgreSQL in a throw-away cluster
 *      (common/test-support `startPostgres`: fsync=off, synchronous_commit on);
 *   2b. then PostgreSQL is brought to the steady state a server runs in, not the minute after a
 *      bulk load: `VACUUM ANALYZE` (what autovacuum would do on its own, in the middle of the
 *      measured run, to the tables the load just filled) and a `CHECKPOINT` (the load's WAL);
 *   3. build M P3_VOUCH messages byte for byte (gateway B vouching for operator A, both MACs
 *      made with the nodes' keys) for seeded random pairs that hold a grant — once, before any
 *      timing, the same bytes for every configuration;
 *   4. for each configuration — SQLite; PostgreSQL ×1 (one ServerAuthority on one pool);
 *      PostgreSQL ×2 (two ServerAuthority objects, each its own pool on the same database,
 *      requests alternating) — a warm-up, then the messages through `ServerAuthority.handle()`
 *      with `concurrency` in flight, until all M are answered or `seconds` have passed.
 *      Each authority has its own in-memory audit log (common/audit createMemoryAuditLog: the
 *      same hash chain as the file log, without the file's fsync) and rate limits far above
 *      the load (ServerAuthorityDeps.rateLimits), so neither caps the run;
 *   5. measured: authorizations per second (wall), p50/p99 latency of `handle()`, and CPU per
 *      authorization = this process's CPU (process.cpuUsage) + for PostgreSQL the server's
 *      (postmaster and children, /proc: trust-fleet-cpu.ts) over the same interval;
 *   6. checked afterwards: every verdict is "granted", no request was rate limited, one audit
 *      record per authorization.
 * The ratio line: PostgreSQL CPU per authorization ÷ SQLite's (target ≤ 1.5).
 *
 * Run: npx tsx bench/trust-fleet.ts [--gateways 5000] [--operators 20000] [--groups 8]
 *        [--seconds 20] [--authorizations 30000] [--concurrency 16] [--quick]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { systemClock } from '../common/index.js';
import { createMemoryAuditLog, fromSyncAuditLog, type MemoryAuditLog } from '../common/audit/index.js';
import { startPostgres } from '../common/test-support/index.js';
import { decodeP3, P3Status, type P3Verdict } from '../pia/phase3/index.js';
import { ServerAuthority } from '../trust-server/index.js';
import { MasterKey, openPostgresStore, openSqliteStore, type TrustStore } from '../trust-server/store/index.js';
import { processTreeCpuMs } from './trust-fleet-cpu.js';
import { buildVouches, loadFleet, planFleet, type FleetPlan, type LoadTimes } from './trust-fleet-data.js';
import { parseFleetArgs, type FleetBenchOptions } from './trust-fleet-args.js';

export type { FleetBenchOptions } from './trust-fleet-args.js';

const NOW = new Date('2026-01-15T12:00:00Z');
/** Loading transactions in flight on PostgreSQL (each on its own connection; SQLite takes them in turn); 4 loaded no faster than 2 on two cores. */
const PG_LOAD_TRANSACTIONS = 2;
const UNCAPPED = { perSourcePerSecond: 1e9, perIdPerSecond: 1e9, serverPerSecond: 1e9 } as const;

export interface ConfigResult {
  readonly name: string;
  readonly authorizations: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly processCpuMs: number;
  /** The database server's CPU over the run (0 for SQLite: it runs in this process). */
  readonly dbCpuMs: number;
  readonly cpuMsPerAuthorization: number;
  /** Audit records written during the run (warm-up excluded). */
  readonly auditRecords: number;
}

export interface FleetBenchResult {
  readonly gateways: number;
  readonly operators: number;
  readonly groups: number;
  /** Grants planned, and as listed back from each engine after loading. */
  readonly grants: number;
  readonly grantsLoaded: { readonly sqlite: number; readonly postgres: number };
  readonly load: { readonly sqlite: LoadTimes; readonly postgres: LoadTimes };
  readonly configs: readonly ConfigResult[];
  /** PostgreSQL ×1 CPU per authorization ÷ SQLite's (target ≤ 1.5). */
  readonly ratio: number;
  /** PostgreSQL ×2 CPU per authorization ÷ SQLite's. */
  readonly ratioTwo: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

function authorityOn(store: TrustStore, plan: FleetPlan): { authority: ServerAuthority; audit: MemoryAuditLog } {
  const audit = createMemoryAuditLog({ now: () => NOW });
  const authority = new ServerAuthority({
    store, audit: fromSyncAuditLog(audit), serverId: plan.server.id, clock: systemClock(), now: () => NOW,
    random: (n) => new Uint8Array(randomBytes(n)), log: () => undefined, rateLimits: UNCAPPED,
  });
  return { authority, audit };
}

interface Drive {
  readonly done: number;
  readonly latencies: number[];
  readonly replies: Array<Uint8Array | undefined>;
  readonly wallMs: number;
}

/** Step 4: `messages` through the authorities (request i to authority i mod n), `concurrency` in flight. */
async function drive(authorities: readonly ServerAuthority[], messages: readonly Uint8Array[], concurrency: number, seconds: number): Promise<Drive> {
  const latencies: number[] = [];
  const replies: Array<Uint8Array | undefined> = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < messages.length && performance.now() < end) {
      const i = next++;
      const authority = authorities[i % authorities.length] as ServerAuthority;
      const t0 = performance.now();
      const answer = await authority.handle(messages[i] as Uint8Array, {
        peer: { address: '2001:db8::b', port: 1024 + (i % 60_000) }, transcript: undefined, dhSecret: undefined, reserveSpi: () => 0x1234_5678,
      });
      latencies.push(performance.now() - t0);
      replies[i] = answer.reply;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { done: latencies.length, latencies, replies, wallMs: performance.now() - start };
}

/** Steps 4–6 for one configuration. */
async function measure(name: string, stores: readonly TrustStore[], plan: FleetPlan, messages: readonly Uint8Array[], o: FleetBenchOptions, dbPid: number | undefined): Promise<ConfigResult> {
  const parts = stores.map((s) => authorityOn(s, plan));
  const authorities = parts.map((p) => p.authority);
  await drive(authorities, messages.slice(0, o.warmup), o.concurrency, o.seconds); // warm-up (JIT, caches, pool connections)
  const auditBefore = parts.reduce((n, p) => n + p.audit.lines.length, 0);
  const timed = messages.slice(o.warmup);
  const db0 = dbPid === undefined ? 0 : processTreeCpuMs(dbPid);
  const cpu0 = process.cpuUsage();
  const run = await drive(authorities, timed, o.concurrency, o.seconds);
  const cpu = process.cpuUsage(cpu0);
  const dbCpuMs = dbPid === undefined ? 0 : processTreeCpuMs(dbPid) - db0;
  // Step 6.
  let granted = 0;
  for (const reply of run.replies) if (reply !== undefined && (decodeP3(reply) as P3Verdict).status === P3Status.Granted) granted++;
  if (granted !== run.done) throw new Error(`${name}: ${run.done - granted} of ${run.done} authorizations were not granted; every pair asked about holds a grant, so the fleet or the store is wrong`);
  const limited = parts.reduce((n, p) => n + p.authority.counters.rateLimited, 0);
  if (limited > 0) throw new Error(`${name}: ${limited} requests were rate limited; raise the bench's rate limits`);
  const auditRecords = parts.reduce((n, p) => n + p.audit.lines.length, 0) - auditBefore;
  const sorted = [...run.latencies].sort((a, b) => a - b);
  const processCpuMs = (cpu.user + cpu.system) / 1000;
  return {
    name, authorizations: run.done, seconds: run.wallMs / 1000, perSecond: run.done / (run.wallMs / 1000),
    p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99),
    processCpuMs, dbCpuMs, cpuMsPerAuthorization: (processCpuMs + dbCpuMs) / run.done, auditRecords,
  };
}

/** Step 2b: statistics and a checkpoint now, so that neither autovacuum nor the load's checkpoint runs inside a measured window. */
async function settle(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('VACUUM ANALYZE');
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}

export async function main(options: Partial<FleetBenchOptions> = {}): Promise<FleetBenchResult> {
  const o = parseFleetArgs([], options);
  const plan = planFleet(o);
  console.log(`Trusted-server fleet: ${o.gateways} gateways, ${o.operators} operators, ${o.groups} groups, ${plan.grants.length} grants (one seed: the same fleet on each engine)`);
  console.log(`P3_VOUCH → ServerAuthority.handle(): up to ${o.authorizations} authorizations or ${o.seconds} s per configuration, ${o.concurrency} in flight, after ${o.warmup} warm-up; in-memory audit log per instance`);
  const masterKey = MasterKey.fromBytes(new Uint8Array(randomBytes(32)));
  const messages = await buildVouches(plan, o.warmup + o.authorizations);
  const folder = mkdtempSync(join(tmpdir(), 'pia-fleet-'));
  const cluster = await startPostgres();
  const opened: TrustStore[] = [];
  try {
    const sqlite = openSqliteStore({ path: join(folder, 'trust.sqlite'), masterKey });
    opened.push(sqlite);
    const fmt = (l: LoadTimes): string => `nodes ${(l.nodesMs / 1000).toFixed(1)} s + grants ${(l.grantsMs / 1000).toFixed(1)} s`;
    const sqliteLoad = await loadFleet(sqlite, plan, NOW, 1);
    console.log(`load (addNode/addGrant, 500 per transaction): sqlite ${fmt(sqliteLoad)}`);
    const url = await cluster.createDatabase('fleet');
    const pg1 = await openPostgresStore({ url, masterKey });
    opened.push(pg1);
    const pgLoad = await loadFleet(pg1, plan, NOW, PG_LOAD_TRANSACTIONS);
    const grantsLoaded = { sqlite: (await sqlite.listGrants()).length, postgres: (await pg1.listGrants()).length };
    console.log(`load (addNode/addGrant, 500 per transaction): postgres ${fmt(pgLoad)} (${PG_LOAD_TRANSACTIONS} transactions at once)`);
    await settle(url); // step 2b

    const pid = cluster.postmasterPid();
    const configs: ConfigResult[] = [];
    configs.push(await measure('sqlite (file, WAL)', [sqlite], plan, messages, o, undefined));
    configs.push(await measure('postgres ×1 (1 pool)', [pg1], plan, messages, o, pid));
    const pg2 = await openPostgresStore({ url, masterKey });
    opened.push(pg2);
    configs.push(await measure('postgres ×2 (2 pools)', [pg1, pg2], plan, messages, o, pid));

    console.log('configuration             auth/s   p50 ms   p99 ms   CPU ms/auth = process + database');
    for (const c of configs) {
      const split = `${(c.processCpuMs / c.authorizations).toFixed(3)} + ${(c.dbCpuMs / c.authorizations).toFixed(3)}`;
      console.log(`${c.name.padEnd(24)} ${c.perSecond.toFixed(0).padStart(7)} ${c.p50Ms.toFixed(2).padStart(8)} ${c.p99Ms.toFixed(2).padStart(8)}   ${c.cpuMsPerAuthorization.toFixed(3).padStart(6)} = ${split}   (${c.authorizations} in ${c.seconds.toFixed(1)} s)`);
    }
    const [base, one, two] = configs as [ConfigResult, ConfigResult, ConfigResult];
    const ratio = one.cpuMsPerAuthorization / base.cpuMsPerAuthorization;
    const ratioTwo = two.cpuMsPerAuthorization / base.cpuMsPerAuthorization;
    console.log(`CPU per authorization ÷ SQLite's: postgres ×1 ${ratio.toFixed(2)} (target ≤ 1.5), postgres ×2 ${ratioTwo.toFixed(2)}`);
    return { gateways: o.gateways, operators: o.operators, groups: o.groups, grants: plan.grants.length, grantsLoaded, load: { sqlite: sqliteLoad, postgres: pgLoad }, configs, ratio, ratioTwo };
  } finally {
    for (const s of opened.reverse()) await s.close().catch(() => undefined);
    await cluster.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let options: FleetBenchOptions;
  try {
    options = parseFleetArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`trust-fleet: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
  await main(options);
}
