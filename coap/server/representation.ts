/**
 * Representations the server sends: JSON (content format 50) for state and results, error
 * responses with a diagnostic payload (RFC 7252 §5.5.2: UTF-8 text for a person, no
 * Content-Format), and how request payloads and queries become values and parameters.
 *
 * JSON shapes (piactl reads these):
 *   property  {"value": 21.5, "unit": "Cel"}            (+ "health" when the device is not ok)
 *   PUT       {"value": <the value now in effect>}
 *   POST      the action's result object
 *   device    {"name", "kind", "part", "properties": {…}, "health": {"status", "failures",
 *              "lastError"?: {"message", "at", "agoMs"}, "lastOkAt"?, "lastOkAgoMs"?}}
 * Times are wall-clock ISO 8601 UTC strings, as the device took them; an age (`agoMs`) is
 * the server's wall clock now minus that time (never below 0: a clock set back after boot).
 */
import type { ServedHealth, ServedParam, ServedProperty, ServedValue } from './served.js';
import { ContentFormat } from '../message/options.js';

export interface Representation {
  readonly code: number;
  readonly payload: Uint8Array;
  readonly contentFormat?: number;
  /** Seconds (Max-Age, RFC 7252 §5.10.5); on 5.03: when to retry (§5.9.3.4). */
  readonly maxAge?: number;
  /** The error text, for logs and the exchange record. */
  readonly diagnostic?: string;
  /** Entity tag of the whole representation (a cached blob's). */
  readonly etag?: Uint8Array;
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
/** Diagnostics stay short: they ride in one datagram with the headers. */
export const MAX_DIAGNOSTIC_BYTES = 400;

export function json(code: number, value: unknown): Representation {
  return { code, payload: utf8.encode(JSON.stringify(value)), contentFormat: ContentFormat.Json };
}

export function errorResponse(code: number, diagnostic: string, maxAge?: number): Representation {
  let bytes = utf8.encode(diagnostic);
  if (bytes.length > MAX_DIAGNOSTIC_BYTES) {
    let end = MAX_DIAGNOSTIC_BYTES - 3;
    while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--; // not inside a UTF-8 sequence
    bytes = Uint8Array.from([...bytes.subarray(0, end), ...utf8.encode('…')]);
  }
  return { code, payload: bytes, diagnostic, ...(maxAge === undefined ? {} : { maxAge }) };
}

/** `wallNowMs`: the server's wall clock (Clock.wallNow), for the health's ages. */
export function propertyJson(spec: ServedProperty, value: ServedValue | undefined, health: ServedHealth, wallNowMs: number): unknown {
  return {
    value: value ?? null,
    ...(spec.unit === undefined ? {} : { unit: spec.unit }),
    ...(spec.kind === undefined ? {} : { kind: spec.kind }),
    ...(health.status === 'ok' ? {} : { health: healthJson(health, wallNowMs) }),
  };
}

export function healthJson(h: ServedHealth, wallNowMs: number): unknown {
  return {
    status: h.status,
    failures: h.failures,
    ...(h.lastError === undefined ? {} : { lastError: { message: h.lastError.message, at: h.lastError.at, agoMs: ageMs(h.lastError.at, wallNowMs) } }),
    ...(h.lastOkAt === undefined ? {} : { lastOkAt: h.lastOkAt, lastOkAgoMs: ageMs(h.lastOkAt, wallNowMs) }),
  };
}

/** Milliseconds from an ISO 8601 time to `wallNowMs`, at least 0 (0 for a time that does not parse). */
function ageMs(at: string, wallNowMs: number): number {
  const t = Date.parse(at);
  return Number.isFinite(t) ? Math.max(0, wallNowMs - t) : 0;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/**
 * A PUT body: JSON (`80`, `"cool"`, `{"value": 80}`), or for a client that sends text
 * without Content-Format (libcoap's `-e cool`), the text itself when it is not JSON.
 */
export function parseValue(payload: Uint8Array, contentFormat: number | undefined): Parsed<unknown> {
  const text = utf8Text(payload);
  if (text === undefined) return { ok: false, problem: 'the payload is not UTF-8 text' };
  if (text.trim() === '') return { ok: false, problem: 'the payload is empty; send the value as JSON, e.g. 80 or {"value": 80}' };
  try {
    const v: unknown = JSON.parse(text);
    return { ok: true, value: isRecord(v) && 'value' in v ? v.value : v };
  } catch {
    if (contentFormat === ContentFormat.Json) return { ok: false, problem: `the payload is not JSON: ${JSON.stringify(text.slice(0, 40))}` };
    return { ok: true, value: text.trim() };
  }
}

/** POST parameters: a JSON object in the payload (empty = {}), merged over the query's k=v pairs. */
export function parseParams(payload: Uint8Array, query: readonly string[], specs: readonly ServedParam[]): Parsed<Record<string, unknown>> {
  const params: Record<string, unknown> = queryParams(query, specs);
  if (payload.length === 0) return { ok: true, value: params };
  const text = utf8Text(payload);
  if (text === undefined) return { ok: false, problem: 'the payload is not UTF-8 text' };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, problem: `the payload is not JSON: ${JSON.stringify(text.slice(0, 40))}; send the parameters as a JSON object` };
  }
  if (!isRecord(v)) return { ok: false, problem: 'the parameters must be a JSON object, e.g. {"seconds": 5}' };
  return { ok: true, value: { ...params, ...v } };
}

/** Uri-Query `k=v` pairs, each value typed by its ServedParam (the device validates the result). */
export function queryParams(query: readonly string[], specs: readonly ServedParam[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const arg of query) {
    const eq = arg.indexOf('=');
    const key = eq < 0 ? arg : arg.slice(0, eq);
    const raw = eq < 0 ? '' : arg.slice(eq + 1);
    if (key === '' || key === '__proto__') continue;
    const spec = specs.find((s) => s.name === key);
    out[key] = spec === undefined ? raw : typed(raw, spec.type);
  }
  return out;
}

function typed(raw: string, type: ServedParam['type']): unknown {
  switch (type) {
    case 'number': {
      const n = Number(raw);
      return raw.trim() === '' || Number.isNaN(n) ? raw : n;
    }
    case 'boolean':
      return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
    case 'string':
      return raw;
  }
}

function utf8Text(payload: Uint8Array): string | undefined {
  try {
    return utf8Strict.decode(payload);
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

