/**
 * pg-session.ts's transaction runner over a stand-in pool (no server): BEGIN … COMMIT, the
 * caller's error rolled back and rethrown unchanged, one more try after a serialization
 * failure or a deadlock (SQLSTATE 40001 / 40P01) and no more, and a client whose ROLLBACK
 * fails destroyed rather than handed back to the pool.
 */
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runTransaction } from './pg-session.js';

interface FakePool {
  readonly pool: pg.Pool;
  readonly log: string[];
  readonly released: (Error | undefined)[];
}

function fakePool(failRollback = false): FakePool {
  const log: string[] = [];
  const released: (Error | undefined)[] = [];
  const client = {
    query(text: string) {
      log.push(text);
      if (text === 'ROLLBACK' && failRollback) return Promise.reject(new Error('Connection terminated unexpectedly'));
      return Promise.resolve({ rows: [], rowCount: 0 });
    },
    release(err?: Error) {
      released.push(err);
    },
  };
  return { pool: { connect: () => Promise.resolve(client) } as unknown as pg.Pool, log, released };
}

const sqlError = (code: string): Error => Object.assign(new Error(`sqlstate ${code}`), { code });

describe('runTransaction', () => {
  it('commits what fn did and answers its result', async () => {
    const f = fakePool();
    expect(await runTransaction(f.pool, async (c) => (await c.query('INSERT 1'), 42))).toBe(42);
    expect(f.log).toEqual(['BEGIN', 'INSERT 1', 'COMMIT']);
    expect(f.released).toEqual([undefined]);
  });

  it('rolls back and rethrows the caller’s error unchanged, without trying again', async () => {
    const f = fakePool();
    const mine = new Error('mine');
    let calls = 0;
    await expect(runTransaction(f.pool, () => (calls++, Promise.reject(mine)))).rejects.toBe(mine);
    expect(calls).toBe(1);
    expect(f.log).toEqual(['BEGIN', 'ROLLBACK']);
  });

  for (const code of ['40001', '40P01']) {
    it(`tries once more after ${code}, on a fresh transaction`, async () => {
      const f = fakePool();
      let calls = 0;
      const result = await runTransaction(f.pool, () => (++calls === 1 ? Promise.reject(sqlError(code)) : Promise.resolve('second')));
      expect(result).toBe('second');
      expect(f.log).toEqual(['BEGIN', 'ROLLBACK', 'BEGIN', 'COMMIT']);
      expect(f.released).toEqual([undefined, undefined]);
    });
  }

  it('gives up after the second failure and rethrows it', async () => {
    const f = fakePool();
    const errors = [sqlError('40001'), sqlError('40P01'), sqlError('40001')];
    let calls = 0;
    await expect(runTransaction(f.pool, () => Promise.reject(errors[calls++] as Error))).rejects.toBe(errors[1]);
    expect(calls).toBe(2);
  });

  it('destroys a client whose ROLLBACK fails (its connection is gone) and does not try again', async () => {
    const f = fakePool(true);
    const lost = sqlError('40001');
    await expect(runTransaction(f.pool, () => Promise.reject(lost))).rejects.toBe(lost);
    expect(f.released).toHaveLength(1);
    expect(f.released[0]).toBeInstanceOf(Error);
  });
});
