/**
 * The trusted server's store (docs/protocol.md §9): the node registry with wrapped
 * keys, grants (partner registrations), groups, and enrollment idempotency records. SQLite is
 * the embedded default (sqlite-store.ts); the server and the admin API use only this interface.
 *
 * Every method is asynchronous: an engine may talk to a database server over a network
 * (PostgreSQL), so a call may wait, and fail with a StoreError of kind 'unavailable'. Several
 * calls that must commit together run inside `transaction`, through its `tx` only.
 *
 * Must hold:
 * - a node key is stored only wrapped (AEAD) under the master key, which never enters the
 *   database: a copy of the database alone yields no key;
 * - `nodeKey` and `nodeWithKey` are the only ways out for a key, unwrapped in memory for the
 *   phase-3 HMACs;
 * - no method's error message or return value (other than nodeKey / nodeWithKey / a create's
 *   one-time key)
 *   carries a key.
 */
import type { NodeKind } from '../../pia/phase3/index.js';

export type NodeStatus = 'active' | 'revoked';

export interface NodeRecord {
  /** UUID text (docs/protocol.md §9.1). */
  readonly id: string;
  readonly kind: NodeKind;
  readonly label: string;
  readonly status: NodeStatus;
  /** ISO-8601. */
  readonly created: string;
  readonly lastSeen: string | undefined;
  readonly revokedAt: string | undefined;
  /** Groups the node belongs to (subjects of grants). */
  readonly groups: readonly string[];
  /** The MyNet Manager account (role owner) that owns the node; undefined: only admins see it. */
  readonly owner: string | undefined;
}

export interface NewNode {
  readonly id: string;
  readonly kind: NodeKind;
  readonly label: string;
  /** 32 bytes. */
  readonly key: Uint8Array;
  readonly groups?: readonly string[];
  /** An existing account's name. */
  readonly owner?: string;
}

export type Right = string; // 'read' | 'control' | `call:${string}`

export interface GrantRecord {
  readonly id: string;
  /** A node ID (UUID text) or a group name prefixed with "group:". */
  readonly subject: string;
  /** The gateway's node ID. */
  readonly gateway: string;
  /** Device selector: a name, a glob with `*`, or `*`. */
  readonly devices: string;
  readonly rights: readonly Right[];
  /** ISO-8601, optional validity window. */
  readonly notBefore: string | undefined;
  readonly notAfter: string | undefined;
  readonly created: string;
}

export type NewGrant = Omit<GrantRecord, 'id' | 'created' | 'notBefore' | 'notAfter'> & { readonly notBefore?: string; readonly notAfter?: string };

/** What an enrollment request produced, kept so a retry gets the same answer (§9.8). */
export interface EnrollmentRecord {
  /** The station's idempotency key ("generate": its requestId; "register": the node ID). */
  readonly requestKey: string;
  readonly stationId: string;
  readonly nodeId: string;
}

/**
 * What a gateway last told the trusted server about itself over its phase-3 association
 * (trust-server/reports): the devices it serves, their health, its firmware version. Kept one
 * per gateway, replaced by each report; the page shows names from it, never trusts it for access.
 */
export interface ReportedDevice {
  /** The device's name, as grants select it (1–64 of [A-Za-z0-9._-]). */
  readonly name: string;
  /** Its kind (fan, thermometer, door-lock, …). */
  readonly kind: string;
  readonly status: 'ok' | 'degraded' | 'failed';
  /** The last error's message, when not ok (≤ 200 characters). */
  readonly detail?: string;
}

export interface GatewayReport {
  /** The gateway's node ID: the phase-3 identity of the association the report came over. */
  readonly gateway: string;
  /** The gateway's firmware version (≤ 64 characters). */
  readonly firmware: string;
  readonly devices: readonly ReportedDevice[];
  /** ISO-8601 UTC, when the trusted server received it. */
  readonly reportedAt: string;
}

/** A MyNet Manager login (trust-server/accounts). The password hash is not part of it. */
export type AccountRole = 'admin' | 'owner';
export interface AccountRecord {
  /** 1–64 of [a-z0-9._-]. */
  readonly name: string;
  readonly role: AccountRole;
  /** ISO-8601 UTC. */
  readonly created: string;
  /** ISO-8601 UTC of the last change (password, disabled). */
  readonly updated: string;
  readonly disabled: boolean;
}

/** A node and its unwrapped key (the caller wipes `key` once done with it). */
/** A node as a phase-3 decision reads it (§9.5): no groups, times or owner. */
export interface PartyNode {
  readonly kind: NodeKind;
  readonly status: NodeStatus;
  readonly label: string;
  /** The unwrapped key: the caller wipes it. */
  readonly key: Uint8Array;
}

