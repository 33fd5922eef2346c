/**
 * The hash chain itself (docs/protocol.md §9.7), shared by the file and the in-memory log:
 *   hash = SHA-256(prev hash bytes | canonical JSON of the record without "hash"),
 *   prev of the first record = 64 zeros, seq = 1, 2, 3, …
 *
 * Verification order per line (the first failure is the one named):
 *   1. the line parses as a record (object; seq a positive integer; time, event strings;
 *      prev, hash 64 lower-case hex) → else `unparseable`;
 *   2. seq is the next expected → else `seq-gap` (the expected seq never appears: records were
 *      removed) or `seq-out-of-order` (it appears later, or seq went back);
 *   3. prev equals the previous record's hash → else `prev-mismatch`;
 *   4. hash recomputes → else `hash-mismatch`.
 * A record whose fields were edited fails 4 at that record; one whose hash was edited too
 * (recomputed) fails 3 at the next record.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { AuditRecord, AuditVerifyResult, JsonValue } from './types.js';

export const GENESIS_PREV = '0'.repeat(64);
const HEX64 = /^[0-9a-f]{64}$/;

/** SHA-256(prev bytes | canonical JSON of `withoutHash`), hex. `prev` must be 64 hex digits. */
export function recordHash(prev: string, withoutHash: Readonly<Record<string, JsonValue>>): string {
  if (!HEX64.test(prev)) throw new Error(`audit: prev ${JSON.stringify(prev)} is not 64 lower-case hex digits`);
  return createHash('sha256').update(Buffer.from(prev, 'hex')).update(canonicalJson(withoutHash), 'utf8').digest('hex');
}

/** The chain's head: what the next record follows. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export const EMPTY_HEAD: ChainHead = { seq: 0, hash: GENESIS_PREV };

/** The record that follows `head`; fields are assumed checked (secret-guard.ts). */
export function nextRecord(head: ChainHead, event: string, fields: Readonly<Record<string, JsonValue>>, time: Date): AuditRecord {
  if (event.length === 0 || /[\s\p{Cc}]/u.test(event)) throw new Error(`audit: event name ${JSON.stringify(event)} must be non-empty, without spaces or control characters (e.g. "phase3-granted")`);
  const body = { seq: head.seq + 1, time: time.toISOString(), event, ...fields, prev: head.hash };
  return { ...body, hash: recordHash(head.hash, body) };
}

/** Parses one line into a record of the right shape, or says what is wrong. */
export function parseRecord(text: string): AuditRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  if (typeof r.seq !== 'number' || !Number.isSafeInteger(r.seq) || r.seq < 1) return '"seq" is not a positive integer';
  if (typeof r.time !== 'string') return '"time" is not a string';
  if (typeof r.event !== 'string') return '"event" is not a string';
  if (typeof r.prev !== 'string' || !HEX64.test(r.prev)) return '"prev" is not 64 hex digits';
  if (typeof r.hash !== 'string' || !HEX64.test(r.hash)) return '"hash" is not 64 hex digits';
  return r as AuditRecord;
}

/** Recomputes a record's own hash (not its link to the previous record). */
export function hashMatches(record: AuditRecord): boolean {
  const { hash, ...withoutHash } = record;
  return recordHash(record.prev, withoutHash) === hash;
}

export interface AuditLine {
  readonly text: string;
  /** 1-based. */
  readonly line: number;
  /** False for a file's last line without its newline. */
  readonly terminated: boolean;
}

/** Verifies a whole log, line by line (the order in the header comment). */
export function verifyChain(lines: Iterable<AuditLine>): AuditVerifyResult {
  const check = new ChainCheck();
  const iterator = lines[Symbol.iterator]();
  for (let step = iterator.next(); step.done !== true; step = iterator.next()) {
    const outcome = check.line(step.value);
    if (outcome === undefined) continue;
    if (typeof outcome !== 'number') return outcome;
    return check.misplaced(step.value, outcome, findSeq(iterator, outcome));
  }
  return check.result();
}

