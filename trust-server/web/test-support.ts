/**
 * A MyNet Manager listener for the web tests (not exported from index.ts): plain HTTP on
 * loopback over an in-memory store and audit log, three accounts (admin root, owners alice and
 * bob), each owner with a gateway (with a report) and an operator, and one grant on each gateway.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { createMemoryAuditLog, type MemoryAuditLog } from '../../common/audit/index.js';
import { ManualClock } from '../../common/index.js';
import { LoginVerifier } from '../accounts/index.js';
import { countingHasher } from '../accounts/test-support.js';
import { AdminApi } from '../admin-api.js';
import { MasterKey, openSqliteStore, type GrantRecord, type NodeRecord, type TrustStore } from '../store/index.js';
import { startWebServer, type WebServer } from './server.js';
import { SessionTable } from './sessions.js';

export const PASSWORD = 'correct-horse-battery';

/** A CertificateMaker that writes the checked-in test pair (test-fixtures/) instead of running openssl. */
export function fixtureCertificate(keyFile: string, certFile: string): void {
  const fixture = (f: string): string => readFileSync(new URL(`./test-fixtures/${f}`, import.meta.url), 'utf8');
  writeFileSync(keyFile, fixture('test-key.pem'), { mode: 0o600 });
  writeFileSync(certFile, fixture('test-cert.pem'));
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly json: Record<string, unknown>;
}

export interface Login {
  readonly cookie: string;
  readonly csrf: string;
}

export interface WebFixture {
  readonly url: string;
  readonly store: TrustStore;
  readonly audit: MemoryAuditLog;
  readonly clock: ManualClock;
  readonly web: WebServer;
  readonly nodes: { gwA: NodeRecord; opA: NodeRecord; gwB: NodeRecord; opB: NodeRecord };
  readonly grants: { onA: GrantRecord; onB: GrantRecord };
  readonly logs: string[];
  call(method: string, path: string, o?: { body?: unknown; raw?: string; as?: Login; csrf?: string | false; headers?: Record<string, string> }): Promise<Answer>;
  login(name: string, password?: string, headers?: Record<string, string>): Promise<Login>;
  close(): Promise<void>;
}

export const TICKET_S = 120;

/** `wrap`: what the server sees in place of the in-memory store (e.g. a flaky one). */
export async function startWebFixture(wrap: (store: TrustStore) => TrustStore = (s) => s): Promise<WebFixture> {
  const store = wrap(openSqliteStore({ path: ':memory:', masterKey: MasterKey.fromBytes(randomBytes(32)) }));
  const audit = createMemoryAuditLog();
  const clock = new ManualClock();
  const now = (): Date => new Date(Date.parse('2025-06-01T12:00:00Z') + clock.now());
  const { hasher } = countingHasher();
  const hash = await hasher.hash(PASSWORD);
  for (const [name, role] of [['root', 'admin'], ['alice', 'owner'], ['bob', 'owner']] as const) await store.addAccount({ name, role, passwordHash: hash }, now());
  const sessions = new SessionTable(clock);
  const admin = new AdminApi({ store, audit, now, random: randomBytes, server: { address: '::1', port: 4500, id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' }, endSessions: (n) => void sessions.endAccount(n) });
  const node = async (kind: 'gateway' | 'operator', label: string, owner: string): Promise<NodeRecord> => (await admin.addNode({ kind, label, owner })).body.node as NodeRecord;
  const nodes = { gwA: await node('gateway', 'alice-gw', 'alice'), opA: await node('operator', 'alice-op', 'alice'), gwB: await node('gateway', 'bob-gw', 'bob'), opB: await node('operator', 'bob-op', 'bob') };
  const devices = [
    { name: 'fan', kind: 'fan', status: 'ok' as const },
    { name: 'door', kind: 'door-lock', status: 'failed' as const, detail: 'no answer' },
  ];
  await store.recordGatewayReport({ gateway: nodes.gwA.id, firmware: 'a-1.0', devices, reportedAt: now().toISOString() });
  await store.recordGatewayReport({ gateway: nodes.gwB.id, firmware: 'b-2.0', devices, reportedAt: now().toISOString() });
  const grant = async (subject: NodeRecord, gateway: NodeRecord): Promise<GrantRecord> => (await admin.addGrant({ subject: subject.id, gateway: gateway.id, devices: 'fan', rights: ['read'] })).body.grant as GrantRecord;
  const grants = { onA: await grant(nodes.opA, nodes.gwA), onB: await grant(nodes.opB, nodes.gwB) };
  const logs: string[] = [];
  const login = new LoginVerifier({ store, audit, clock, hasher });
  const web = await startWebServer({ address: '127.0.0.1', port: 0, login, sessions, audit, log: (_l, m) => logs.push(m), api: { admin, store, audit, now, hasher }, ticketLifetimeS: TICKET_S });

  const call: WebFixture['call'] = (method, path, o = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...o.headers };
    if (o.as !== undefined) headers.cookie = o.as.cookie;
    const csrf = o.csrf ?? o.as?.csrf;
    if (csrf !== undefined && csrf !== false) headers['x-csrf-token'] = csrf;
    const body = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
    return new Promise((resolve, reject) => {
      // host/port/path given apart: the path goes out raw (`..` kept), as an attacker would send it.
      const req = request({ host: '127.0.0.1', port: web.port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> = {};
          try {
            json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
          } catch {
            json = { text };
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  };
  return {
    url: web.url,
    store,
    audit,
    clock,
    web,
    nodes,
    grants,
    logs,
    call,
    async login(name, password = PASSWORD, headers = {}) {
      const a = await call('POST', '/login', { body: { name, password }, headers });
      if (a.status !== 200) throw new Error(`login ${name}: ${a.status} ${JSON.stringify(a.json)}`);
      return { cookie: String(a.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '', csrf: String(a.json.csrfToken) };
    },
    async close() {
      await web.close();
      await store.close();
    },
  };
}
