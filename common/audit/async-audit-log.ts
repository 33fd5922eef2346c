/**
 * The audit log as the trusted server uses it: asynchronous, because a log in a database
 * (trust-server's PostgreSQL audit log) cannot append synchronously. Same records, same
 * chain, same guard as the synchronous logs (docs/protocol.md §9.7).
 *
 * Must hold: `append` resolves only once the record is durable (a file: written and fsynced;
 * a database: committed), and records are chained in the order their appends were made by
 * one caller that awaits each; `fromSyncAuditLog` wraps a file or in-memory log unchanged
 * (its errors become rejections, nothing else differs).
 */
import { nextRecord, type ChainHead } from './chain.js';
import { assertLoggableFields } from './secret-guard.js';
import type { AuditLog, AuditRecord, AuditVerifyResult, JsonValue } from './types.js';

export interface AsyncAuditLog {
  /** As `AuditLog.append`: refuses (rejects, writing nothing) a reserved or secret-looking field or a non-JSON value. */
  append(event: string, fields?: Readonly<Record<string, JsonValue>>): Promise<AuditRecord>;
  /** The last `n` records, oldest first. */
  tail(n: number): Promise<AuditRecord[]>;
  /** Recomputes the whole chain and names the first broken record. */
  verify(): Promise<AuditVerifyResult>;
  close(): Promise<void>;
}

/** A synchronous log (file, memory) behind the asynchronous interface. */
export function fromSyncAuditLog(log: AuditLog): AsyncAuditLog {
  return {
    append: (event, fields) => Promise.resolve().then(() => log.append(event, fields)),
    tail: (n) => Promise.resolve().then(() => log.tail(n)),
    verify: () => Promise.resolve().then(() => log.verify()),
    close: () => Promise.resolve().then(() => log.close()),
  };
}

/**
 * The record that follows `head`, with the fields checked exactly as the synchronous logs do
 * (secret-guard.ts, reserved keys, JSON values): for a log that keeps its head elsewhere.
 */
export function buildNextRecord(head: ChainHead, event: string, fields: Readonly<Record<string, JsonValue>>, time: Date): AuditRecord {
  assertLoggableFields(event, fields);
  return nextRecord(head, event, fields, time);
}
