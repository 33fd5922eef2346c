/**
 * What every part of the store contract shares: the engine under test, a fresh EMPTY store per
 * test (closed after it), and small helpers for asynchronous refusals.
 *
 * Must hold: nothing here knows an engine (no file, no SQL, no ":memory:"): the same parts run
 * on SQLite and on PostgreSQL.
 */
import { afterEach } from 'vitest';
import type { MasterKey } from '../master-key.js';
import type { TrustStore } from '../types.js';
import { masterA } from '../test-support.js';

export type OpenStore = (opts: { masterKey: MasterKey; random?: (n: number) => Uint8Array }) => Promise<TrustStore>;

export interface Contract {
  readonly engine: string;
  /** A new, empty store under master key A (closed after the test). */
  fresh(opts?: { random?: (n: number) => Uint8Array }): Promise<TrustStore>;
}

/** Call inside a describe: its afterEach closes what the test opened. */
export function contractContext(engine: string, open: OpenStore): Contract {
  const opened: TrustStore[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });
  return {
    engine,
    async fresh(opts = {}) {
      const store = await open({ masterKey: masterA(), ...(opts.random === undefined ? {} : { random: opts.random }) });
      opened.push(store);
      return store;
    },
  };
}

/** The error a promise rejects with (a test fails if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { kind?: string; field?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { kind?: string; field?: string };
  }
  throw new Error('expected a rejection, but the call succeeded');
}

/** Password hashes in the stored form (the store checks the form, never a password). */
export const HASH = `scrypt$16$1$1$${Buffer.alloc(16, 1).toString('base64')}$${Buffer.alloc(32, 2).toString('base64')}`;
export const HASH2 = `scrypt$16$1$1$${Buffer.alloc(16, 3).toString('base64')}$${Buffer.alloc(32, 4).toString('base64')}`;
