/**
 * The audit log's shapes (docs/protocol.md §9.7): a hash-chained, append-only log of JSON
 * lines `{"seq", "time", "event", …fields, "prev", "hash"}`. The trusted server writes one;
 * each gateway writes its local audit log in the same format (firmware/gateway).
 */

/** A value JSON can carry exactly (finite numbers only: NaN and ±Infinity have no JSON form). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The keys every record has; a field may not use them. */
export const AUDIT_RESERVED_KEYS = ['seq', 'time', 'event', 'prev', 'hash'] as const;

/**
 * One record as it stands on its line: the reserved keys plus the event's fields, flattened
 * (a field `reason` is `record.reason`).
 */
export interface AuditRecord {
  /** 1 for the first record, then +1 each. */
  readonly seq: number;
  /** ISO-8601 (UTC) of the append, from the injected `now`. */
  readonly time: string;
  readonly event: string;
  /** The previous record's `hash`; 64 zeros for the first record. */
  readonly prev: string;
  /** SHA-256(prev hash bytes | canonical JSON of this record without "hash"), hex. */
  readonly hash: string;
  readonly [field: string]: JsonValue;
}

/** Why a record breaks the chain. */
export type AuditBreakReason =
  /** The line is not a JSON object with seq, time, event, prev and hash of the right types. */
  | 'unparseable'
  /** The file ends inside a line (a write cut short); opening the log moves it aside. */
  | 'incomplete-last-line'
  /** Records are missing before this one (its seq is higher than the next expected). */
  | 'seq-gap'
  /** Records are out of order or repeated (the expected seq appears later, or seq went back). */
  | 'seq-out-of-order'
  /** `prev` is not the previous record's hash (a record before it was changed or removed). */
  | 'prev-mismatch'
  /** `hash` does not match the record's content (the record itself was changed). */
  | 'hash-mismatch';

export type AuditVerifyResult =
  | {
      readonly ok: true;
      /** Whole records checked. */
      readonly records: number;
      /** The last record's hash (64 zeros for an empty log): worth keeping elsewhere, since a
       * hash chain alone cannot show records cut off the end or a fully recomputed chain. */
      readonly lastHash: string;
    }
  | {
      readonly ok: false;
      /** 1-based line of the first broken record. */
      readonly line: number;
      /** Its seq, when the line has one. */
      readonly seq: number | undefined;
      readonly reason: AuditBreakReason;
      /** For a person: which record, what is wrong, what it means. */
      readonly message: string;
      /** Records before it that verified. */
      readonly records: number;
    };

export interface AuditLog {
  /**
   * Appends a record and returns it once it is durable (written and fsynced for a file).
   * Throws, writing nothing, if a field name is reserved or looks like a secret
   * (secret-guard.ts), or a value is not JSON.
   */
  append(event: string, fields?: Readonly<Record<string, JsonValue>>): AuditRecord;
  /** The last `n` records, oldest first. */
  tail(n: number): AuditRecord[];
  /** Recomputes the whole chain and names the first broken record. */
  verify(): AuditVerifyResult;
  close(): void;
}
