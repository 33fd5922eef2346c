/**
 * Contract: `transaction` (types.ts), on any engine:
 * - every call made through `tx` commits together or not at all;
 * - an error thrown inside rolls everything back and comes out unchanged (the same object);
 * - a call on the store itself, made while a transaction is open, does not see its uncommitted
 *   rows and is not part of it;
 * - two transactions started together both commit;
 * - a method's refusal (not-found, invalid, conflict) keeps its kind and field, on the store and
 *   through `tx`;
 * - `tx` has no `transaction` (no nesting).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import type { TrustStore } from '../types.js';
import { at, newNode } from '../test-support.js';
import { rejection, type Contract } from './context.js';

const t0 = at('2025-03-01T08:00:00Z');

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}

export function transactionContract(c: Contract): void {
  describe('transactions', () => {
    it('commits every call made through tx together, and returns what the callback returned', async () => {
      const store = await c.fresh();
      const station = newNode('station', 'line-1');
      await store.addNode(station, t0);
      const board = newNode('gateway', 'board-7');
      const result = await store.transaction(async (tx) => {
        await tx.addNode(board, t0);
        await tx.recordEnrollment({ stationId: station.id, requestKey: 'r', nodeId: board.id });
        const grant = await tx.addGrant({ subject: station.id, gateway: board.id, devices: '*', rights: ['read'] }, t0);
        expect(await tx.getNode(board.id)).toMatchObject({ id: board.id }); // its own writes are visible inside
        return grant.id;
      });
      expect((await store.findEnrollment(station.id, 'r'))?.nodeId).toBe(board.id);
      expect((await store.listGrants()).map((g) => g.id)).toEqual([result]);
    });

    it('rolls back every call made through tx when the callback throws, and rethrows that very error', async () => {
      const store = await c.fresh();
      const station = newNode('station', 'line-1');
      await store.addNode(station, t0);
      const board = newNode('gateway', 'board-7');
      const crash = new Error('crash before the answer');
      const error = await rejection(
        store.transaction(async (tx) => {
          await tx.addNode(board, t0);
          await tx.recordEnrollment({ stationId: station.id, requestKey: 'r', nodeId: board.id });
          await tx.setGroups(station.id, ['line']);
          throw crash;
        }),
      );
      expect(error).toBe(crash);
      expect(await store.getNode(board.id)).toBeUndefined();
      expect(await store.findEnrollment(station.id, 'r')).toBeUndefined();
      expect((await store.getNode(station.id))?.groups).toEqual([]);
      // the store works on after a rollback
      await store.transaction(async (tx) => {
        await tx.addNode(board, t0);
        await tx.recordEnrollment({ stationId: station.id, requestKey: 'r', nodeId: board.id });
      });
      expect((await store.findEnrollment(station.id, 'r'))?.nodeId).toBe(board.id);
    });

    it('a refusal of a method inside rolls back the calls before it and comes out unchanged, kind and field kept', async () => {
      const store = await c.fresh();
      const gw = newNode('gateway', 'gw');
      const op = newNode('operator', 'op');
      let inner: unknown;
      const error = await rejection(
        store.transaction(async (tx) => {
          await tx.addNode(gw, t0);
          await tx.addNode(op, t0);
          try {
            await tx.addGrant({ subject: op.id, gateway: gw.id, devices: '*', rights: ['read', 'write'] }, t0);
          } catch (err) {
            inner = err;
            throw err;
          }
        }),
      );
      expect(error).toBe(inner);
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ kind: 'invalid', field: 'rights[1]' });
      expect(await store.listNodes()).toEqual([]);
    });

    it('a call on the store made while a transaction is open does not see its uncommitted insert, and is not part of it', async () => {
      const store = await c.fresh();
      const inside = newNode('gateway', 'inside');
      const outside = newNode('operator', 'outside');
      const inserted = signal();
      const finish = signal();
      const tx = store.transaction(async (t) => {
        await t.addNode(inside, t0);
        inserted.fire();
        await finish.promise;
        throw new Error('rolled back on purpose');
      });
      await inserted.promise;
      const seen = store.getNode(inside.id);
      const listed = store.listNodes();
      const added = store.addNode(outside, t0);
      finish.fire();
      await expect(tx).rejects.toThrow('rolled back on purpose');
      expect(await seen).toBeUndefined();
      expect((await listed).map((n) => n.id)).not.toContain(inside.id);
      expect((await added).id).toBe(outside.id);
      expect((await store.listNodes()).map((n) => n.id)).toEqual([outside.id]);
    });

    it('two transactions started together both commit, each whole', async () => {
      const store = await c.fresh();
      const nodes = Array.from({ length: 6 }, (_, i) => newNode('operator', `op-${i}`));
      const write = (from: number): ((tx: Parameters<Parameters<TrustStore['transaction']>[0]>[0]) => Promise<string>) => async (tx) => {
        for (const n of nodes.slice(from, from + 3)) {
          await tx.addNode(n, t0);
          await Promise.resolve(); // give the other transaction a chance to interleave
        }
        return `wrote ${from}`;
      };
      const results = await Promise.all([store.transaction(write(0)), store.transaction(write(3))]);
      expect(results).toEqual(['wrote 0', 'wrote 3']);
      expect((await store.listNodes()).map((n) => n.label).sort()).toEqual(nodes.map((n) => n.label).sort());
    });

    it('a refusal keeps its kind and field, on the store and through tx: not-found, invalid, conflict', async () => {
      const store = await c.fresh();
      const alice = newNode('operator', 'alice');
      await store.addNode(alice, t0);
      const missing = randomUUID();
      const cases: [string, (s: Pick<TrustStore, 'revokeNode' | 'addGrant' | 'addNode' | 'addAccount'>) => Promise<unknown>, { kind: string; field?: string }][] = [
        ['not-found', (s) => s.revokeNode(missing, t0), { kind: 'not-found' }],
        ['invalid', (s) => s.addGrant({ subject: alice.id, gateway: 'gw', devices: '*', rights: ['read'] }, t0), { kind: 'invalid', field: 'gateway' }],
        ['conflict', (s) => s.addNode({ ...newNode('gateway', 'dup'), id: alice.id }, t0), { kind: 'conflict' }],
        ['invalid account', (s) => s.addAccount({ name: 'Not Valid', role: 'owner', passwordHash: 'x' }, t0), { kind: 'invalid', field: 'name' }],
      ];
      for (const [what, call, expected] of cases) {
        const direct = await rejection(call(store));
        expect(direct, what).toBeInstanceOf(StoreError);
        expect(direct, what).toMatchObject(expected);
        const through = await rejection(store.transaction((tx) => call(tx)));
        expect(through, what).toBeInstanceOf(StoreError);
        expect(through, what).toMatchObject({ ...expected, message: direct.message });
      }
      expect((await store.listNodes()).map((n) => n.id)).toEqual([alice.id]);
    });

    it('tx offers the data operations only: no transaction inside a transaction', async () => {
      const store = await c.fresh();
      const keys = await store.transaction((tx) => Promise.resolve(tx));
      expect((keys as Partial<TrustStore>).transaction).toBeUndefined();
      expect((keys as Partial<TrustStore>).close).toBeUndefined();
    });
  });
}
