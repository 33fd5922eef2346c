/** The trusted server's store (docs/protocol.md §9): registry, grants, enrollments, master key. */
export type { TrustStore, TrustStoreOps, StoreEngine, NodeRecord, NewNode, NodeStatus, GrantRecord, NewGrant, Right, EnrollmentRecord, AccountRecord, AccountRole, GatewayReport, ReportedDevice } from './types.js';
export { ACCOUNT_NAME, ACCOUNT_ROLES } from './account-rules.js';
export { MAX_REPORTED_DEVICES } from './report-rules.js';
export { StoreError, type StoreErrorKind } from './errors.js';
export { MasterKey, loadMasterKey, generateMasterKeyFile, MASTER_KEY_ENV, type LoadMasterKeyOptions } from './master-key.js';
export { openSqliteStore, type SqliteStoreOptions, type SqliteTrustStore } from './sqlite-store.js';
export { openPostgresStore, type PostgresStoreOptions, type PostgresTrustStore } from './pg-store.js';
export { SCHEMA_VERSION } from './migrations.js';
export { GROUP_PREFIX } from './validate.js';
export { STORE_OPS } from './ops.js';
export { openPostgresAuditLog, AUDIT_BATCH, type PostgresAuditLog, type PostgresAuditLogOptions } from './pg-audit.js';
export { grantServerRole, serverRoleGrants } from './pg-roles.js';
export { openWithdrawalChannel, parseWithdrawal, splitWithdrawal, WITHDRAWAL_CHANNEL, type WithdrawalChannel } from './pg-withdrawals.js';
