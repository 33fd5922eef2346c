/**
 * Two `pia-trust serve` processes on one PostgreSQL database, each with its own PIA endpoint
 * (docs/protocol.md §9.12), and a stream of phase-3 exchanges from many nodes over real UDP:
 * operators (a fresh node per exchange) reaching two gateways that vouch to the server. Mid-
 * stream, the instance a gateway vouches through is killed with SIGKILL.
 *
 * Must hold: every exchange of the stream reaches phase 3 (the gateways' resent vouches go to
 * the other instance); the audit chain both instances wrote verifies; no record is lost (each
 * completed exchange has its granted record) or written twice (every line distinct, seq
 * 1…n without a gap), and an exchange has two records only when the killed instance decided it
 * and its verdict never left (at most the exchanges in flight at the kill).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../common/index.js';
import { freeUdpPorts, startPostgres, type PostgresInstance } from '../../common/test-support/index.js';
import { loadIdentity, type LoadedIdentity } from '../../pia/credential/index.js';
import { MemoryLatchStore } from '../../pia/discovery/index.js';
import { PiaNode, openUdpTransport, type Endpoint } from '../../pia/node/index.js';
import { cli, startTrust, stopAll, type TrustProcess } from '../test-support/index.js';

const OPERATORS = 12;
const EXCHANGES = 160;
const WORKERS = 6;
const KILL_AFTER = 40;

let cluster: PostgresInstance;
let root: string;
const env = { PIA_TRUST_MASTER_KEY: randomBytes(32).toString('base64') };

beforeAll(async () => {
  cluster = await startPostgres();
  root = mkdtempSync(join(tmpdir(), 'pia-trust-fleet-'));
});
afterAll(async () => {
  await stopAll();
  rmSync(root, { recursive: true, force: true });
  await cluster.stop();
});

async function node(identity: LoadedIdentity): Promise<PiaNode> {
  return new PiaNode({
    transport: await openUdpTransport({ address: '::1', port: 0 }),
    clock: systemClock(),
    latches: new MemoryLatchStore(),
    phase3: { identity: identity.identity, trustServers: identity.trustServers, trustServerId: identity.serverId },
  });
}

interface Instances {
  readonly url: string;
  readonly endpoints: Endpoint[];
  readonly states: string[];
  readonly instances: TrustProcess[];
}

/** Two `pia-trust serve` on a new database, each on its own PIA port, both advertising both. */
async function startInstances(database: string): Promise<Instances> {
  const url = await cluster.createDatabase(database);
  const base = await freeUdpPorts(2);
  const endpoints: Endpoint[] = [{ address: '::1', port: base }, { address: '::1', port: base + 1 }];
  const advertise = endpoints.flatMap((e) => ['--advertise', `[${e.address}]:${e.port}`]);
  const states = [join(root, `${database}-one`), join(root, `${database}-two`)];
  // The first start makes the schema and the server's identity; the second joins it.
  const instances: TrustProcess[] = [];
  for (const [i, e] of endpoints.entries()) {
    const p = startTrust(['serve', '--state', states[i] as string, '--database', url, '--pia', `[::1]:${e.port}`, '--admin', '0', ...advertise], env);
    await p.waitFor(/admin API on (http:\/\/[^ ]+) /, 30_000);
    instances.push(p);
  }
  return { url, endpoints, states, instances };
}