/**
 * The same verification over lines that arrive asynchronously (a database read in batches):
 * the same order, the same messages, only one line in memory at a time.
 */
export async function verifyChainAsync(lines: AsyncIterable<AuditLine>): Promise<AuditVerifyResult> {
  const check = new ChainCheck();
  const iterator = lines[Symbol.asyncIterator]();
  try {
    for (let step = await iterator.next(); step.done !== true; step = await iterator.next()) {
      const outcome = check.line(step.value);
      if (outcome === undefined) continue;
      if (typeof outcome !== 'number') return outcome;
      for (let rest = await iterator.next(); rest.done !== true; rest = await iterator.next()) {
        const r = parseRecord(rest.value.text);
        if (typeof r !== 'string' && r.seq === outcome) return check.misplaced(step.value, outcome, rest.value.line);
      }
      return check.misplaced(step.value, outcome, undefined);
    }
    return check.result();
  } finally {
    await iterator.return?.();
  }
}

type Failure = Exclude<AuditVerifyResult, { ok: true }>;

/** The running state of a verification: the head so far and the records that verified. */
class ChainCheck {
  #head: ChainHead = EMPTY_HEAD;
  #records = 0;

  /** Checks one line: undefined when it verified; a failure; or the expected seq when the line has another (the caller looks ahead for it). */
  line({ text, line, terminated }: AuditLine): Failure | number | undefined {
    if (!terminated) return this.#fail(line, 'incomplete-last-line', undefined, 'the file ends inside this line (a write cut short by a crash or power cut); opening the log moves it aside to .partial');
    const record = parseRecord(text);
    if (typeof record === 'string') return this.#fail(line, 'unparseable', undefined, `not an audit record (${record})`);
    const expected = this.#head.seq + 1;
    if (record.seq !== expected) {
      if (record.seq < expected) return this.#fail(line, 'seq-out-of-order', record.seq, `seq ${record.seq} where ${expected} was expected: records repeated or reordered`);
      return expected;
    }
    if (record.prev !== this.#head.hash) {
      const of = this.#head.seq === 0 ? 'the 64 zeros that start the chain' : `the hash of record seq ${this.#head.seq}`;
      return this.#fail(line, 'prev-mismatch', record.seq, `record seq ${record.seq}: "prev" is not ${of}: a record before it was changed or replaced`);
    }
    if (!hashMatches(record)) return this.#fail(line, 'hash-mismatch', record.seq, `record seq ${record.seq}: its hash does not match its content: the record was changed`);
    this.#head = { seq: record.seq, hash: record.hash };
    this.#records += 1;
    return undefined;
  }

  /** The failure of a line whose seq is past `expected`; `later` is the line where `expected` appears, if it does. */
  misplaced({ text, line }: AuditLine, expected: number, later: number | undefined): Failure {
    const seq = (parseRecord(text) as AuditRecord).seq;
    if (later !== undefined) return this.#fail(line, 'seq-out-of-order', seq, `seq ${seq} where ${expected} was expected; seq ${expected} appears later (line ${later}): records were reordered`);
    const missing = seq - expected === 1 ? `record seq ${expected} is missing` : `records seq ${expected}–${seq - 1} are missing`;
    return this.#fail(line, 'seq-gap', seq, `${missing} (this line has seq ${seq}): records were removed`);
  }

  result(): AuditVerifyResult {
    return { ok: true, records: this.#records, lastHash: this.#head.hash };
  }

  #fail(line: number, reason: Failure['reason'], seq: number | undefined, message: string): Failure {
    return { ok: false, line, seq, reason, message: `line ${line}: ${message}`, records: this.#records };
  }
}

function findSeq(rest: Iterator<AuditLine>, seq: number): number | undefined {
  for (let step = rest.next(); step.done !== true; step = rest.next()) {
    const r = parseRecord(step.value.text);
    if (typeof r !== 'string' && r.seq === seq) return step.value.line;
  }
  return undefined;
}
