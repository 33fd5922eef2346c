/**
 * The store contract (contract/index.ts) on the PostgreSQL engine: one throw-away cluster for
 * the file (common/test-support startPostgres), a fresh empty database for each test.
 */
import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type PostgresInstance } from '../../common/test-support/index.js';
import { storeContract } from './contract/index.js';
import { openPostgresStore } from './pg-store.js';

let cluster: PostgresInstance;
let databases = 0;

beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster.stop();
});

storeContract('postgres', async ({ masterKey, random }) =>
  openPostgresStore({ url: await cluster.createDatabase(`contract_${++databases}`), masterKey, poolSize: 4, ...(random === undefined ? {} : { random }) }),
);