function registrar(state: string): { admin: (...args: string[]) => Promise<string>; register: (kind: string, label: string) => Promise<{ id: string; identity: LoadedIdentity }> } {
  const admin = async (...args: string[]): Promise<string> => {
    const r = await cli([...args, '--state', state]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };
  const register = async (kind: string, label: string): Promise<{ id: string; identity: LoadedIdentity }> => {
    const file = join(root, `${label}-${randomBytes(3).toString('hex')}.json`);
    await admin('node', 'add', '--kind', kind, '--label', label, '--out', file);
    return { id: (JSON.parse(readFileSync(file, 'utf8')) as { id: string }).id, identity: loadIdentity(file) };
  };
  return { admin, register };
}

describe('two trusted-server instances on one PostgreSQL (§9.12)', () => {
  it('a stream of phase-3 exchanges from many nodes survives kill -9 of one instance; the audit chain verifies, nothing lost or doubled', async () => {
    const { url, endpoints, states, instances } = await startInstances('fleet');
    const { register, admin } = registrar(states[0] as string);
    const gateways = [await register('gateway', 'gateway-a'), await register('gateway', 'gateway-b')];
    expect(gateways[0]?.identity.trustServers).toHaveLength(2); // the credential names both endpoints
    const gatewayNodes = await Promise.all(gateways.map((g) => node(g.identity)));
    const operators: { id: string; identity: LoadedIdentity }[] = [];
    for (let i = 0; i < OPERATORS; i++) {
      const op = await register('operator', `operator-${i}`);
      for (const g of gateways) await admin('grant', 'add', '--subject', op.id, '--gateway', g.id, '--devices', '*', '--rights', 'read');
      operators.push(op);
    }

    // The stream: WORKERS at a time, each exchange a fresh operator node reaching a gateway.
    const completed = new Map<string, number>(); // "operator gateway" → exchanges at phase 3
    const inFlightAtKill = new Set<string>();
    const inFlight = new Set<string>();
    let done = 0;
    let killed: number | undefined;
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let n = next++; n < EXCHANGES; n = next++) {
        const op = operators[n % OPERATORS]!;
        const gi = Math.floor(n / OPERATORS) % 2;
        const gw = gatewayNodes[gi]!;
        const key = `${op.id} ${gateways[gi]!.id}`;
        const a = await node(op.identity);
        inFlight.add(key);
        try {
          await a.connect(gw.local);
          await a.phase3Ready(gw.local, 60_000);
          completed.set(key, (completed.get(key) ?? 0) + 1);
        } finally {
          inFlight.delete(key);
          await a.close();
        }
        done++;
        if (done === KILL_AFTER && killed === undefined) {
          // kill -9 the instance gateway-a vouches through now, mid-stream
          const current = gatewayNodes[0]!.trustServer();
          killed = endpoints.findIndex((e) => e.port === current?.port);
          for (const k of inFlight) inFlightAtKill.add(k);
          instances[killed]!.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    expect(killed).toBeGreaterThanOrEqual(0);
    expect(await instances[killed!]!.exited).toBe('SIGKILL');
    expect(done).toBe(EXCHANGES);
    // gateway-a moved on to the instance still running
    expect(gatewayNodes[0]!.trustServer()).toEqual(endpoints[1 - killed!]);
    for (const g of gatewayNodes) await g.close();

    // The chain both instances wrote: it verifies, seq 1…n, no line twice.
    const verify = await cli(['audit', 'verify', '--database', url]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const rows = (await client.query<{ seq: string; line: string }>('SELECT seq::text AS seq, line FROM audit_log ORDER BY audit_log.seq')).rows;
    await client.end();
    expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i + 1));
    expect(new Set(rows.map((r) => r.line)).size).toBe(rows.length);
    const granted = new Map<string, number>();
    for (const r of rows) {
      const rec = JSON.parse(r.line) as { event: string; direct?: boolean; requester?: string; responder?: string };
      if (rec.event !== 'phase3-granted' || rec.direct === true) continue;
      const key = `${rec.requester} ${rec.responder}`;
      granted.set(key, (granted.get(key) ?? 0) + 1);
    }
    // Not lost: every completed exchange has its record. Not doubled: a second record only
    // for a pair that had an exchange in flight when the instance died.
    for (const [key, n] of completed) {
      const records = granted.get(key) ?? 0;
      expect(records, key).toBeGreaterThanOrEqual(n);
      expect(records - n, key).toBeLessThanOrEqual(inFlightAtKill.has(key) ? 1 : 0);
    }
    expect([...completed.values()].reduce((s, n) => s + n, 0)).toBe(EXCHANGES);
    expect(instances[1 - killed!]!.stderr()).not.toMatch(/unhandled|TypeError|ReferenceError/i);
  }, 240_000);

  it('a node revoked through one instance: the instance that vouched for its associations tells the gateway (NOTIFY between them)', async () => {
    const { endpoints, states, instances } = await startInstances('fleet_revoke');
    const { register, admin } = registrar(states[0] as string);
    const gw = await register('gateway', 'gateway-r');
    const op = await register('operator', 'operator-r');
    await admin('grant', 'add', '--subject', op.id, '--gateway', gw.id, '--devices', '*', '--rights', 'read');
    const gwNode = await node(gw.identity);
    const a = await node(op.identity);
    await a.connect(gwNode.local);
    await a.phase3Ready(gwNode.local, 30_000);
    const vouched = endpoints.findIndex((e) => e.port === gwNode.trustServer()?.port);
    const other = 1 - vouched;
    const revoked = await cli(['node', 'revoke', op.id, '--state', states[other] as string]);
    expect(revoked.code, revoked.stderr).toBe(0);
    await instances[vouched]!.waitFor(new RegExp(`node ${op.id} revoked: telling gateway\\(s\\) ${gw.id} now`), 10_000);
    await a.close();
    await gwNode.close();
  }, 120_000);
});
