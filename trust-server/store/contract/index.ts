/**
 * The trust store's contract suite (types.ts `TrustStore`): every engine runs the same tests.
 * `storeContract('sqlite', open)` runs in sqlite-contract.test.ts; another engine calls it from
 * its own test file with its own `open`.
 *
 * Must hold: each test opens a fresh, EMPTY store through `open` and closes it; nothing here
 * assumes an engine (no file, no SQL, no ":memory:"); every method is awaited.
 */
import { describe } from 'vitest';
import { accountContract } from './accounts.js';
import { contractContext, type OpenStore } from './context.js';
import { grantContract } from './grants.js';
import { nodeContract } from './nodes.js';
import { reportContract } from './reports.js';
import { secrecyContract } from './secrecy.js';
import { transactionContract } from './transactions.js';

export type { OpenStore } from './context.js';

export function storeContract(engine: string, open: OpenStore): void {
  describe(`trust store contract (${engine})`, () => {
    const c = contractContext(engine, open);
    nodeContract(c);
    grantContract(c);
    accountContract(c);
    reportContract(c);
    secrecyContract(c);
    transactionContract(c);
  });
}
