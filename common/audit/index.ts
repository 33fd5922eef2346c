/** The audit hash chain (docs/protocol.md §9.7): file and in-memory logs, verification. */
export type { AuditLog, AuditRecord, AuditVerifyResult, AuditBreakReason, JsonValue } from './types.js';
export { AUDIT_RESERVED_KEYS } from './types.js';
export { openFileAuditLog, verifyAuditFile, type FileAuditLog, type FileAuditLogOptions } from './file-audit-log.js';
export { createMemoryAuditLog, type MemoryAuditLog } from './memory-audit-log.js';
export { fromSyncAuditLog, buildNextRecord, type AsyncAuditLog } from './async-audit-log.js';
export { GENESIS_PREV, EMPTY_HEAD, recordHash, hashMatches, verifyChain, verifyChainAsync, parseRecord, type AuditLine, type ChainHead } from './chain.js';
export { canonicalJson } from './canonical-json.js';
export { looksSecret } from './secret-guard.js';
