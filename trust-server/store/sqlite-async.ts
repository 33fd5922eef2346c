/**
 * The SQLite engine's asynchronous face (types.ts `TrustStore`) over better-sqlite3's
 * synchronous statements on one connection, so one caller at a time on it:
 *
 *   1. a call on the store runs its statements at once when nothing is queued, else after
 *      everything queued before it (first come, first served);
 *   2. `transaction(fn)` takes its turn the same way, then BEGIN IMMEDIATE and `fn(tx)`: calls
 *      through `tx` run at once, inside the transaction; calls on the store made meanwhile
 *      queue behind it, so they never see its uncommitted rows and are not part of it;
 *   3. `fn` resolves → COMMIT; it throws (or COMMIT fails) → ROLLBACK and the same error
 *      rethrown, unchanged;
 *   4. `tx` ends with its transaction: a call through it afterwards is refused.
 *
 * Must hold: no statement of another caller runs between BEGIN and COMMIT/ROLLBACK. The
 * engine's own short `db.transaction(...)()` inside one call (addNode, addGrant,
 * recordEnrollment, …) becomes a SAVEPOINT inside an outer BEGIN (better-sqlite3 does so when
 * `db.inTransaction`), so it still rolls back alone on its own error. A call on the store itself,
 * or a nested `transaction`, made from inside `fn` would wait for `fn` forever: it is refused
 * with an error that says to use `tx`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import { STORE_OPS, type SynchronousOps } from './ops.js';
import type { TrustStoreOps } from './types.js';

/** A FIFO of work on the one connection. */
class Turns {
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;

  /** Runs `work` after everything queued before it. */
  queue<T>(work: () => Promise<T>): Promise<T> {
    this.#queued++;
    const result = this.#tail.then(work);
    const done = (): void => {
      this.#queued--;
    };
    this.#tail = result.then(done, done);
    return result;
  }

  /** Runs a synchronous call at once when nothing is queued (step 1), else in its turn. */
  call<T>(work: () => T): Promise<T> {
    if (this.#queued > 0) return this.queue(() => Promise.resolve().then(work));
    return settle(work);
  }
}

/** A synchronous call's result or error as a settled promise (the error unchanged). */
function settle<T>(work: () => T): Promise<T> {
  return new Promise<T>((resolve) => {
    resolve(work()); // a throw inside the executor rejects with that very error
  });
}

interface TxState {
  open: boolean;
}

export interface AsyncSqlite extends TrustStoreOps {
  transaction<T>(fn: (tx: TrustStoreOps) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The store's methods over `sync` (the engine's statements on `db`), for the file `location`. */
export function asyncSqlite(db: Database.Database, sync: SynchronousOps, location: string): AsyncSqlite {
  const turns = new Turns();
  const inside = new AsyncLocalStorage<TxState>();
  let closed = false;

  const refusal = (): Error | undefined => {
    if (inside.getStore()?.open === true) {
      return new Error(`trust database ${location}: a call on the store itself inside its own transaction would wait for that transaction forever; make it through the transaction's tx`);
    }
    return undefined;
  };

  const ops = (run: (name: keyof TrustStoreOps, work: () => unknown) => Promise<unknown>): TrustStoreOps => {
    const out: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
    for (const name of STORE_OPS) {
      const f = sync[name] as (...args: unknown[]) => unknown;
      out[name] = (...args: unknown[]) => run(name, () => f(...args));
    }
    return out as unknown as TrustStoreOps;
  };

  const outside = ops((_name, work) => {
    const refused = refusal();
    return refused === undefined ? turns.call(work) : Promise.reject(refused);
  });

  const through = (state: TxState): TrustStoreOps =>
    ops((name, work) => {
      if (!state.open) return Promise.reject(new Error(`trust database ${location}: ${name} was called through a transaction's tx after that transaction ended; make it on the store, or inside the transaction`));
      return settle(work);
    });

  return {
    ...outside,
    transaction<T>(fn: (tx: TrustStoreOps) => Promise<T>): Promise<T> {
      const refused = refusal();
      if (refused !== undefined) return Promise.reject(refused);
      return turns.queue(async () => {
        const state: TxState = { open: true };
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await inside.run(state, () => fn(through(state)));
          state.open = false;
          db.exec('COMMIT');
          return result;
        } catch (err) {
          state.open = false;
          if (db.inTransaction) {
            try {
              db.exec('ROLLBACK');
            } catch {
              // The caller's error is the one that matters; SQLite ends the transaction regardless.
            }
          }
          throw err;
        }
      });
    },
    close(): Promise<void> {
      return turns.queue(() => {
        if (!closed) {
          closed = true;
          db.close();
        }
        return Promise.resolve();
      });
    },
  };
}
