/**
 * A store that stands for one whose database cannot be reached: the real store, except that
 * the methods named in `down` (on the store and through a transaction's tx; `transaction`
 * itself while `transactionsDown`) reject with a
 * StoreError of kind 'unavailable', as an engine that talks to a server would.
 */
import { STORE_OPS, StoreError, type TrustStore, type TrustStoreOps } from '../store/index.js';

export const UNAVAILABLE_MESSAGE = 'trust database postgres://pia@db.example/pia cannot be reached (connection refused); start PostgreSQL or check the database URL';

export interface FlakyStore {
  readonly store: TrustStore;
  readonly down: Set<keyof TrustStoreOps>;
  transactionsDown: boolean;
}

export function flakyStore(real: TrustStore): FlakyStore {
  const unavailable = (): StoreError => new StoreError('unavailable', UNAVAILABLE_MESSAGE);
  const out: FlakyStore = { store: undefined as unknown as TrustStore, down: new Set(), transactionsDown: false };
  /** `ops` with the methods in `down` failing (the store's own, and each transaction's tx). */
  const flaky = (ops: TrustStoreOps): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    const methods = ops as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const name of STORE_OPS) {
      o[name] = (...args: unknown[]) => (out.down.has(name) ? Promise.reject(unavailable()) : (methods[name] as (...a: unknown[]) => Promise<unknown>)(...args));
    }
    return o;
  };
  const store = {
    ...real,
    ...flaky(real),
    transaction: <T>(fn: (tx: TrustStoreOps) => Promise<T>): Promise<T> => (out.transactionsDown ? Promise.reject(unavailable()) : real.transaction((tx) => fn(flaky(tx) as unknown as TrustStoreOps))),
  };
  Object.assign(out, { store });
  return out;
}
