/**
 * The names of the store's data operations (types.ts `TrustStoreOps`), as data: an engine that
 * wraps one call shape into another (sqlite-store.ts wraps its synchronous statements) and a
 * test that stands in for a store walk this list instead of naming each method.
 *
 * Must hold: the list is exactly the keys of `TrustStoreOps` (the Record type below checks it).
 */
import type { TrustStoreOps } from './types.js';

const NAMES: Readonly<Record<keyof TrustStoreOps, true>> = {
  addNode: true,
  getNode: true,
  listNodes: true,
  nodeKey: true,
  nodeWithKey: true,
  revokeNode: true,
  touchNode: true,
  touchNodes: true,
  setGroups: true,
  setOwner: true,
  addGrant: true,
  removeGrant: true,
  listGrants: true,
  grantsFor: true,
  grantsBetween: true,
  vouchParties: true,
  findEnrollment: true,
  recordEnrollment: true,
  addAccount: true,
  getAccount: true,
  listAccounts: true,
  removeAccount: true,
  setAccountPassword: true,
  accountPasswordHash: true,
  setAccountDisabled: true,
  setAccountRole: true,
  recordGatewayReport: true,
  gatewayReport: true,
};

export const STORE_OPS = Object.keys(NAMES) as readonly (keyof TrustStoreOps)[];

/** The same operations, answering at once (an engine's internals, e.g. better-sqlite3's). */
export type SynchronousOps = {
  [K in keyof TrustStoreOps]: TrustStoreOps[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};
