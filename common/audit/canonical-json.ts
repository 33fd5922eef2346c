/**
 * Canonical JSON for the audit hash (docs/protocol.md §9.7): object keys sorted (recursively)
 * by UTF-16 code units, no whitespace, strings and numbers as JSON.stringify writes them. For
 * the values allowed here that is RFC 8785 (JCS) output, so another implementation can
 * recompute a hash with any JCS library.
 *
 * Must hold: only exact JSON values are accepted (no undefined, functions, NaN, ±Infinity,
 * bigint): anything that JSON.stringify would drop or change throws, naming its path, so the
 * hashed text and the written line can never disagree.
 */
import type { JsonValue } from './types.js';

export function canonicalJson(value: JsonValue): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`audit: ${path} is ${value}, which JSON cannot carry; use a finite number or a string`);
    return JSON.stringify(value);
  }
  if (typeof value !== 'object') throw new TypeError(`audit: ${path} is a ${typeof value}, which JSON cannot carry; omit it or pass a string`);
  if (Array.isArray(value)) return `[${value.map((v, i) => write(v, `${path}[${i}]`)).join(',')}]`;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new TypeError(`audit: ${path} is not a plain object (a ${describe(value)}); pass its JSON form`);
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${write(obj[k], `${path}.${k}`)}`).join(',')}}`;
}

function describe(value: object): string {
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' ? ctor.name : 'non-plain object';
}
