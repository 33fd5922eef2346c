/**
 * An audit log held in memory, for tests of the modules that write one (the trusted server,
 * later the gateway). Same chain, same guard, same verify as the file log; `lines` exposes the
 * text so a test can tamper with it and see `verify` name the record.
 */
import { EMPTY_HEAD, nextRecord, parseRecord, verifyChain, type ChainHead } from './chain.js';
import { assertLoggableFields } from './secret-guard.js';
import type { AuditLog, AuditRecord, AuditVerifyResult, JsonValue } from './types.js';

export interface MemoryAuditLog extends AuditLog {
  /** The log's lines (without newlines), oldest first; editable, for tamper tests. */
  readonly lines: string[];
  /** Every record, oldest first. */
  all(): AuditRecord[];
}

export function createMemoryAuditLog(options: { readonly now?: () => Date } = {}): MemoryAuditLog {
  const now = options.now ?? ((): Date => new Date());
  const lines: string[] = [];
  let head: ChainHead = EMPTY_HEAD;
  const parse = (text: string): AuditRecord => {
    const r = parseRecord(text);
    if (typeof r === 'string') throw new Error(`memory audit log: a line is damaged (${r})`);
    return r;
  };
  return {
    lines,
    append(event: string, fields: Readonly<Record<string, JsonValue>> = {}): AuditRecord {
      assertLoggableFields(event, fields);
      const record = nextRecord(head, event, fields, now());
      lines.push(JSON.stringify(record));
      head = { seq: record.seq, hash: record.hash };
      return record;
    },
    tail(n: number): AuditRecord[] {
      const count = Math.max(0, Math.floor(n));
      return count === 0 ? [] : lines.slice(-count).map(parse);
    },
    all(): AuditRecord[] {
      return lines.map(parse);
    },
    verify(): AuditVerifyResult {
      return verifyChain(lines.map((text, i) => ({ text, line: i + 1, terminated: true })));
    },
    close(): void {},
  };
}