export interface VouchParties {
  readonly a: PartyNode | undefined;
  readonly b: PartyNode | undefined;
  readonly grants: GrantRecord[];
}

export interface NodeWithKey {
  readonly node: NodeRecord;
  readonly key: Uint8Array;
}

/** Every data operation; what a transaction's callback receives. */
export interface TrustStoreOps {
  addNode(node: NewNode, now: Date): Promise<NodeRecord>;
  getNode(id: string): Promise<NodeRecord | undefined>;
  listNodes(): Promise<NodeRecord[]>;
  /** The unwrapped key, for the phase-3 HMACs; undefined for an unknown node. */
  nodeKey(id: string): Promise<Uint8Array | undefined>;
  /** `getNode` and `nodeKey` in one read (phase 3 needs both): undefined for an unknown node. */
  nodeWithKey(id: string): Promise<NodeWithKey | undefined>;
  revokeNode(id: string, now: Date): Promise<NodeRecord>;
  touchNode(id: string, now: Date): Promise<void>;
  /** `touchNode` for several nodes in one write (unknown or malformed IDs are skipped). */
  touchNodes(ids: readonly string[], now: Date): Promise<void>;
  setGroups(id: string, groups: readonly string[]): Promise<NodeRecord>;
  /** Sets or clears (undefined) the owning account; the account must exist. */
  setOwner(id: string, owner: string | undefined): Promise<NodeRecord>;

  addGrant(grant: NewGrant, now: Date): Promise<GrantRecord>;
  removeGrant(id: string): Promise<boolean>;
  listGrants(filter?: { subject?: string; gateway?: string }): Promise<GrantRecord[]>;
  /** Grants whose subject is the node or one of its groups, for that gateway, valid at `now`. */
  grantsFor(subjectId: string, gatewayId: string, now: Date): Promise<GrantRecord[]>;
  /** `grantsFor(a, b)` then `grantsFor(b, a)` in one read, a grant listed once (§9.5 step 5: A may be the operator or the gateway). */
  grantsBetween(aId: string, bId: string, now: Date): Promise<GrantRecord[]>;
  /** What a P3_VOUCH needs (§9.5 steps 2, 3, 5): both nodes as phase 3 sees them (`nodeWithKey`'s kind, status, label and key) and `grantsBetween` them, in one read. */
  vouchParties(aId: string, bId: string, now: Date): Promise<VouchParties>;

  findEnrollment(stationId: string, requestKey: string): Promise<EnrollmentRecord | undefined>;
  recordEnrollment(record: EnrollmentRecord): Promise<void>;

  /** `passwordHash` is `scrypt$N$r$p$salt$hash` (accounts/password-hash.ts); never a password. */
  addAccount(account: { name: string; role: AccountRole; passwordHash: string }, now: Date): Promise<AccountRecord>;
  getAccount(name: string): Promise<AccountRecord | undefined>;
  listAccounts(): Promise<AccountRecord[]>;
  /** False for an unknown account; a conflict error when it owns nodes (naming them). */
  removeAccount(name: string): Promise<boolean>;
  setAccountPassword(name: string, passwordHash: string, now: Date): Promise<AccountRecord>;
  /** For the login check only; undefined for an unknown account. */
  accountPasswordHash(name: string): Promise<string | undefined>;
  /** A disabled account cannot log in; its sessions end. */
  setAccountDisabled(name: string, disabled: boolean, now: Date): Promise<AccountRecord>;
  setAccountRole(name: string, role: AccountRole, now: Date): Promise<AccountRecord>;

  /** Replaces the gateway's report (its node must exist and be a gateway). */
  recordGatewayReport(report: GatewayReport): Promise<void>;
  gatewayReport(gatewayId: string): Promise<GatewayReport | undefined>;
}

export type StoreEngine = 'sqlite' | 'postgres';

export interface TrustStore extends TrustStoreOps {
  readonly engine: StoreEngine;
  /** Where the data lives, for messages: a file path, or a postgres URL WITHOUT its password. */
  readonly location: string;
  /**
   * Runs `fn` atomically: every call it makes through `tx` commits together or not at all.
   * Calls made on the store itself (not through `tx`) by other callers while it runs do not
   * see its uncommitted changes and are not part of it (SQLite: they wait until it ends;
   * PostgreSQL: they run on other connections). No nesting: `tx` has no `transaction`.
   * A thrown error rolls back and is rethrown unchanged.
   */
  transaction<T>(fn: (tx: TrustStoreOps) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
