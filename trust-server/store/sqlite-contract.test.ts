/** The store contract (contract/index.ts) on the SQLite engine, each test on a fresh in-memory database. */
import { storeContract } from './contract/index.js';
import { openSqliteStore } from './sqlite-store.js';

storeContract('sqlite', ({ masterKey, random }) => Promise.resolve(openSqliteStore({ path: ':memory:', masterKey, ...(random === undefined ? {} : { random }) })));
