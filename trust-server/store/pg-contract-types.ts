/**
 * The asynchronous store contract, until types.ts carries it (then this file goes): the
 * PostgreSQL engine is written against these shapes.
 */
import type { AccountRecord, AccountRole, EnrollmentRecord, GatewayReport, GrantRecord, NewGrant, NewNode, NodeRecord } from './types.js';

export interface TrustStoreOps {
  addNode(node: NewNode, now: Date): Promise<NodeRecord>;
  getNode(id: string): Promise<NodeRecord | undefined>;
  listNodes(): Promise<NodeRecord[]>;
  nodeKey(id: string): Promise<Uint8Array | undefined>;
  revokeNode(id: string, now: Date): Promise<NodeRecord>;
  touchNode(id: string, now: Date): Promise<void>;
  setGroups(id: string, groups: readonly string[]): Promise<NodeRecord>;
  setOwner(id: string, owner: string | undefined): Promise<NodeRecord>;
  addGrant(grant: NewGrant, now: Date): Promise<GrantRecord>;
  removeGrant(id: string): Promise<boolean>;
  listGrants(filter?: { subject?: string; gateway?: string }): Promise<GrantRecord[]>;
  grantsFor(subjectId: string, gatewayId: string, now: Date): Promise<GrantRecord[]>;
  findEnrollment(stationId: string, requestKey: string): Promise<EnrollmentRecord | undefined>;
  recordEnrollment(record: EnrollmentRecord): Promise<void>;
  addAccount(account: { name: string; role: AccountRole; passwordHash: string }, now: Date): Promise<AccountRecord>;
  getAccount(name: string): Promise<AccountRecord | undefined>;
  listAccounts(): Promise<AccountRecord[]>;
  removeAccount(name: string): Promise<boolean>;
  setAccountPassword(name: string, passwordHash: string, now: Date): Promise<AccountRecord>;
  accountPasswordHash(name: string): Promise<string | undefined>;
  setAccountDisabled(name: string, disabled: boolean, now: Date): Promise<AccountRecord>;
  setAccountRole(name: string, role: AccountRole, now: Date): Promise<AccountRecord>;
  recordGatewayReport(report: GatewayReport): Promise<void>;
  gatewayReport(gatewayId: string): Promise<GatewayReport | undefined>;
}

export type StoreEngine = 'sqlite' | 'postgres';

export interface TrustStore extends TrustStoreOps {
  readonly engine: StoreEngine;
  readonly location: string;
  transaction<T>(fn: (tx: TrustStoreOps) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
