/**
 * The PostgreSQL engine when the database is out of reach: at open (nothing listening, a
 * server that never answers, a wrong password, an unknown database) and mid-run (the
 * postmaster killed, then started again).
 *
 * Must hold: each is a StoreError 'unavailable' naming the URL without its password and the
 * fix, within a bounded time (never a hang); the password appears in no message and not in
 * `location`; an idle pooled connection's death does not crash the process; once the server
 * is back, the same store works again by itself.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeTcpPort, startPostgres, type PostgresInstance } from '../../common/test-support/index.js';
import { openPostgresStore } from './pg-store.js';
import { at, masterA, newNode } from './test-support.js';

let cluster: PostgresInstance;
const t0 = at('2025-03-01T08:00:00Z');
const SECRET = 'Sekr1t-Pa55word';

beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster.stop();
});

/** The error `p` rejects with, and how long it took. */
async function failure(p: Promise<unknown>): Promise<{ error: Error & { kind?: string }; ms: number }> {
  const start = Date.now();
  const error = await p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as Error & { kind?: string },
  );
  return { error, ms: Date.now() - start };
}

describe('unreachable at open', () => {
  it('nothing listening: unavailable at once, naming the URL without its password and how to check', async () => {
    const port = await freeTcpPort();
    const { error, ms } = await failure(openPostgresStore({ url: `postgres://trust:${SECRET}@127.0.0.1:${port}/trust`, masterKey: masterA() }));
    expect(error).toMatchObject({ kind: 'unavailable' });
    expect(error.message).toContain(`trust database postgres://trust@127.0.0.1:${port}/trust is unavailable`);
    expect(error.message).toContain(`pg_isready -h 127.0.0.1 -p ${port}`);
    expect(error.message).not.toContain(SECRET);
    expect(ms).toBeLessThan(5000);
  });

  it('a server that accepts but never answers: gives up after the connect timeout', async () => {
    const held: Socket[] = [];
    const silent: Server = createServer((s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    try {
      const { error, ms } = await failure(openPostgresStore({ url: `postgres://trust:${SECRET}@127.0.0.1:${port}/trust`, masterKey: masterA(), connectTimeoutMs: 700 }));
      expect(error).toMatchObject({ kind: 'unavailable' });
      expect(error.message).toContain(`postgres://trust@127.0.0.1:${port}/trust`);
      expect(error.message).not.toContain(SECRET);
      expect(ms).toBeGreaterThanOrEqual(600);
      expect(ms).toBeLessThan(5000);
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('a wrong password: unavailable, the login refused, neither password shown', async () => {
    const url = cluster.urlOf('postgres').replace(`:${cluster.password}@`, `:${SECRET}@`);
    const { error } = await failure(openPostgresStore({ url, masterKey: masterA() }));
    expect(error).toMatchObject({ kind: 'unavailable' });
    expect(error.message).toMatch(/refused the login \(password authentication failed for user "pia_test"\); check the user name and password/);
    expect(error.message).toContain(`postgres://pia_test@127.0.0.1:${cluster.port}/postgres`);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(cluster.password);
  });

  it('an unknown database: unavailable, naming how to create it', async () => {
    const { error } = await failure(openPostgresStore({ url: cluster.urlOf('no_such_db'), masterKey: masterA() }));
    expect(error).toMatchObject({ kind: 'unavailable' });
    expect(error.message).toContain('database "no_such_db" does not exist');
    expect(error.message).toContain('createdb -O USER no_such_db');
    expect(error.message).not.toContain(cluster.password);
  });

  it('a URL that is not a PostgreSQL URL: invalid, without repeating it', async () => {
    const { error } = await failure(openPostgresStore({ url: `mysql://u:${SECRET}@h/db`, masterKey: masterA() }));
    expect(error).toMatchObject({ kind: 'invalid', field: 'database' });
    expect(error.message).toContain('postgres://USER:PASSWORD@HOST:PORT/DATABASE');
    expect(error.message).not.toContain(SECRET);
  });
});

describe('lost mid-run', () => {
  it('rejects calls with unavailable at once while the server is gone, and works again once it is back', async () => {
    const url = await cluster.createDatabase('lost');
    const store = await openPostgresStore({ url, masterKey: masterA(), poolSize: 4 });
    try {
      expect(store.location).toBe(`postgres://pia_test@127.0.0.1:${cluster.port}/lost`);
      const n = newNode('operator', 'alice');
      await store.addNode(n, t0);
      // several idle pooled connections, to die with the server
      await Promise.all([store.listNodes(), store.listNodes(), store.listNodes(), store.listNodes()]);

      await cluster.kill();
      for (const call of [() => store.getNode(n.id), () => store.addNode(newNode('gateway', 'gw'), t0), () => store.transaction((tx) => tx.listNodes())]) {
        const { error, ms } = await failure(call());
        expect(error).toMatchObject({ kind: 'unavailable' });
        expect(error.message).toContain(`trust database postgres://pia_test@127.0.0.1:${cluster.port}/lost is unavailable`);
        expect(error.message).not.toContain(cluster.password);
        expect(ms).toBeLessThan(5000);
      }

      await cluster.start();
      expect((await store.getNode(n.id))?.label).toBe('alice');
      const gw = newNode('gateway', 'gw');
      await store.transaction(async (tx) => {
        await tx.addNode(gw, t0);
      });
      expect((await store.listNodes()).map((x) => x.label).sort()).toEqual(['alice', 'gw']);
    } finally {
      await store.close();
    }
  });
});
