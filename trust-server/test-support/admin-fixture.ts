/** An admin API on 127.0.0.1 (any free port) over an in-memory store and audit log, for tests. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryAuditLog, fromSyncAuditLog, type MemoryAuditLog } from '../../common/audit/index.js';
import { AdminApi } from '../admin-api.js';
import { startAdminHttp, type AdminHttp } from '../admin-http.js';
import { MasterKey, openSqliteStore, type TrustStore } from '../store/index.js';

export const SERVER = { address: '2001:db8::5', port: 4500, id: '5e5e5e5e-0000-4000-8000-000000000005' } as const;

export interface AdminFixture {
  readonly http: AdminHttp;
  readonly store: TrustStore;
  readonly audit: MemoryAuditLog;
  readonly token: string;
  /** A request with the token (unless `token` is given: '' sends none). */
  call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown>; text: string; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * `ticketLifetimeS`: the server's ticket lifetime its revoke and remove answers name (default
 * 600). `wrap`: what the API sees in place of the in-memory store (e.g. a flaky one).
 */
export async function startAdminFixture(now: () => Date = () => new Date(), ticketLifetimeS?: number, wrap: (store: TrustStore) => TrustStore = (s) => s): Promise<AdminFixture> {
  const store = wrap(openSqliteStore({ path: ':memory:', masterKey: MasterKey.fromBytes(randomBytes(32)) }));
  const audit = createMemoryAuditLog({ now });
  const token = randomBytes(32).toString('base64url');
  const api = new AdminApi({ store, audit: fromSyncAuditLog(audit), now, random: (n) => new Uint8Array(randomBytes(n)), server: SERVER, ...(ticketLifetimeS === undefined ? {} : { ticketLifetimeS }) });
  const http = await startAdminHttp({ address: '127.0.0.1', port: 0, token, api, log: () => undefined });
  return {
    http,
    store,
    audit,
    token,
    async call(method, path, body, tok = token) {
      const headers: Record<string, string> = tok === '' ? {} : { Authorization: `Bearer ${tok}` };
      const init: RequestInit = { method, headers };
      if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
      }
      const res = await fetch(`${http.url}${path}`, init);
      const text = await res.text();
      return { status: res.status, json: JSON.parse(text) as Record<string, unknown>, text, headers: res.headers };
    },
    async close() {
      await http.close();
      await store.close();
    },
  };
}

/**
 * The CLI's way to the fixture's admin API: a fresh folder holding its token file (0600) and
 * the arguments `--api URL --token-file FILE`; `cleanup` removes the folder.
 */
export function apiArgs(fx: AdminFixture, prefix: string): { dir: string; args: string[]; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const tokenFile = join(dir, 'admin-token');
  writeFileSync(tokenFile, `${fx.token}\n`, { mode: 0o600 });
  return { dir, args: ['--api', fx.http.url, '--token-file', tokenFile], cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
