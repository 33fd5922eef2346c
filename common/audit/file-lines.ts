/**
 * Reading an append-only file of lines through a file descriptor, synchronously, without
 * loading it whole: forward (for verify) and backward from the end (for open and tail).
 *
 * Must hold: lines split on the byte 0x0A, which never occurs inside a multi-byte UTF-8
 * sequence, so a chunk boundary can never cut a character's decoding; a last line without its
 * newline is reported as unterminated, not dropped.
 */
import { readSync } from 'node:fs';
import type { AuditLine } from './chain.js';

const CHUNK = 64 * 1024;
const NL = 0x0a;

/** Every line of the first `size` bytes, in order. */
export function* readLinesForward(fd: number, size: number): Generator<AuditLine> {
  let carry: Buffer[] = [];
  let line = 0;
  const buf = Buffer.alloc(CHUNK);
  for (let pos = 0; pos < size; ) {
    const n = readSync(fd, buf, 0, Math.min(CHUNK, size - pos), pos);
    if (n === 0) break;
    let start = 0;
    for (let i = buf.indexOf(NL, 0); i !== -1 && i < n; i = buf.indexOf(NL, start)) {
      carry.push(buf.subarray(start, i));
      line += 1;
      yield { text: Buffer.concat(carry).toString('utf8'), line, terminated: true };
      carry = [];
      start = i + 1;
    }
    if (start < n) carry.push(Buffer.from(buf.subarray(start, n)));
    pos += n;
  }
  if (carry.length > 0) yield { text: Buffer.concat(carry).toString('utf8'), line: line + 1, terminated: false };
}

export interface TailLines {
  /** The last whole (newline-terminated) lines, oldest first, at most the number asked for. */
  readonly lines: readonly string[];
  /** Byte offset just past the last newline: where an unterminated tail starts (= size if none). */
  readonly wholeEnd: number;
}

/** The last `count` whole lines of the first `size` bytes, reading backwards from the end. */
export function readLastLines(fd: number, size: number, count: number): TailLines {
  let all = Buffer.alloc(0);
  let from = size;
  let nl = positions(all);
  // Backwards until count + 1 newlines are in hand (the one before the oldest line wanted) or the start.
  while (from > 0 && nl.length <= count) {
    const len = Math.min(CHUNK, from);
    const b = Buffer.alloc(len);
    const n = readSync(fd, b, 0, len, from - len);
    if (n !== len) throw new Error(`audit: short read at byte ${from - len} (file changed while reading?)`);
    from -= len;
    all = Buffer.concat([b, all]);
    nl = positions(all);
  }
  const last = nl.at(-1);
  const wholeEnd = last === undefined ? from : from + last + 1;
  // The line ending at nl[j] starts after nl[j-1]; the first one's start is known only at byte 0.
  const lines: string[] = [];
  nl.forEach((end, j) => {
    const start = j > 0 ? (nl[j - 1] ?? 0) + 1 : from === 0 ? 0 : undefined;
    if (start !== undefined) lines.push(all.subarray(start, end).toString('utf8'));
  });
  return { lines: count > 0 ? lines.slice(-count) : [], wholeEnd };
}

function positions(b: Buffer): number[] {
  const out: number[] = [];
  for (let i = b.indexOf(NL); i !== -1; i = b.indexOf(NL, i + 1)) out.push(i);
  return out;
}
