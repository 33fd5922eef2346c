/**
 * The master-key check at open, whatever the engine (sqlite-store.ts, pg-store.ts): a master
 * key that does not open this database is refused before any node key is touched.
 *
 * Flow:
 *   1. the key-check row (key-wrap.ts) exists: it must open under this master key;
 *   2. it does not (a new database, or one whose row was lost): the first stored node key (in
 *      created, id order), if any, must open; then a new key check is sealed for the caller to
 *      store.
 */
import { StoreError } from './errors.js';
import { keyCheckOpens, sealKeyCheck, unwrapNodeKey } from './key-wrap.js';
import type { MasterKey } from './master-key.js';

export const KEY_CHECK_NAME = 'key_check';

/** Undefined when the stored check opened (step 1); else the new check to store (step 2). */
export function settleKeyCheck(
  master: MasterKey,
  where: string,
  stored: Uint8Array | undefined,
  firstNode: { id: string; wrapped_key: Uint8Array } | undefined,
  random: (n: number) => Uint8Array,
): Uint8Array | undefined {
  const wrong = new StoreError(
    'wrong-master-key',
    `trust database ${where} was created with a different master key: this one does not open it (no node key can be read with it); ` +
      'start with the master key file or PIA_TRUST_MASTER_KEY this database was created with',
  );
  if (stored !== undefined) {
    if (!keyCheckOpens(master, stored)) throw wrong;
    return undefined;
  }
  if (firstNode !== undefined && unwrapNodeKey(master, firstNode.id, firstNode.wrapped_key) === undefined) throw wrong;
  return sealKeyCheck(master, random);
}
